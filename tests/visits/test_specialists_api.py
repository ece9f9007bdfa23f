"""Specialists and their responsibility for enterprises, over HTTP."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from tests.factories import bearer, headers_for, make_enterprise, make_user
from tests.problems import assert_problem


async def profile(
    client: httpx.AsyncClient, headers: dict[str, str], user_id: object, name: str = "李专员"
) -> dict[str, object]:
    response = await client.post(
        "/api/v1/specialists",
        headers=headers,
        json={"user_id": str(user_id), "name": name, "phone": "13899901234", "team": "一组"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestSpecialists:
    async def test_a_specialist_user_gets_a_profile_once(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        user = await make_user(session, Role.SPECIALIST)
        created = await profile(client, staff, user.id)
        assert created["user_id"] == str(user.id)
        again = await client.post(
            "/api/v1/specialists", headers=staff, json={"user_id": str(user.id), "name": "重复"}
        )
        assert_problem(again, 409, "duplicate_specialist")

    async def test_only_specialist_users_and_known_ones(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        manager = await make_user(session, Role.MANAGER)
        not_specialist = await client.post(
            "/api/v1/specialists", headers=staff, json={"user_id": str(manager.id), "name": "王"}
        )
        assert_problem(not_specialist, 422, "not_a_specialist")
        unknown = await client.post(
            "/api/v1/specialists",
            headers=staff,
            json={"user_id": "00000000-0000-0000-0000-000000000000", "name": "王"},
        )
        assert_problem(unknown, 422, "unknown_user")

    async def test_integrations_see_masked_phones(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        created = await profile(client, staff, (await make_user(session, Role.SPECIALIST)).id)
        shown = await client.get(
            f"/api/v1/specialists/{created['id']}",
            headers=await headers_for(session, Role.INTEGRATION),
        )
        assert shown.json()["phone"] == "138****1234"


class TestResponsibility:
    async def test_reassignment_keeps_the_history(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        enterprise = await make_enterprise(session)
        first = await profile(client, staff, (await make_user(session, Role.SPECIALIST)).id, "甲")
        second = await profile(client, staff, (await make_user(session, Role.SPECIALIST)).id, "乙")
        url = f"/api/v1/enterprises/{enterprise.id}/specialist"
        assigned = await client.put(
            url, headers=staff, json={"specialist_id": first["id"], "effective_on": "2026-01-05"}
        )
        assert assigned.status_code == 200, assigned.text
        moved = await client.put(
            url,
            headers=staff,
            json={
                "specialist_id": second["id"],
                "reason": "分片调整",
                "effective_on": "2026-05-01",
            },
        )
        assert moved.status_code == 200, moved.text
        history = (
            await client.get(
                f"/api/v1/enterprises/{enterprise.id}/specialist-history", headers=staff
            )
        ).json()["items"]
        assert [(h["specialist_id"], h["assigned_on"], h["ended_on"]) for h in history] == [
            (second["id"], "2026-05-01", None),
            (first["id"], "2026-01-05", "2026-05-01"),
        ]
        backwards = await client.put(
            url, headers=staff, json={"specialist_id": first["id"], "effective_on": "2026-03-01"}
        )
        assert_problem(backwards, 422, "effective_before_current")

    async def test_the_responsible_specialist_may_change_the_enterprise_and_others_may_not(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        responsible = await make_user(session, Role.SPECIALIST)
        other = await make_user(session, Role.SPECIALIST)
        created = await profile(client, staff, responsible.id)
        enterprise = await make_enterprise(session, district="独山子区")
        await client.put(
            f"/api/v1/enterprises/{enterprise.id}/specialist",
            headers=staff,
            json={"specialist_id": created["id"]},
        )
        ok = await client.patch(
            f"/api/v1/enterprises/{enterprise.id}",
            headers=bearer(responsible),
            json={"district": "克拉玛依区"},
        )
        assert ok.status_code == 200, ok.text
        refused = await client.patch(
            f"/api/v1/enterprises/{enterprise.id}",
            headers=bearer(other),
            json={"district": "乌尔禾区"},
        )
        assert_problem(refused, 403, "not_responsible")
        await session.refresh(enterprise)
        assert enterprise.district == "克拉玛依区"

    async def test_only_staff_assign(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        enterprise = await make_enterprise(session)
        response = await client.put(
            f"/api/v1/enterprises/{enterprise.id}/specialist",
            headers=await headers_for(session, Role.SPECIALIST),
            json={"specialist_id": "00000000-0000-0000-0000-000000000000"},
        )
        assert_problem(response, 403, "role_not_allowed")
