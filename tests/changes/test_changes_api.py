from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.changes.registry import RESOURCES
from tests.changes.conftest import Feed, insert_enterprise, rename_enterprise
from tests.factories import random_uscc
from tests.problems import assert_problem

ALL = ("read:changes", "read:enterprises", "read:pools", "read:projects", "read:visits")


async def drain(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    after: str | None,
    *,
    expect: int = 0,
    **params: Any,
) -> tuple[list[dict[str, Any]], str]:
    """Every change ready after `after` (waiting for at least `expect` of them), and the
    cursor to resume from. The horizon is the whole cluster's oldest running transaction, so
    another database's long transaction (a parallel test run) may delay changes, never lose
    them: hence the wait."""
    items: list[dict[str, Any]] = []
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        query = {"limit": 50, **params} | ({"after": after} if after else {})
        page = await client.get("/api/v1/changes", headers=headers, params=query)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        after = body["next_cursor"]
        assert after is not None
        if body["has_more"]:
            continue
        if len(items) >= expect or asyncio.get_running_loop().time() > deadline:
            return items, after
        await asyncio.sleep(0.05)


async def settle(feed: Feed) -> None:
    """Wait until every change written so far is served: the horizon is the whole cluster's
    oldest running transaction, so while any other transaction is open (a parallel test run,
    another engineer's) a previous test's last write stays held back, and would surface in
    the middle of the next test's window as a change that test did not make."""
    conn = await feed.connect()
    deadline = asyncio.get_running_loop().time() + 60
    try:
        while await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM change_event"
            " WHERE xid >= pg_snapshot_xmin(pg_current_snapshot())::text::bigint)"
        ):
            assert asyncio.get_running_loop().time() < deadline, "the feed never settled"
            await asyncio.sleep(0.05)
    finally:
        await conn.close()


@pytest.fixture(autouse=True)
async def settled(feed: Feed) -> None:
    """Each test starts where every earlier write is already in the feed."""
    await settle(feed)


