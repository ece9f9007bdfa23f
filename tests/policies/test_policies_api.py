"""The policy catalogue, the policies that apply to an enterprise, and policy awareness."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.auth.roles import Role
from app.enterprises.enums import EnterpriseStatus
from app.enterprises.models import Enterprise, Qualification
from app.policies.models import Policy
from app.pools.models import PoolMember
from app.visits.models import Specialist, Visit
from tests.factories import headers_for, make_enterprise, make_report, make_user
from tests.problems import assert_problem

HTE_300 = {
    "title": "克拉玛依高新区支持高新技术企业发展若干措施",
    "issuer": "克拉玛依高新区科技局",
    "level": "district",
    "valid_from": "2025-01-01",
    "valid_to": "2027-12-31",
    "summary": "对首次认定的高新技术企业给予一次性奖励",
    "interpretation": "首次通过认定奖励30万元。",
    "criteria": {"pools": ["hte"], "max_employees": 300},
}


async def hte_member(session: AsyncSession, employees: int) -> Enterprise:
    enterprise = await make_enterprise(session)
    await make_report(session, enterprise, 2025, employees=employees, st_staff=30)
    session.add(
        PoolMember(
            pool="hte",
            enterprise_id=enterprise.id,
            tier="cultivating",
            status="active",
            entered_on=date(2025, 3, 1),
        )
    )
    await session.flush()
    return enterprise


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    response = await client.post("/api/v1/policies", headers=headers, json={**HTE_300, **overrides})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


class TestCatalogue:
    async def test_create_read_and_update_with_if_match(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        response = await client.post("/api/v1/policies", headers=staff, json=HTE_300)
        assert response.status_code == 201, response.text
        created = response.json()
        assert response.headers["location"] == f"/api/v1/policies/{created['id']}"
        assert created["criteria"] == {
            "pools": ["hte"],
            "tech_fields": [],
            "max_employees": 300,
            "max_revenue": None,
            "qualification_required": None,
        }
        stored = await session.get(Policy, uuid.UUID(created["id"]))
        assert stored is not None and (stored.pools, stored.max_employees) == (["hte"], 300)

        stale = await client.patch(
            f"/api/v1/policies/{created['id']}",
            headers={**staff, "If-Match": '"7"'},
            json={"valid_to": "2028-12-31"},
        )
        assert_problem(stale, 412, "stale_etag")
        changed = await client.patch(
            f"/api/v1/policies/{created['id']}",
            headers={**staff, "If-Match": response.headers["etag"]},
            json={"valid_to": "2028-12-31", "criteria": {"tech_fields": ["new_materials"]}},
        )
        assert changed.status_code == 200, changed.text
        assert changed.headers["etag"] == '"2"'
        assert changed.json()["valid_to"] == "2028-12-31"
        assert changed.json()["criteria"]["pools"] == []  # criteria are replaced as a whole
        assert changed.json()["criteria"]["tech_fields"] == ["new_materials"]
        actions = list(
            await session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.resource_id == created["id"])
                .order_by(AuditEvent.occurred_at)
            )
        )
        assert actions == ["policy.create", "policy.update"]
        backwards = await client.patch(
            f"/api/v1/policies/{created['id']}", headers=staff, json={"valid_to": "2020-01-01"}
        )
        assert_problem(backwards, 422, "invalid_period")
        for name in ("title", "issuer", "level", "valid_from", "criteria"):
            nulled = await client.patch(
                f"/api/v1/policies/{created['id']}", headers=staff, json={name: None}
            )
            assert_problem(nulled, 422, "validation_failed")

    async def test_bad_policies_are_422_and_only_staff_write(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        backwards = await client.post(
            "/api/v1/policies", headers=staff, json={**HTE_300, "valid_to": "2024-01-01"}
        )
        assert_problem(backwards, 422, "inconsistent_fields")
        bads: list[dict[str, Any]] = [
            {"criteria": {"max_employees": False}},
            {"criteria": {"max_employees": "300"}},
            {"criteria": {"max_employees": 300.5}},
            {"criteria": {"pools": ["nowhere"]}},
            {"criteria": {"max_employees": -1}},
            {"level": "galactic"},
            {"criteria": {"unknown": 1}},
        ]
        for bad in bads:
            response = await client.post("/api/v1/policies", headers=staff, json={**HTE_300, **bad})
            assert_problem(response, 422, "validation_failed")
        specialist = await headers_for(session, Role.SPECIALIST)
        assert_problem(
            await client.post("/api/v1/policies", headers=specialist, json=HTE_300),
            403,
            "role_not_allowed",
        )
        assert list(await session.scalars(select(Policy))) == []
        assert_problem(
            await client.get(f"/api/v1/policies/{uuid.uuid4()}", headers=staff),
            404,
            "policy_not_found",
        )
        # The document's `integer` includes 300.0: accepted as 300.
        whole = {**HTE_300, "criteria": {"max_employees": 300.0}}
        response = await client.post("/api/v1/policies", headers=staff, json=whole)
        assert response.status_code == 201, response.text
        assert response.json()["criteria"]["max_employees"] == 300

    async def test_the_list_filters_on_validity_and_pool(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        current = await create(client, staff)
        expired = await create(
            client, staff, valid_from="2022-01-01", valid_to="2024-12-31", criteria={}
        )
        reader = await headers_for(session, Role.INTEGRATION)
        everything = (await client.get("/api/v1/policies", headers=reader)).json()
        assert [p["id"] for p in everything["items"]] == [current["id"], expired["id"]]
        valid = await client.get(
            "/api/v1/policies", headers=reader, params={"valid_on": "2026-01-01"}
        )
        assert [p["id"] for p in valid.json()["items"]] == [current["id"]]
        sme = await client.get("/api/v1/policies", headers=reader, params={"pool": "sme"})
        assert sme.json()["items"] == []


class TestPolicyMatches:
    async def test_the_hte_pool_and_300_employees(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """A policy for the hte pool and at most 300 employees applies to an hte member with
        250 employees, not to one with 350, and says why."""
        staff = await headers_for(session, Role.MANAGER)
        policy = await create(client, staff)
        small, large = await hte_member(session, 250), await hte_member(session, 350)

        matched = await client.get(
            f"/api/v1/enterprises/{small.id}/policy-matches",
            headers=staff,
            params={"as_of": "2026-06-01"},
        )
        assert matched.status_code == 200, matched.text
        (match,) = matched.json()["items"]
        assert match["policy"]["id"] == policy["id"]
        assert match["reasons"] == [
            {
                "criterion": "pool",
                "met": True,
                "actual": "hte",
                "required": "hte",
                "message": "active member of the hte pool",
            },
            {
                "criterion": "max_employees",
                "met": True,
                "actual": "250",
                "required": "300",
                "message": "250 employees in the 2025 report, within the limit 300",
            },
        ]
        unmatched = await client.get(
            f"/api/v1/enterprises/{large.id}/policy-matches",
            headers=staff,
            params={"as_of": "2026-06-01"},
        )
        assert unmatched.json() == {
            "items": [],
            "next_cursor": None,
            "has_more": False,
            "total": None,
            "total_is_estimate": False,
        }

    async def test_validity_qualifications_and_the_enterprises_own_view(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        await create(client, staff)  # valid 2025-2027
        for_holders = await create(
            client,
            staff,
            valid_from="2020-01-01",
            valid_to=None,
            criteria={"qualification_required": "hte"},
        )
        enterprise = await hte_member(session, 100)
        session.add(
            Qualification(
                enterprise_id=enterprise.id,
                kind="hte",
                reference="GR2024",
                issued_on=date(2024, 1, 1),
                valid_until=date(2026, 12, 31),
                source="pool_exit",
            )
        )
        await session.flush()
        own = await headers_for(session, Role.ENTERPRISE, enterprise_id=enterprise.id)
        path = f"/api/v1/enterprises/{enterprise.id}/policy-matches"
        in_2024 = (await client.get(path, headers=own, params={"as_of": "2024-06-01"})).json()
        assert [m["policy"]["id"] for m in in_2024["items"]] == [for_holders["id"]]
        assert in_2024["items"][0]["reasons"][0]["message"] == "holds a valid hte qualification"
        in_2026 = (
            await client.get(path, headers=own, params={"as_of": "2026-06-01", "limit": 1})
        ).json()
        assert len(in_2026["items"]) == 1 and in_2026["next_cursor"] is not None
        rest = (
            await client.get(
                path,
                headers=own,
                params={"as_of": "2026-06-01", "limit": 1, "cursor": in_2026["next_cursor"]},
            )
        ).json()
        assert [m["policy"]["id"] for m in rest["items"]] == [for_holders["id"]]
        assert rest["next_cursor"] is None
        in_2027 = (await client.get(path, headers=own, params={"as_of": "2027-06-01"})).json()
        assert len(in_2027["items"]) == 1  # the qualification lapsed at the end of 2026
        other = await make_enterprise(session)
        assert_problem(
            await client.get(f"/api/v1/enterprises/{other.id}/policy-matches", headers=own),
            404,
            "enterprise_not_found",
        )


class TestReach:
    async def test_awareness_counts_eligible_enterprises_told_in_visits(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        """Three eligible hte members (one told twice), one too large (told, not counted),
        one archived: 1 of 3 told → 33.33 %."""
        staff = await headers_for(session, Role.MANAGER)
        policy = await create(client, staff)
        told, untold, also_untold = [await hte_member(session, n) for n in (120, 200, 280)]
        too_large = await hte_member(session, 900)
        archived = await hte_member(session, 50)
        archived.status = EnterpriseStatus.ARCHIVED
        user = await make_user(session, Role.SPECIALIST)
        who = Specialist(user_id=user.id, name="李专员")
        session.add(who)
        await session.flush()
        for enterprise in (told, told, too_large):
            session.add(
                Visit(
                    enterprise_id=enterprise.id,
                    specialist_ids=[who.id],
                    visited_at=datetime(2026, 3, 1, 10, tzinfo=UTC),
                    kind="coverage",
                    channel="onsite",
                    policies_presented=[uuid.UUID(policy["id"])],
                    resources_linked=[],
                )
            )
        await session.flush()
        response = await client.get(
            f"/api/v1/policies/{policy['id']}/reach",
            headers=staff,
            params={"as_of": "2026-06-01"},
        )
        assert response.status_code == 200, response.text
        assert response.json() == {
            "policy_id": policy["id"],
            "as_of": "2026-06-01",
            "eligible": 3,
            "told": 1,
            "awareness_percent": "33.33",
        }
        assert {untold.id, also_untold.id}.isdisjoint({told.id})
        nobody = await create(client, staff, criteria={"max_employees": 0})
        empty = await client.get(f"/api/v1/policies/{nobody['id']}/reach", headers=staff)
        assert (empty.json()["eligible"], empty.json()["awareness_percent"]) == (0, None)
        own = await headers_for(session, Role.ENTERPRISE, enterprise_id=told.id)
        assert_problem(
            await client.get(f"/api/v1/policies/{policy['id']}/reach", headers=own),
            403,
            "role_not_allowed",
        )
