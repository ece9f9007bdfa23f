"""Issue 13, finding 1: password hashing runs off the event loop, so a flood of logins (each
naming a new e-mail, which no per-account throttle stops) does not stall other requests.
Not a timing test (bench/login_flood.py measures latency): while 8 clients keep logins in
flight, a ninth keeps calling /me, and the loop must serve it many times per login hashed;
with the hash on the loop, every login stops every other request for a hash's time."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.auth.conftest import AuthServer, auth_server

FLOODERS = 8
LOGINS_EACH = 4


@pytest.fixture(scope="module")
def live(server_url: str) -> Iterator[AuthServer]:
    # Every failed login here comes from 127.0.0.1: the per-address limit must not stop the
    # flood before the hashes it is meant to cause.
    with auth_server(server_url, login_address_max_failures=100_000) as server:
        yield server


async def flood(client: httpx.AsyncClient) -> int:
    for _ in range(LOGINS_EACH):
        answer = await client.post(
            "/api/v1/auth/token",
            data={"username": f"{uuid.uuid4().hex}@example.com", "password": "wrong-password"},
        )
        assert answer.status_code == 401, answer.text
    return LOGINS_EACH


async def watch(client: httpx.AsyncClient, headers: dict[str, str], done: asyncio.Event) -> int:
    answered = 0
    while not done.is_set():
        answer = await client.get("/api/v1/me", headers=headers)
        assert answer.status_code == 200, answer.text
        answered += 1
    return answered


class TestLoginFlood:
    async def test_me_answers_many_times_per_login_while_logins_are_in_flight(
        self, live: AuthServer
    ) -> None:
        limits = httpx.Limits(max_connections=FLOODERS + 1)
        async with httpx.AsyncClient(base_url=live.url, limits=limits, timeout=120) as client:
            await client.get("/api/v1/me", headers=live.admin)  # a warm connection
            done = asyncio.Event()
            watcher = asyncio.create_task(watch(client, live.admin, done))
            logins = sum(await asyncio.gather(*(flood(client) for _ in range(FLOODERS))))
            done.set()
            answered = await watcher

        # Off the loop, a /me takes a few milliseconds and a hash tens of them: about 4 /me
        # per login on 2 cores. On the loop, every hash blocks /me: fewer than 1 per login.
        assert answered >= 2 * logins, f"/me answered {answered} times during {logins} logins"
