"""Issue 13, finding 8: login throttling on a live server. Failures count per account and
client address (an attacker elsewhere cannot lock the owner out) and per address across
accounts (spraying); the count and the attempt are atomic, so parallel guesses are
evaluated at most LOGIN_MAX_FAILURES times. Clients bind distinct loopback addresses
(127.0.0.x), so each test has addresses of its own."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.auth.conftest import USER_PASSWORD, AuthServer, auth_server
from tests.problems import assert_problem

ADDRESS_LIMIT = 20
TRUSTED_PROXY = "127.0.0.9"


@pytest.fixture(scope="module")
def live(server_url: str) -> Iterator[AuthServer]:
    with auth_server(
        server_url,
        login_max_failures=10,
        login_address_max_failures=ADDRESS_LIMIT,
        trusted_proxies=[f"{TRUSTED_PROXY}/32"],
    ) as server:
        yield server


async def parallel_logins(live: AuthServer, email: str, count: int, *, source: str) -> Counter[int]:
    transport = httpx.AsyncHTTPTransport(local_address=source)
    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(
        base_url=live.url, transport=transport, limits=limits, timeout=120
    ) as client:
        answers = await asyncio.gather(
            *(
                client.post(
                    "/api/v1/auth/token",
                    data={"username": email, "password": f"wrong-{n}-password"},
                )
                for n in range(count)
            )
        )
    return Counter(answer.status_code for answer in answers)


class TestPerAccountAndAddress:
    async def test_forty_parallel_guesses_are_evaluated_ten_times(self, live: AuthServer) -> None:
        email, _ = await asyncio.to_thread(live.create_user)

        statuses = await parallel_logins(live, email, 40, source="127.0.0.2")

        assert statuses == Counter({401: 10, 429: 30})

    async def test_the_owner_elsewhere_still_logs_in(self, live: AuthServer) -> None:
        email, _ = await asyncio.to_thread(live.create_user)
        await parallel_logins(live, email, 12, source="127.0.0.3")

        locked = live.login(email, USER_PASSWORD, source="127.0.0.3")
        elsewhere = live.login(email, USER_PASSWORD, source="127.0.0.4")

        body = assert_problem(locked, 429, "login_throttled")
        assert "try again after" in body["detail"]
        assert 1 <= int(locked.headers["retry-after"]) <= 15 * 60 + 1
        assert elsewhere.status_code == 200, elsewhere.text


class TestPerAddress:
    def test_guessing_across_accounts_from_one_address_is_throttled(self, live: AuthServer) -> None:
        email, _ = live.create_user()
        answers = [
            live.login(
                f"nobody-{uuid.uuid4().hex[:8]}@example.com", "guess-2026", source="127.0.0.5"
            )
            for _ in range(ADDRESS_LIMIT + 1)
        ]

        assert [a.status_code for a in answers[:ADDRESS_LIMIT]] == [401] * ADDRESS_LIMIT
        assert_problem(answers[-1], 429, "login_address_throttled")
        assert int(answers[-1].headers["retry-after"]) >= 1
        # The sprayer's address is refused even with a right password; others are not.
        assert_problem(
            live.login(email, USER_PASSWORD, source="127.0.0.5"), 429, "login_address_throttled"
        )
        assert live.login(email, USER_PASSWORD, source="127.0.0.6").status_code == 200


class TestClientAddress:
    def failures_behind(
        self, live: AuthServer, source: str, forwarded_for: str, email: str
    ) -> None:
        transport = httpx.HTTPTransport(local_address=source)
        with httpx.Client(base_url=live.url, transport=transport) as client:
            for _ in range(10):
                answer = client.post(
                    "/api/v1/auth/token",
                    data={"username": email, "password": "wrong-password"},
                    headers={"X-Forwarded-For": forwarded_for},
                )
                assert answer.status_code == 401

    def test_a_trusted_proxy_names_the_client(self, live: AuthServer) -> None:
        email, _ = live.create_user()
        self.failures_behind(live, TRUSTED_PROXY, "203.0.113.7", email)

        def login_as(client_address: str) -> httpx.Response:
            transport = httpx.HTTPTransport(local_address=TRUSTED_PROXY)
            with httpx.Client(base_url=live.url, transport=transport) as client:
                return client.post(
                    "/api/v1/auth/token",
                    data={"username": email, "password": USER_PASSWORD},
                    # The client may prepend anything; the proxy appends what it saw.
                    headers={"X-Forwarded-For": f"198.51.100.1, {client_address}"},
                )

        assert_problem(login_as("203.0.113.7"), 429, "login_throttled")
        assert login_as("203.0.113.8").status_code == 200

    def test_an_untrusted_peer_cannot_pick_its_address(self, live: AuthServer) -> None:
        email, _ = live.create_user()
        self.failures_behind(live, "127.0.0.10", "203.0.113.9", email)

        transport = httpx.HTTPTransport(local_address="127.0.0.10")
        with httpx.Client(base_url=live.url, transport=transport) as client:
            answer = client.post(
                "/api/v1/auth/token",
                data={"username": email, "password": USER_PASSWORD},
                headers={"X-Forwarded-For": "203.0.113.10"},
            )
        assert_problem(answer, 429, "login_throttled")
