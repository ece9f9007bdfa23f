"""Demands and the 24-hour one-to-one rule over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.roles import Role
from app.enterprises.models import Enterprise
from app.visits.models import Demand
from tests.factories import bearer, headers_for, make_enterprise, make_user
from tests.problems import assert_problem


def body(enterprise: Enterprise, **extra: Any) -> dict[str, Any]:
    return {
        "enterprise_id": str(enterprise.id),
        "category": "qualification_recognition",
        "title": "咨询研发费用归集口径",
        **extra,
    }


async def raised_ago(session: AsyncSession, demand_id: str, age: timedelta) -> None:
    """Move a demand's raising into the past, as if it had waited `age`."""
    demand = await session.get(Demand, demand_id)
    assert demand is not None
    demand.raised_at = clock.now() - age
    demand.response_due_at = demand.raised_at + timedelta(hours=24)
    await session.flush()


async def move(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    demand: dict[str, Any],
    to: str,
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/demands/{demand['id']}/transitions",
        headers=headers,
        json={"to_status": to, **extra},
    )


class TestRaising:
    async def test_an_enterprise_raises_its_own_due_in_24_hours(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        own = await make_enterprise(session)
        other = await make_enterprise(session)
        headers = bearer(await make_user(session, Role.ENTERPRISE, enterprise_id=own.id))
        response = await client.post("/api/v1/demands", headers=headers, json=body(own))
        assert response.status_code == 201, response.text
        demand = response.json()
        assert demand["status"] == "open"
        assert demand["raised_by_role"] == "enterprise"
        assert demand["sla"]["breached"] is False
        assert demand["sla"]["responded_at"] is None
        assert 86_390 <= demand["sla"]["remaining_seconds"] <= 86_400
        foreign = await client.post("/api/v1/demands", headers=headers, json=body(other))
        assert_problem(foreign, 404, "enterprise_not_found")

    async def test_only_the_responsible_specialist_raises_for_an_enterprise(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        responsible = await make_user(session, Role.SPECIALIST)
        profile = (
            await client.post(
                "/api/v1/specialists",
                headers=staff,
                json={"user_id": str(responsible.id), "name": "李专员"},
            )
        ).json()
        enterprise = await make_enterprise(session)
        await client.put(
            f"/api/v1/enterprises/{enterprise.id}/specialist",
            headers=staff,
            json={"specialist_id": profile["id"]},
        )
        ok = await client.post(
            "/api/v1/demands", headers=bearer(responsible), json=body(enterprise)
        )
        assert ok.status_code == 201
        assert ok.json()["specialist_id"] == profile["id"]
        stranger = bearer(await make_user(session, Role.SPECIALIST))
        refused = await client.post("/api/v1/demands", headers=stranger, json=body(enterprise))
        assert_problem(refused, 403, "not_responsible")


class TestTwentyFourHours:
    async def test_answered_just_inside_24_hours_is_on_time(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        demand = (await client.post("/api/v1/demands", headers=staff, json=body(enterprise))).json()
        await raised_ago(session, demand["id"], timedelta(hours=23, minutes=59))
        answered = await move(client, staff, demand, "responded", note="已电话答复")
        assert answered.status_code == 200, answered.text
        assert answered.json()["sla"]["breached"] is False
        assert answered.json()["sla"]["remaining_seconds"] is None

    async def test_unanswered_past_24_hours_is_overdue_then_breached(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        late = (await client.post("/api/v1/demands", headers=staff, json=body(enterprise))).json()
        fresh = (await client.post("/api/v1/demands", headers=staff, json=body(enterprise))).json()
        await raised_ago(session, late["id"], timedelta(hours=24, seconds=1))
        overdue = await client.get(
            "/api/v1/demands",
            headers=staff,
            params={"overdue": "true", "enterprise_id": str(enterprise.id)},
        )
        assert [d["id"] for d in overdue.json()["items"]] == [late["id"]]
        assert overdue.json()["items"][0]["sla"]["remaining_seconds"] < 0
        answered = await move(client, staff, late, "responded")
        assert answered.json()["sla"]["breached"] is True
        still_overdue = await client.get(
            "/api/v1/demands",
            headers=staff,
            params={"overdue": "true", "enterprise_id": str(enterprise.id)},
        )
        assert still_overdue.json()["items"] == []
        breached = await client.get(
            "/api/v1/demands",
            headers=staff,
            params={"breached": "true", "enterprise_id": str(enterprise.id)},
        )
        assert [d["id"] for d in breached.json()["items"]] == [late["id"]]
        on_time = await client.get(
            "/api/v1/demands",
            headers=staff,
            params={"breached": "false", "enterprise_id": str(enterprise.id)},
        )
        assert [d["id"] for d in on_time.json()["items"]] == [fresh["id"]]


class TestLifecycle:
    async def test_moves_along_and_records_every_step(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        manager = await make_user(session, Role.MANAGER)
        staff = bearer(manager)
        own = await make_enterprise(session)
        enterprise_user = bearer(await make_user(session, Role.ENTERPRISE, enterprise_id=own.id))
        demand = (
            await client.post("/api/v1/demands", headers=enterprise_user, json=body(own))
        ).json()
        assert_problem(
            await move(client, staff, demand, "closed"), 409, "invalid_status_transition"
        )
        assert_problem(
            await move(client, enterprise_user, demand, "responded"), 403, "role_not_allowed"
        )
        for step in ("responded", "in_progress", "resolved"):
            assert (await move(client, staff, demand, step)).status_code == 200
        closed = await move(client, enterprise_user, demand, "closed", note="问题已解决，感谢")
        assert closed.status_code == 200, closed.text
        history = (
            await client.get(f"/api/v1/demands/{demand['id']}/history", headers=staff)
        ).json()["items"]
        assert [(h["from_status"], h["to_status"]) for h in history] == [
            (None, "open"),
            ("open", "responded"),
            ("responded", "in_progress"),
            ("in_progress", "resolved"),
            ("resolved", "closed"),
        ]

    async def test_rejection_needs_a_reason(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        demand = (await client.post("/api/v1/demands", headers=staff, json=body(enterprise))).json()
        assert_problem(await move(client, staff, demand, "rejected"), 422, "inconsistent_fields")
        stored = await session.scalar(select(Demand).where(Demand.id == demand["id"]))
        assert stored is not None and stored.status == "open"
        rejected = await move(client, staff, demand, "rejected", note="不属于科技部门职责，已转交")
        assert rejected.json()["status"] == "rejected"
        assert rejected.json()["rejection_reason"] == "不属于科技部门职责，已转交"
        assert rejected.json()["first_response_at"] is not None

    async def test_a_note_within_the_documented_length_is_kept(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """The reason is stored in 500 characters: the document says so, and a longer note is
        refused as a schema violation (it was a 422 `invalid_data` from the database)."""
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        demand = (await client.post("/api/v1/demands", headers=staff, json=body(enterprise))).json()
        long = await move(client, staff, demand, "rejected", note="0" * 501)
        assert_problem(long, 422, "validation_failed")
        stored = await session.scalar(select(Demand).where(Demand.id == demand["id"]))
        assert stored is not None and stored.status == "open"
        rejected = await move(client, staff, demand, "rejected", note="0" * 500)
        assert rejected.status_code == 200, rejected.text
        assert rejected.json()["rejection_reason"] == "0" * 500

    async def test_enterprise_users_see_only_their_own(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        own = await make_enterprise(session)
        other = await make_enterprise(session)
        mine = (await client.post("/api/v1/demands", headers=staff, json=body(own))).json()
        theirs = (await client.post("/api/v1/demands", headers=staff, json=body(other))).json()
        headers = bearer(await make_user(session, Role.ENTERPRISE, enterprise_id=own.id))
        listed = (await client.get("/api/v1/demands", headers=headers)).json()["items"]
        assert [d["id"] for d in listed] == [mine["id"]]
        assert_problem(
            await client.get(f"/api/v1/demands/{theirs['id']}", headers=headers),
            404,
            "demand_not_found",
        )
