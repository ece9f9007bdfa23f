"""The dashboard overview: every figure as its own domain computes it, in one call."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.roles import Role
from app.config import Settings
from app.outcomes.models import Achievement
from app.pools.models import PoolMember
from app.projects.models import Project
from app.visits import rules
from app.visits.models import Demand, SatisfactionRating, Visit
from tests.factories import headers_for, make_enterprise
from tests.problems import assert_problem


class TestOverview:
    async def test_one_call_for_the_dashboard(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        """Two hte members (selected, mature) and one sme member (selected), all visited
        this round (a coverage visit, then follow-ups rated 5, 4 and 2: 66.67 %); projects
        red, yellow, green and one not monitored; an overdue demand, one answered late and
        one resolved in time; one funding award of 1.5 M yuan this year."""
        staff = await headers_for(session, Role.MANAGER)
        now = clock.now()
        today = clock.today(settings.zone)
        long_ago = date(today.year - 1, 6, 1)
        enterprises = [await make_enterprise(session) for _ in range(3)]
        for enterprise, pool, tier in zip(
            enterprises, ["hte", "hte", "sme"], ["selected", "mature", "selected"], strict=True
        ):
            session.add(
                PoolMember(
                    pool=pool,
                    enterprise_id=enterprise.id,
                    tier=tier,
                    status="active",
                    entered_on=long_ago,
                )
            )
        owner = enterprises[0]
        for color, status in [
            ("red", "in_progress"),
            ("yellow", "approved"),
            ("green", "in_progress"),
            (None, "completed"),
        ]:
            session.add(
                Project(
                    enterprise_id=owner.id,
                    title="项目",
                    level="city",
                    status=status,
                    start_on=long_ago,
                    end_on=long_ago + timedelta(days=900),
                    alert_color=color,
                    alert_reasons=[],
                )
            )
        visit = Visit(
            enterprise_id=owner.id,
            specialist_ids=[owner.id],  # no foreign key: any id credits "a specialist"
            visited_at=now - timedelta(minutes=5),
            kind="coverage",
            channel="onsite",
            policies_presented=[],
            resources_linked=[],
        )
        session.add(visit)
        raised = now - timedelta(hours=30)
        for status, answered in [
            ("open", None),
            ("responded", raised + timedelta(hours=26)),
            ("resolved", raised + timedelta(hours=2)),
        ]:
            session.add(
                Demand(
                    enterprise_id=owner.id,
                    category="financing",
                    title="诉求",
                    status=status,
                    raised_by_role="enterprise",
                    raised_at=raised,
                    response_due_at=raised + rules.RESPONSE_WINDOW,
                    first_response_at=answered,
                )
            )
        await session.flush()
        for score, enterprise in zip((5, 4, 2), enterprises, strict=True):
            subject = Visit(
                enterprise_id=enterprise.id,
                specialist_ids=[enterprise.id],
                visited_at=now - timedelta(minutes=1),
                kind="follow_up",
                channel="phone",
                policies_presented=[],
                resources_linked=[],
            )
            session.add(subject)
            await session.flush()
            session.add(
                SatisfactionRating(
                    visit_id=subject.id,
                    enterprise_id=enterprise.id,
                    specialist_ids=[],
                    score=score,
                    rated_at=now - timedelta(minutes=1),
                )
            )
        session.add(
            Achievement(
                kind="funding_awarded",
                enterprise_id=owner.id,
                achieved_on=today,
                amount=Decimal("1500000.00"),
            )
        )
        await session.flush()

        response = await client.get("/api/v1/statistics/overview", headers=staff)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["as_of"] == today.isoformat()
        pools = {p["pool"]: (p["active"], p["tiers"]) for p in body["pools"]}
        assert pools["hte"] == (
            2,
            {"selected": 1, "cultivating": 0, "mature": 1, "applying": 0},
        )
        assert pools["sme"][0] == 1 and pools["project"][0] == 0
        assert body["alerts"] == {"red": 1, "yellow": 1, "green": 1}
        coverage = body["coverage"]
        assert (coverage["population"], coverage["covered"]) == (3, 3)
        assert body["demands"] == {"open": 2, "overdue": 1, "breached": 2}
        assert body["satisfaction"] == {"ratings": 3, "satisfied": 2, "rate_percent": "66.67"}
        funding = {k["kind"]: k for k in body["outcomes"]["kinds"]}["funding_awarded"]
        assert (funding["count"], funding["amount"]) == (1, "1500000.00")
        assert body["outcomes"]["period_from"] == date(today.year, 1, 1).isoformat()

    async def test_enterprise_users_get_403(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        enterprise = await make_enterprise(session)
        own = await headers_for(session, Role.ENTERPRISE, enterprise_id=enterprise.id)
        assert_problem(
            await client.get("/api/v1/statistics/overview", headers=own), 403, "role_not_allowed"
        )