class TestChangeFeed:
    async def test_inserts_and_updates_are_listed_in_commit_safe_order(self, feed: Feed) -> None:
        headers = await feed.key(*ALL)
        async with httpx.AsyncClient(base_url=feed.base_url) as client:
            _, cursor = await drain(client, headers, None)
            conn = await feed.connect()
            try:
                enterprise_id = await insert_enterprise(conn)
                version = await rename_enterprise(conn, enterprise_id)
            finally:
                await conn.close()
            items, _ = await drain(client, headers, cursor, expect=2)
        mine = [(i["resource"], i["id"], i["operation"], i["version"]) for i in items]
        assert mine == [
            ("enterprise", enterprise_id, "insert", 1),
            ("enterprise", enterprise_id, "update", version),
        ]
        assert all(i["changed_at"] and i["cursor"] for i in items)

    async def test_a_late_commit_is_served_before_what_committed_first(self, feed: Feed) -> None:
        headers = await feed.key(*ALL)
        early, late = await feed.connect(), await feed.connect()
        async with httpx.AsyncClient(base_url=feed.base_url) as client:
            try:
                _, cursor = await drain(client, headers, None)
                slow = late.transaction()
                await slow.start()
                slow_id = await insert_enterprise(late)  # gets the older transaction id
                fast_id = await insert_enterprise(early)  # commits first (autocommit)
                held, held_cursor = await drain(client, headers, cursor)
                # A naive reader would hand out fast_id and move past slow_id for good.
                assert held == []
                assert held_cursor == cursor
                await slow.commit()
                items, _ = await drain(client, headers, cursor, expect=2)
            finally:
                await early.close()
                await late.close()
        assert [i["id"] for i in items] == [slow_id, fast_id]

    async def test_a_rolled_back_write_never_appears(self, feed: Feed) -> None:
        headers = await feed.key(*ALL)
        conn = await feed.connect()
        async with httpx.AsyncClient(base_url=feed.base_url) as client:
            try:
                _, cursor = await drain(client, headers, None)
                tx = conn.transaction()
                await tx.start()
                await insert_enterprise(conn)
                await tx.rollback()
                kept = await insert_enterprise(conn)
                items, _ = await drain(client, headers, cursor, expect=1)
            finally:
                await conn.close()
        assert [i["id"] for i in items] == [kept]

    async def test_a_bulk_unnest_update_records_every_row(self, feed: Feed) -> None:
        # The alert sweep writes with one UPDATE ... FROM unnest(...) on asyncpg directly.
        headers = await feed.key(*ALL)
        conn = await feed.connect()
        async with httpx.AsyncClient(base_url=feed.base_url) as client:
            try:
                _, cursor = await drain(client, headers, None)
                ids = [await insert_enterprise(conn) for _ in range(3)]
                _, cursor = await drain(client, headers, cursor, expect=3)
                await conn.execute(
                    "UPDATE enterprise AS e SET district = u.d, version = e.version + 1"
                    " FROM unnest($1::uuid[], $2::text[]) AS u(id, d) WHERE e.id = u.id",
                    ids,
                    ["一区", "二区", "三区"],
                )
                items, _ = await drain(client, headers, cursor, expect=3)
            finally:
                await conn.close()
        assert sorted((i["id"], i["operation"], i["version"]) for i in items) == sorted(
            (enterprise_id, "update", 2) for enterprise_id in ids
        )

    async def test_the_alert_sweeps_colour_change_is_in_the_feed(self, feed: Feed) -> None:
        # The sweep rewrites colours with one raw UPDATE ... FROM unnest on asyncpg: the
        # trigger sees it like any other write.
        headers = await feed.key(*ALL)
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        async with httpx.AsyncClient(
            base_url=feed.base_url, headers=feed.admin, timeout=60
        ) as client:
            enterprise = await client.post(
                "/api/v1/enterprises", json={"uscc": random_uscc(), "name": "预警变更测试公司"}
            )
            project = await client.post(
                "/api/v1/projects",
                json={
                    "enterprise_id": enterprise.json()["id"],
                    "title": "预警变更",
                    "level": "district",
                    "status": "in_progress",
                    "start_on": (today - timedelta(days=20)).isoformat(),
                    "end_on": (today + timedelta(days=300)).isoformat(),
                },
            )
            project_id = project.json()["id"]
            for title, due, weight in [
                ("一", today - timedelta(days=10), "1"),
                ("二", today + timedelta(days=290), "99"),
            ]:
                await client.post(
                    f"/api/v1/projects/{project_id}/milestones",
                    json={"title": title, "due_on": due.isoformat(), "weight": weight},
                )
            before = await client.get(f"/api/v1/projects/{project_id}")
            assert before.json()["alert"]["color"] == "red"
            # The setup's own writes must be served before the position is taken.
            await settle(feed)
            _, cursor = await drain(client, headers, None)
            policy = (await client.get("/api/v1/alert-policy")).json()
            thresholds: dict[str, Any] = {
                k: v for k, v in policy.items() if k not in {"version", "created_at", "created_by"}
            }
            relaxed = await client.put(
                "/api/v1/alert-policy", json={**thresholds, "overdue_after_days": 30}
            )
            assert relaxed.status_code == 200, relaxed.text
            swept = await client.post("/api/v1/alerts/sweep")
            assert swept.status_code == 200, swept.text
            after = await client.get(f"/api/v1/projects/{project_id}")
            assert after.json()["alert"]["color"] == "green"
            items, _ = await drain(client, headers, cursor, expect=1, resource="project")
        version = int(after.headers["etag"].strip('W/"'))
        assert [(i["id"], i["operation"], i["version"]) for i in items] == [
            (project_id, "update", version)
        ]

    async def test_a_key_sees_only_the_resources_its_scopes_cover(self, feed: Feed) -> None:
        narrow = await feed.key("read:changes", "read:projects")
        conn = await feed.connect()
        async with httpx.AsyncClient(base_url=feed.base_url) as client:
            try:
                _, cursor = await drain(client, narrow, None)
                await insert_enterprise(conn)
                items, _ = await drain(client, narrow, cursor)
                assert items == []
                refused = await client.get(
                    "/api/v1/changes", headers=narrow, params={"resource": "enterprise"}
                )
                assert_problem(refused, 403, "scope_missing")
            finally:
                await conn.close()

    async def test_a_key_without_read_changes_is_403(self, feed: Feed) -> None:
        headers = await feed.key("read:enterprises")
        async with httpx.AsyncClient(base_url=feed.base_url) as client:
            response = await client.get("/api/v1/changes", headers=headers)
        assert_problem(response, 403, "scope_missing")

    async def test_a_forged_cursor_is_422(self, feed: Feed) -> None:
        headers = await feed.key(*ALL)
        async with httpx.AsyncClient(base_url=feed.base_url) as client:
            # garbage, ["x",1], [-1,1], [10**20,1]
            for forged in (
                "not-a-cursor",
                "WyJ4IiwxXQ",
                "Wy0xLDFd",
                "Wzk5OTk5OTk5OTk5OTk5OTk5OTk5LDFd",
            ):
                response = await client.get(
                    "/api/v1/changes", headers=headers, params={"after": forged}
                )
                assert_problem(response, 422, "invalid_cursor")

    async def test_cursor_is_a_synonym_of_after(self, feed: Feed) -> None:
        headers = await feed.key(*ALL)
        conn = await feed.connect()
        async with httpx.AsyncClient(base_url=feed.base_url) as client:
            try:
                _, position = await drain(client, headers, None)
                created = await insert_enterprise(conn)
            finally:
                await conn.close()
            await drain(client, headers, position, expect=1)
            page = await client.get("/api/v1/changes", headers=headers, params={"cursor": position})
            assert [i["id"] for i in page.json()["items"]] == [created]
            both = await client.get(
                "/api/v1/changes",
                headers=headers,
                params={"cursor": position, "after": page.json()["next_cursor"]},
            )
            assert_problem(both, 422, "conflicting_cursors")


