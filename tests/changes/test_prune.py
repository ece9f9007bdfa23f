"""The nightly prune: changes past the retention go, a consumer whose cursor fell behind them
is told so (410), and one that kept up, or starts afresh, goes on."""

from __future__ import annotations

import httpx

from app.changes import service
from app.db import create_engine, create_session_factory
from tests.changes.conftest import Feed, insert_enterprise
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
                everything = (
                    await client.get("/api/v1/changes", headers=headers, params={"limit": 200})
                ).json()["items"]
                mine = [c for c in everything if c["id"] in old]
                first, last = mine[0]["cursor"], mine[-1]["cursor"]
                recent = await insert_enterprise(conn)

                assert await prune(feed, retention_days=0) == 0  # 0 keeps everything
                assert await prune(feed, retention_days=90) >= 3
                remaining = await conn.fetchval(
                    "SELECT count(*) FROM change_event WHERE resource_id = ANY($1::uuid[])", old
                )
                assert remaining == 0

                expired = await client.get(
                    "/api/v1/changes", headers=headers, params={"after": first}
                )
                body = assert_problem(expired, 410, "cursor_expired")
                assert "/api/v1/exports" in body["detail"]
                # Up to date with the last pruned change: nothing was lost to it.
                resumed = await client.get(
                    "/api/v1/changes", headers=headers, params={"after": last}
                )
                assert [c["id"] for c in resumed.json()["items"]] == [recent]
                # A new consumer starts from what is kept.
                fresh = await client.get("/api/v1/changes", headers=headers)
                assert [c["id"] for c in fresh.json()["items"]] == [recent]
                # A second night with nothing old is a no-op.
                assert await prune(feed, retention_days=90) == 0
        finally:
            await conn.close()
