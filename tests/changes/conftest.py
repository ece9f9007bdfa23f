"""A live server on its own database: the feed shows only committed transactions, so these
tests write through their own connections and really commit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest

from app.auth.security import new_api_key
from app.db import drop_database
from app.main import create_app
from app.migrations import upgrade
from tests.conftest import (
    LIVE_ADMIN_EMAIL,
    LIVE_ADMIN_PASSWORD,
    fresh_database,
    make_settings,
)
from tests.factories import random_uscc
from tests.live import LiveServer


@dataclass(frozen=True)
class Feed:
    base_url: str
    dsn: str
    admin: dict[str, str]

    async def connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.dsn)

    async def key(self, *scopes: str) -> dict[str, str]:
        fresh = new_api_key()
        conn = await self.connect()
        try:
            await conn.execute(
                "INSERT INTO api_key (id, name, prefix, key_hash, scopes, created_at, updated_at)"
                " VALUES (gen_random_uuid(), 'feed test', $1, $2, $3, now(), now())",
                fresh.prefix,
                fresh.key_hash,
                list(scopes),
            )
        finally:
            await conn.close()
        return {"Authorization": f"Bearer {fresh.secret}"}


@pytest.fixture(scope="module")
def feed(server_url: str) -> Iterator[Feed]:
    url = fresh_database(server_url, "feed")
    upgrade(url)
    # Readers poll hard in these tests; the rate limit has its own tests.
    settings = make_settings(
        url,
        api_key_rate_limit=1_000_000,
        bootstrap_admin_email=LIVE_ADMIN_EMAIL,
        bootstrap_admin_password=LIVE_ADMIN_PASSWORD,
    )
    with LiveServer(create_app(settings)) as server:
        token = httpx.post(
            f"{server.url}/api/v1/auth/token",
            data={"username": LIVE_ADMIN_EMAIL, "password": LIVE_ADMIN_PASSWORD},
        ).json()["access_token"]
        yield Feed(
            server.url,
            url.replace("postgresql+asyncpg://", "postgresql://"),
            {"Authorization": f"Bearer {token}"},
        )
    asyncio.run(drop_database(url))


async def insert_enterprise(conn: asyncpg.Connection, name: str = "克拉玛依市测试有限公司") -> str:
    value = await conn.fetchval(
        "INSERT INTO enterprise (id, uscc, name, tags, status, version, created_at, updated_at)"
        " VALUES (gen_random_uuid(), $1, $2, '{}', 'active', 1, now(), now()) RETURNING id",
        random_uscc(),
        name,
    )
    return str(value)


async def rename_enterprise(conn: asyncpg.Connection, enterprise_id: str) -> int:
    version: int = await conn.fetchval(
        "UPDATE enterprise SET name = name || '改', version = version + 1 WHERE id = $1"
        " RETURNING version",
        enterprise_id,
    )
    return version
