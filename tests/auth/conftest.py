"""Live servers of the auth tests: each on a database of its own (throttling state and the
set of administrators must not leak between modules), with one administrator."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from app.db import drop_database
from app.main import create_app
from app.migrations import upgrade
from tests.conftest import LIVE_ADMIN_EMAIL, LIVE_ADMIN_PASSWORD, fresh_database, make_settings
from tests.live import LiveServer

USER_PASSWORD = "user-password-2026"


@dataclass(frozen=True)
class AuthServer:
    url: str
    database_url: str
    admin: dict[str, str]

    def login(self, email: str, password: str, *, source: str = "127.0.0.1") -> httpx.Response:
        with httpx.Client(
            base_url=self.url, transport=httpx.HTTPTransport(local_address=source)
        ) as client:
            return client.post("/api/v1/auth/token", data={"username": email, "password": password})

    def token(self, email: str, password: str) -> dict[str, str]:
        answer = self.login(email, password)
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def create_user(self, role: str = "specialist") -> tuple[str, str]:
        """A new user's e-mail and id."""
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        answer = httpx.post(
            f"{self.url}/api/v1/users",
            headers=self.admin,
            json={"email": email, "password": USER_PASSWORD, "role": role},
        )
        assert answer.status_code == 201, answer.text
        return email, answer.json()["id"]


@contextmanager
def auth_server(server_url: str, **overrides: object) -> Iterator[AuthServer]:
    url = fresh_database(server_url, "auth")
    upgrade(url)
    settings = make_settings(
        url,
        bootstrap_admin_email=LIVE_ADMIN_EMAIL,
        bootstrap_admin_password=LIVE_ADMIN_PASSWORD,
        **overrides,
    )
    try:
        with LiveServer(create_app(settings)) as server:
            token = httpx.post(
                f"{server.url}/api/v1/auth/token",
                data={"username": LIVE_ADMIN_EMAIL, "password": LIVE_ADMIN_PASSWORD},
            ).json()["access_token"]
            yield AuthServer(server.url, url, {"Authorization": f"Bearer {token}"})
    finally:
        asyncio.run(drop_database(url))
