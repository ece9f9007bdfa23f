"""The nightly prune: changes past the retention go, a consumer whose cursor fell behind them
is told so (410), and one that kept up, or starts afresh, goes on."""

from __future__ import annotations

import asyncio

import httpx

from app.changes import service
from app.db import create_engine, create_session_factory
from tests.changes.conftest import Feed, insert_enterprise
from tests.changes.test_changes_api import drain
from tests.conftest import make_settings
from tests.problems import assert_problem


async def prune(feed: Feed, retention_days: int) -> int:
    url = feed.dsn.replace("postgresql://", "postgresql+asyncpg://")
    settings = make_settings(url, change_feed_retention_days=retention_days)
    engine = create_engine(url, settings)
    try:
        async with create_session_factory(engine)() as session:
            return await service.prune(session, settings)
    finally:
        await engine.dispose()


async def prune_until_gone(feed: Feed, ids: list[str]) -> int:
    """Prune until the changes of these rows are gone: the horizon is the whole cluster's
    oldest running transaction, so a parallel test run may hold them back for a while."""
    removed = 0
    deadline = asyncio.get_running_loop().time() + 60
    conn = await feed.connect()
    try:
        while True:
            removed += await prune(feed, retention_days=90)
            left = await conn.fetchval(
                "SELECT count(*) FROM change_event WHERE resource_id = ANY($1::uuid[])", ids
            )
            if left == 0 or asyncio.get_running_loop().time() > deadline:
                return removed
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


class TestPrune:
    async def test_old_changes_go_and_a_lagging_cursor_is_410(self, feed: Feed) -> None:
        headers = feed.admin
        conn = await feed.connect()
        try:
            old = [await insert_enterprise(conn) for _ in range(3)]
            # Written 100 days ago, as far as the feed can tell.
            await conn.execute(
                "UPDATE change_event SET changed_at = now() - interval '100 days'"
                " WHERE resource_id = ANY($1::uuid[])",
                old,
            )
            async with httpx.AsyncClient(base_url=feed.base_url, timeout=30) as client:
                everything, _ = await drain(client, headers, None, expect=3)
                mine = [c for c in everything if c["id"] in old]
                first, last = mine[0]["cursor"], mine[-1]["cursor"]
                recent = await insert_enterprise(conn)

                assert await prune(feed, retention_days=0) == 0  # 0 keeps everything
                assert await prune_until_gone(feed, old) >= 3

                expired = await client.get(
                    "/api/v1/changes", headers=headers, params={"after": first}
                )
                body = assert_problem(expired, 410, "cursor_expired")
                assert "/api/v1/exports" in body["detail"]
                # Up to date with the last pruned change: nothing was lost to it.
                resumed, _ = await drain(client, headers, last, expect=1)
                assert [c["id"] for c in resumed] == [recent]
                # A new consumer starts from what is kept.
                fresh, _ = await drain(client, headers, None, expect=1)
                assert [c["id"] for c in fresh] == [recent]
                # A second night with nothing old is a no-op.
                assert await prune(feed, retention_days=90) == 0
        finally:
            await conn.close()
