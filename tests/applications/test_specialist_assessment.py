"""The specialist assessment shows, beside the visits' composite, the applications the
specialist coached in the year and how those decided ended."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from tests.applications.helpers import (
    bring_to,
    create_campaign,
    move,
    open_application,
    responsible_specialist,
    today,
)
from tests.factories import bearer, headers_for, make_enterprise


async def coach(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    specialist: dict[str, Any],
    application: dict[str, Any],
    minutes: int,
) -> None:
    response = await client.post(
        f"/api/v1/applications/{application['id']}/coaching",
        headers=headers,
        json={
            "specialist_id": specialist["id"],
            "held_at": f"{today().isoformat()}T09:30:00+08:00",
            "channel": "online",
            "minutes": minutes,
            "topics": ["申报材料"],
        },
    )
    assert response.status_code == 201, response.text


class TestSpecialistAssessmentCoaching:
    async def test_the_coached_applications_and_their_outcomes_stand_beside_the_composite(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        first, second = await make_enterprise(session), await make_enterprise(session)
        user, specialist = await responsible_specialist(client, session, staff, first)
        assigned = await client.put(
            f"/api/v1/enterprises/{second.id}/specialist",
            headers=staff,
            json={"specialist_id": specialist["id"]},
        )
        assert assigned.status_code in (200, 201), assigned.text
        campaign = await create_campaign(client, staff, "little_giant", year=today().year)
        approved = await open_application(client, staff, campaign, first)
        rejected = await open_application(client, staff, campaign, second)
        await coach(client, bearer(user), specialist, approved, 120)
        await coach(client, bearer(user), specialist, approved, 60)
        await coach(client, bearer(user), specialist, rejected, 45)
        await bring_to(client, staff, approved, "publicized")
        decided = await move(
            client, staff, approved, "approved", level="city", decided_on=today().isoformat()
        )
        assert decided.status_code == 201, decided.text
        await bring_to(client, staff, rejected, "rejected")

        one = await client.get(
            f"/api/v1/specialists/{specialist['id']}/assessment",
            headers=staff,
            params={"year": today().year},
        )
        assert one.status_code == 200, one.text
        body = one.json()
        assert "composite" in body and body["specialist_id"] == specialist["id"]
        coaching = body["coaching"]
        assert {k: coaching[k] for k in ("applications", "sessions", "minutes")} == {
            "applications": 2,
            "sessions": 3,
            "minutes": 225,
        }
        assert (coaching["approved"], coaching["rejected"], coaching["pass_percent"]) == (
            1,
            1,
            "50.00",
        )
        assert sorted((c["status"], c["sessions"], c["minutes"]) for c in coaching["coached"]) == [
            ("approved", 2, 180),
            ("rejected", 1, 45),
        ]
        team = await client.get(
            "/api/v1/specialists/assessments", headers=staff, params={"year": today().year}
        )
        assert team.status_code == 200, team.text
        mine = [a for a in team.json()["items"] if a["specialist_id"] == specialist["id"]]
        assert [a["coaching"]["applications"] for a in mine] == [2]
        # Another year: no coaching.
        earlier = await client.get(
            f"/api/v1/specialists/{specialist['id']}/assessment",
            headers=staff,
            params={"year": today().year - 1},
        )
        assert earlier.json()["coaching"]["applications"] == 0

    async def test_an_enterprise_user_may_not_read_it(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        enterprise = await make_enterprise(session)
        headers = await headers_for(session, Role.ENTERPRISE, enterprise_id=enterprise.id)
        response = await client.get(
            "/api/v1/specialists/assessments", headers=headers, params={"year": 2026}
        )
        assert response.status_code == 403
