"""Migrations 0030 and 0033: keys issued before scopes were enforced keep working (every read
scope)."""

from __future__ import annotations

import asyncio

import asyncpg

from app.auth.scopes import READ_SCOPES
from app.db import drop_database
from app.migrations import upgrade
from tests.conftest import fresh_database


async def _sql(url: str, statement: str) -> object:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return await conn.fetchval(statement)
    finally:
        await conn.close()


class TestScopeMigration:
    def test_existing_keys_get_every_read_scope_and_keep_their_own(self, server_url: str) -> None:
        url = fresh_database(server_url, "scope_migration")
        try:
            upgrade(url, "0010")
            asyncio.run(
                _sql(
                    url,
                    "INSERT INTO api_key (id, name, prefix, key_hash, scopes, created_at,"
                    " updated_at) VALUES (gen_random_uuid(), 'old', 'abcdef012345', 'h',"
                    " '{read:enterprises,write:legacy}', now(), now()) RETURNING id",
                )
            )
            upgrade(url)
            scopes = asyncio.run(_sql(url, "SELECT scopes FROM api_key"))
            assert isinstance(scopes, list)
            assert sorted(scopes) == sorted(READ_SCOPES | {"write:legacy"})
        finally:
            asyncio.run(drop_database(url))
