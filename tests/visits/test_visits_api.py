"""Visits and the coverage rounds over HTTP, on a hand-built zone."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.roles import Role
from app.enterprises.models import Enterprise, Qualification
from app.policies.models import Policy
from app.pools.models import PoolMember
from app.visits.models import Demand, SatisfactionRating, Specialist, SpecialistAssignment
from tests.factories import headers_for, make_enterprise, make_user
from tests.problems import assert_problem


async def member(session: AsyncSession, enterprise: Enterprise, pool: str, entered: date) -> None:
    session.add(
        PoolMember(
            pool=pool,
            enterprise_id=enterprise.id,
            tier="selected",
            status="active",
            entered_on=entered,
        )
    )
    await session.flush()


async def specialist(session: AsyncSession, name: str) -> Specialist:
    user = await make_user(session, Role.SPECIALIST)
    profile = Specialist(user_id=user.id, name=name)
    session.add(profile)
    await session.flush()
    return profile


async def assign(session: AsyncSession, enterprise: Enterprise, who: Specialist, on: date) -> None:
    session.add(
        SpecialistAssignment(
            enterprise_id=enterprise.id,
            specialist_id=who.id,
            assigned_on=on,
            created_at=clock.now(),
        )
    )
    await session.flush()


async def visit(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    enterprise: Enterprise,
    who: Specialist,
    at: str,
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        "/api/v1/visits",
        headers=headers,
        json={
            "enterprise_id": str(enterprise.id),
            "specialist_ids": [str(who.id)],
            "visited_at": at,
            "kind": "coverage",
            "channel": "onsite",
            **extra,
        },
    )


class TestCoverageRounds:
    async def test_hand_built_zone(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        """At 1 January 2026 the population is E1 (hte), E2 (sme) and E3 (valid HTE
        qualification); E4 enters the hte pool in February; E5 is in no pool.
        Round 1: E1 visited twice, E2 at 23:30 on 30 April Shanghai time (15:30Z), E4 and E5
        visited but outside the population → 2 of 3 = 66.67 %, E3 not visited.
        Round 2 (population now 4): E3 visited at 16:30Z on 30 April, which is 1 May in
        Shanghai → 1 of 4 = 25.00 %."""
        staff = await headers_for(session, Role.MANAGER)
        e1, e2, e3, e4, e5 = [await make_enterprise(session) for _ in range(5)]
        await member(session, e1, "hte", date(2025, 6, 1))
        await member(session, e2, "sme", date(2025, 12, 1))
        session.add(
            Qualification(
                enterprise_id=e3.id,
                kind="hte",
                reference="GR202565000001",
                issued_on=date(2025, 1, 1),
                valid_until=date(2027, 12, 31),
                source="pool_exit",
            )
        )
        await member(session, e4, "hte", date(2026, 2, 1))
        first, second = await specialist(session, "甲"), await specialist(session, "乙")
        await assign(session, e1, first, date(2025, 12, 1))
        await assign(session, e2, first, date(2025, 12, 1))
        await assign(session, e3, second, date(2025, 12, 1))
        for enterprise, at in [
            (e1, "2026-01-15T10:00:00+08:00"),
            (e1, "2026-03-02T10:00:00+08:00"),
            (e2, "2026-04-30T23:30:00+08:00"),
            (e4, "2026-03-10T10:00:00+08:00"),
            (e5, "2026-03-11T10:00:00+08:00"),
            (e3, "2026-04-30T16:30:00Z"),
        ]:
            response = await visit(client, staff, enterprise, first, at)
            assert response.status_code == 201, response.text
        assert response.json()["round"] == 2

        rounds = (
            await client.get("/api/v1/visit-rounds", headers=staff, params={"year": 2026})
        ).json()
        figures = [
            (r["round"], r["population"], r["covered"], r["coverage_percent"])
            for r in rounds["items"]
        ]
        assert figures[:2] == [(1, 3, 2, "66.67"), (2, 4, 1, "25.00")]

        detail = (await client.get("/api/v1/visit-rounds/2026/1/coverage", headers=staff)).json()
        assert detail["not_visited"] == [str(e3.id)]
        per = {s["specialist_id"]: (s["population"], s["covered"]) for s in detail["specialists"]}
        assert per == {str(first.id): (2, 2), str(second.id): (1, 0)}
        mine = (
            await client.get(
                "/api/v1/visit-rounds/2026/1/coverage",
                headers=staff,
                params={"specialist_id": str(second.id)},
            )
        ).json()
        assert mine["not_visited"] == [str(e3.id)]
        assert [s["specialist_id"] for s in mine["specialists"]] == [str(second.id)]
        assert_problem(
            await client.get("/api/v1/visit-rounds/2026/4/coverage", headers=staff),
            404,
            "round_not_found",
        )


class TestVisits:
    async def test_a_visit_raises_and_answers_demands(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        who = await specialist(session, "丙")
        open_demand = (
            await client.post(
                "/api/v1/demands",
                headers=staff,
                json={
                    "enterprise_id": str(enterprise.id),
                    "category": "policy_consultation",
                    "title": "研发费用加计扣除政策",
                },
            )
        ).json()
        at = (clock.now() + timedelta(minutes=1)).isoformat()
        assert_problem(await visit(client, staff, enterprise, who, at), 422, "visit_in_future")
        now = clock.now().isoformat()
        policy = Policy(
            title="高新技术企业认定管理办法",
            issuer="科技部",
            level="national",
            valid_from=date(2016, 1, 1),
            pools=[],
            tech_fields=[],
        )
        session.add(policy)
        await session.flush()
        unknown = await visit(
            client, staff, enterprise, who, now, policies_presented=[str(uuid.uuid4())]
        )
        assert_problem(unknown, 422, "unknown_policy")
        response = await visit(
            client,
            staff,
            enterprise,
            who,
            now,
            demands=[{"category": "financing", "title": "知识产权质押融资对接"}],
            responded_demand_ids=[open_demand["id"]],
            policies_presented=[str(policy.id), str(policy.id)],
        )
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["policies_presented"] == [str(policy.id)]
        (raised_id,) = created["demand_ids"]
        raised = (await client.get(f"/api/v1/demands/{raised_id}", headers=staff)).json()
        # Raised during the visit: its 24 hours run from the visit.
        assert datetime.fromisoformat(raised["raised_at"]) == datetime.fromisoformat(
            created["visited_at"]
        )
        answered = (await client.get(f"/api/v1/demands/{open_demand['id']}", headers=staff)).json()
        assert answered["status"] == "responded"
        assert answered["sla"]["breached"] is False
        again = await visit(
            client, staff, enterprise, who, now, responded_demand_ids=[open_demand["id"]]
        )
        assert_problem(again, 409, "demand_not_open")
        listed = await client.get(
            "/api/v1/visits", headers=staff, params={"specialist_id": str(who.id)}
        )
        assert [v["id"] for v in listed.json()["items"]] == [created["id"]]

    async def test_unknown_specialists_are_422(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        response = await client.post(
            "/api/v1/visits",
            headers=staff,
            json={
                "enterprise_id": str(enterprise.id),
                "specialist_ids": ["00000000-0000-0000-0000-000000000000"],
                "visited_at": "2026-03-01T10:00:00+08:00",
                "kind": "on_demand",
                "channel": "phone",
            },
        )
        assert_problem(response, 422, "unknown_specialist")


class TestSpecialistAssessment:
    async def test_hand_built_year(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        """2026 for 甲, responsible for E1 and E2 (hte members since 2025): round 1 both
        visited (100 %), rounds 2 and 3 none (0 %) → coverage 33.33; two demands, one answered
        in time and resolved, one answered late → on-time 50 %, resolution 50 %; one rating of
        5 → satisfaction 100 %. Composite = 0.3×33.33 + 0.3×50 + 0.2×50 + 0.2×100 = 55.00
        (rounded to 0.01). 乙 has nothing: composite 0, ranked second."""
        staff = await headers_for(session, Role.MANAGER)
        e1, e2 = await make_enterprise(session), await make_enterprise(session)
        await member(session, e1, "hte", date(2025, 6, 1))
        await member(session, e2, "hte", date(2025, 6, 1))
        first, second = await specialist(session, "甲"), await specialist(session, "乙")
        await assign(session, e1, first, date(2025, 12, 1))
        await assign(session, e2, first, date(2025, 12, 1))
        for enterprise in (e1, e2):
            assert (
                await visit(client, staff, enterprise, first, "2026-02-10T10:00:00+08:00")
            ).status_code == 201
        for late, enterprise in ((False, e1), (True, e2)):
            session.add(
                Demand(
                    enterprise_id=enterprise.id,
                    specialist_id=first.id,
                    category="financing",
                    title="融资",
                    status="resolved" if not late else "responded",
                    raised_by_role="enterprise",
                    raised_at=datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
                    response_due_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
                    first_response_at=datetime(2026, 3, 2, 3 if late else 1, 0, tzinfo=UTC),
                )
            )
        visited = (
            await client.get("/api/v1/visits", headers=staff, params={"enterprise_id": str(e1.id)})
        ).json()["items"][0]
        session.add(
            SatisfactionRating(
                visit_id=visited["id"],
                enterprise_id=e1.id,
                specialist_ids=[first.id],
                score=5,
                rated_at=datetime(2026, 2, 11, 2, 0, tzinfo=UTC),
            )
        )
        await session.flush()
        mine = (
            await client.get(
                f"/api/v1/specialists/{first.id}/assessment", headers=staff, params={"year": 2026}
            )
        ).json()
        assert [(r["numerator"], r["denominator"]) for r in mine["rounds"]] == [
            (2, 2),
            (0, 2),
            (0, 2),
        ]
        assert mine["coverage_percent"] == "33.33"
        assert mine["visits"] == 2
        assert mine["on_time"] == {"numerator": 1, "denominator": 2, "percent": "50.00"}
        assert mine["resolution"] == {"numerator": 1, "denominator": 2, "percent": "50.00"}
        assert mine["satisfaction"] == {"numerator": 1, "denominator": 1, "percent": "100.00"}
        assert mine["composite"] == "55.00"
        assert mine["position"] == 1
        team = (
            await client.get(
                "/api/v1/specialists/assessments", headers=staff, params={"year": 2026}
            )
        ).json()["items"]
        assert [(t["specialist_id"], t["position"]) for t in team] == [
            (str(first.id), 1),
            (str(second.id), 2),
        ]