class TestRegistry:
    async def test_every_registered_table_is_tracked_and_every_tracked_table_registered(
        self, session: AsyncSession
    ) -> None:
        rows = await session.execute(
            text(
                "SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname LIKE 'change_feed_%' GROUP BY c.relname"
            )
        )
        tracked: dict[str, int] = {name: count for name, count in rows.all()}  # noqa: C416
        assert tracked == {resource.table: 3 for resource in RESOURCES}


class TestOutcomesAndRankingsInTheFeed:
    async def test_an_achievement_and_a_ranking_runs_life(self, feed: Feed) -> None:
        from tests.enterprises.test_annual_reports import report
        from tests.enterprises.test_enterprises import body as enterprise_body

        headers = await feed.key("read:changes", "read:outcomes", "read:rankings")
        async with httpx.AsyncClient(base_url=feed.base_url, timeout=60) as client:
            _, cursor = await drain(client, headers, None)
            admin = feed.admin
            created = await client.post(
                "/api/v1/enterprises", headers=admin, json=enterprise_body()
            )
            enterprise_id = created.json()["id"]
            award = await client.post(
                "/api/v1/achievements",
                headers=admin,
                json={
                    "kind": "competition_award",
                    "enterprise_id": enterprise_id,
                    "achieved_on": "2025-09-20",
                    "level": "regional",
                    "amount": "500000.00",
                    "grade": 1,
                },
            )
            assert award.status_code == 201, award.text
            await client.put(
                f"/api/v1/enterprises/{enterprise_id}/annual-reports/2024",
                headers=admin,
                json=report(),
            )
            entered = await client.post(
                "/api/v1/pools/sme/members",
                headers=admin,
                json={
                    "enterprise_id": enterprise_id,
                    "tier": "selected",
                    "reason": "变更流测试",
                    "effective_on": "2025-01-02",
                },
            )
            assert entered.status_code == 201, entered.text
            run = await client.post(
                "/api/v1/rankings", headers=admin, json={"pool": "sme", "year": 2025}
            )
            assert run.status_code == 201, run.text
            run_id = run.json()["id"]
            published = await client.post(f"/api/v1/rankings/{run_id}/publish", headers=admin)
            assert published.status_code == 200
            items, _ = await drain(client, headers, cursor, expect=3)
        mine = [(i["resource"], i["id"], i["operation"], i["version"]) for i in items]
        # The enterprise, its report and its pool entry are not this key's to see.
        assert mine == [
            ("achievement", award.json()["id"], "insert", 1),
            ("ranking", run_id, "insert", 1),
            ("ranking", run_id, "update", 2),
        ]


class TestPlansInTheFeed:
    async def test_a_plan_and_its_tasks_reach_keys_with_read_plans(self, feed: Feed) -> None:
        from tests.enterprises.test_enterprises import body as enterprise_body

        headers = await feed.key("read:changes", "read:plans")
        async with httpx.AsyncClient(base_url=feed.base_url, timeout=60) as client:
            _, cursor = await drain(client, headers, None)
            admin = feed.admin
            created = await client.post(
                "/api/v1/enterprises", headers=admin, json=enterprise_body()
            )
            plan = await client.post(
                f"/api/v1/enterprises/{created.json()['id']}/plans",
                headers=admin,
                json={
                    "goal_kind": "sme",
                    "target_year": 2030,
                    "propose": False,
                    "tasks": [{"title": "建立研发费用辅助账"}],
                },
            )
            assert plan.status_code == 201, plan.text
            task = plan.json()["tasks"][0]
            moved = await client.patch(
                f"/api/v1/plans/{plan.json()['id']}/tasks/{task['id']}",
                headers=admin,
                json={"status": "in_progress"},
            )
            assert moved.status_code == 200, moved.text
            items, _ = await drain(client, headers, cursor, expect=4)
        seen = sorted((i["resource"], i["id"], i["operation"], i["version"]) for i in items)
        # The enterprise is not this key's to see.
        assert seen == sorted(
            [
                ("plan", plan.json()["id"], "insert", 1),
                ("plan", plan.json()["id"], "update", 2),
                ("plan_task", task["id"], "insert", 1),
                ("plan_task", task["id"], "update", 2),
            ]
        )
