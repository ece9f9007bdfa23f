"""Exports of the pools' memberships, the visits and the demands: what the change feed
follows can be copied whole (a consumer whose cursor expired resyncs from here)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.changes.registry import RESOURCES
from app.exports.registry import EXPORTS, POOL_MEMBERS, VISITS
from app.pools.models import PoolMember
from app.visits.models import Demand, Visit
from tests.factories import make_api_key, make_enterprise
from tests.problems import assert_problem


async def key(session: AsyncSession, *scopes: str) -> dict[str, str]:
    _, secret = await make_api_key(session, scopes=list(scopes))
    return {"Authorization": f"Bearer {secret}"}


# Where a consumer of each feed resource copies it from (a new feed resource needs one).
COPIED_FROM = {
    "enterprise": "enterprises",
    "annual_report": "annual-reports",
    "pool_member": "pool-members",
    "project": "projects",
    "visit": "visits",
    "demand": "demands",
    "achievement": "achievements",
    "ranking": "rankings",
    "plan": "plans",
    "plan_task": "plan-tasks",
    "campaign": "campaigns",
    "application": "applications",
}


class TestEveryFollowedResourceCanBeCopied:
    def test_each_feed_resource_has_an_export_under_the_same_scope(self) -> None:
        assert {r.name.value for r in RESOURCES} == set(COPIED_FROM)
        by_value = {export.resource.value: export for export in EXPORTS.values()}
        for resource in RESOURCES:
            assert by_value[COPIED_FROM[resource.name.value]].scope == resource.scope


class TestPoolMemberExport:
    async def test_memberships_past_ones_included(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        enterprise = await make_enterprise(session)
        active = PoolMember(
            pool="hte",
            enterprise_id=enterprise.id,
            tier="mature",
            status="active",
            entered_on=date(2025, 3, 1),
        )
        left = PoolMember(
            pool="sme",
            enterprise_id=enterprise.id,
            tier="selected",
            status="withdrawn",
            entered_on=date(2024, 3, 1),
            exited_on=date(2024, 12, 1),
        )
        session.add_all([active, left])
        await session.flush()
        response = await client.get(
            "/api/v1/exports/pool-members", headers=await key(session, "read:pools")
        )
        assert response.status_code == 200, response.text
        rows = {r["id"]: r for r in map(json.loads, response.text.splitlines())}
        assert list(rows[str(active.id)]) == [c.name for c in POOL_MEMBERS.columns]
        assert (rows[str(left.id)]["status"], rows[str(left.id)]["exited_on"]) == (
            "withdrawn",
            "2024-12-01",
        )
        assert rows[str(active.id)]["uscc"] == enterprise.uscc
        refused = await client.get(
            "/api/v1/exports/pool-members", headers=await key(session, "read:visits")
        )
        assert_problem(refused, 403, "scope_missing")


class TestVisitAndDemandExports:
    async def test_lists_survive_ndjson_and_csv(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        enterprise = await make_enterprise(session)
        pair = [uuid.uuid4(), uuid.uuid4()]
        visit = Visit(
            enterprise_id=enterprise.id,
            specialist_ids=pair,
            visited_at=datetime(2026, 3, 10, 2, tzinfo=UTC),
            kind="coverage",
            channel="onsite",
            resources_linked=["克拉玛依中试基地"],
        )
        session.add(visit)
        await session.flush()
        raised = datetime(2026, 3, 10, 3, tzinfo=UTC)
        demand = Demand(
            enterprise_id=enterprise.id,
            visit_id=visit.id,
            category="financing",
            title="知识产权质押融资咨询",
            status="open",
            raised_by_role="specialist",
            raised_at=raised,
            response_due_at=raised + timedelta(hours=24),
        )
        session.add(demand)
        await session.flush()
        headers = await key(session, "read:visits")
        response = await client.get("/api/v1/exports/visits", headers=headers)
        [row] = [json.loads(line) for line in response.text.splitlines()]
        assert list(row) == [c.name for c in VISITS.columns]
        assert row["specialist_ids"] == [str(s) for s in pair]
        assert row["resources_linked"] == ["克拉玛依中试基地"]
        response = await client.get(
            "/api/v1/exports/visits", headers=headers, params={"format": "csv"}
        )
        [line] = list(csv.DictReader(io.StringIO(response.text)))
        assert line["specialist_ids"] == f"{pair[0]};{pair[1]}"
        response = await client.get("/api/v1/exports/demands", headers=headers)
        [row] = [json.loads(line) for line in response.text.splitlines()]
        assert (row["id"], row["visit_id"], row["uscc"], row["response_due_at"]) == (
            str(demand.id),
            str(visit.id),
            enterprise.uscc,
            "2026-03-11T03:00:00Z",
        )
