"""Satisfaction ratings: by the enterprise's own user, once per visit or demand."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.roles import Role
from app.visits.models import Specialist
from tests.factories import bearer, headers_for, make_enterprise, make_user
from tests.problems import assert_problem


class TestRatings:
    async def test_ratings_count_once_and_feed_the_rate(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        staff = await headers_for(session, Role.MANAGER)
        own = await make_enterprise(session)
        other = await make_enterprise(session)
        user = await make_user(session, Role.SPECIALIST)
        who = Specialist(user_id=user.id, name="丁")
        session.add(who)
        await session.flush()
        visits = []
        for enterprise in (own, own, own, other):
            created = await client.post(
                "/api/v1/visits",
                headers=staff,
                json={
                    "enterprise_id": str(enterprise.id),
                    "specialist_ids": [str(who.id)],
                    "visited_at": clock.now().isoformat(),
                    "kind": "coverage",
                    "channel": "onsite",
                },
            )
            assert created.status_code == 201, created.text
            visits.append(created.json())
        headers = bearer(await make_user(session, Role.ENTERPRISE, enterprise_id=own.id))
        for visit, score in zip(visits[:3], (5, 4, 3), strict=True):
            rated = await client.post(
                "/api/v1/satisfaction-ratings",
                headers=headers,
                json={"visit_id": visit["id"], "score": score},
            )
            assert rated.status_code == 201, rated.text
        twice = await client.post(
            "/api/v1/satisfaction-ratings",
            headers=headers,
            json={"visit_id": visits[0]["id"], "score": 1},
        )
        assert_problem(twice, 409, "already_rated")
        foreign = await client.post(
            "/api/v1/satisfaction-ratings",
            headers=headers,
            json={"visit_id": visits[3]["id"], "score": 5},
        )
        assert_problem(foreign, 404, "visit_not_found")
        out_of_range = await client.post(
            "/api/v1/satisfaction-ratings",
            headers=headers,
            json={"visit_id": visits[1]["id"], "score": 6},
        )
        assert_problem(out_of_range, 422, "validation_failed")
        staff_rating = await client.post(
            "/api/v1/satisfaction-ratings",
            headers=staff,
            json={"visit_id": visits[1]["id"], "score": 5},
        )
        assert_problem(staff_rating, 403, "role_not_allowed")

        figures = (await client.get("/api/v1/statistics/satisfaction", headers=staff)).json()
        # 5 and 4 are satisfied, 3 is not: 2 of 3.
        assert (figures["ratings"], figures["satisfied"], figures["rate_percent"]) == (
            3,
            2,
            "66.67",
        )
        assert figures["specialists"] == [
            {"specialist_id": str(who.id), "ratings": 3, "satisfied": 2, "rate_percent": "66.67"}
        ]

    async def test_a_demand_is_rated_by_its_enterprise(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        own = await make_enterprise(session)
        headers = bearer(await make_user(session, Role.ENTERPRISE, enterprise_id=own.id))
        demand = (
            await client.post(
                "/api/v1/demands",
                headers=headers,
                json={"enterprise_id": str(own.id), "category": "talent", "title": "人才引进补贴"},
            )
        ).json()
        rated = await client.post(
            "/api/v1/satisfaction-ratings",
            headers=headers,
            json={"demand_id": demand["id"], "score": 4, "comment": "回复及时"},
        )
        assert rated.status_code == 201, rated.text
        assert rated.json()["demand_id"] == demand["id"]
        both = await client.post(
            "/api/v1/satisfaction-ratings",
            headers=headers,
            json={"demand_id": demand["id"], "visit_id": demand["id"], "score": 4},
        )
        assert_problem(both, 422, "inconsistent_fields")
        neither = await client.post(
            "/api/v1/satisfaction-ratings", headers=headers, json={"score": 4}
        )
        assert_problem(neither, 422, "inconsistent_fields")
        for score in (True, "4", 4.5):
            loose = await client.post(
                "/api/v1/satisfaction-ratings",
                headers=headers,
                json={"demand_id": demand["id"], "score": score},
            )
            assert_problem(loose, 422, "validation_failed")
