"""A live server on its own database: import jobs run in its background and really commit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from app.db import drop_database
from app.main import create_app
from app.migrations import upgrade
from tests.conftest import LIVE_ADMIN_EMAIL, LIVE_ADMIN_PASSWORD, fresh_database, make_settings
from tests.live import LiveServer


@dataclass(frozen=True)
class Live:
    base_url: str
    admin: dict[str, str]
    dsn: str

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return (await fetchrow(self.dsn, sql, *args))[0]


async def fetchrow(dsn: str, sql: str, *args: Any) -> asyncpg.Record:
    """One row, read on a connection of its own (what the server committed)."""
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(sql, *args)
        assert row is not None, sql
        return row
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def live(server_url: str) -> Iterator[Live]:
    url = fresh_database(server_url, "imports")
    upgrade(url)
    settings = make_settings(
        url, bootstrap_admin_email=LIVE_ADMIN_EMAIL, bootstrap_admin_password=LIVE_ADMIN_PASSWORD
    )
    with LiveServer(create_app(settings)) as server:
        token = httpx.post(
            f"{server.url}/api/v1/auth/token",
            data={"username": LIVE_ADMIN_EMAIL, "password": LIVE_ADMIN_PASSWORD},
        ).json()["access_token"]
        yield Live(
            server.url,
            {"Authorization": f"Bearer {token}"},
            url.replace("postgresql+asyncpg://", "postgresql://"),
        )
    asyncio.run(drop_database(url))


async def finished(client: httpx.AsyncClient, live: Live, location: str) -> dict[str, Any]:
    """The job once it has ended (it runs in the server's background)."""
    deadline = asyncio.get_running_loop().time() + 180
    while True:
        response = await client.get(location, headers=live.admin)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if job["status"] in ("succeeded", "failed"):
            return job
        assert asyncio.get_running_loop().time() < deadline, job
        await asyncio.sleep(0.1)
