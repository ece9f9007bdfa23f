"""The demo zone's campaigns, 2024-2026: their approvals are the zone's recognitions of
those years, recorded through the one path (qualification, ledger entry, pool exit)."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import demo
from app.applications.models import Application, Campaign, CoachingSession
from app.auth.roles import Role
from app.config import Settings
from app.enterprises.models import Qualification
from app.outcomes.models import Achievement
from app.pools.models import PoolMember
from tests.factories import headers_for


class TestDemoCampaigns:
    async def test_the_campaigns_decide_and_their_approvals_stand_in_the_record(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        client: httpx.AsyncClient,
    ) -> None:
        await demo.seed(session_factory, settings)
        async with session_factory() as session:
            campaigns = list(await session.scalars(select(Campaign)))
            assert {(c.kind, c.year) for c in campaigns} >= {
                (kind, year)
                for kind in ("hte_recognition", "sme_evaluation")
                for year in (2024, 2025, 2026)
            } | {("little_giant", 2026), ("srdi_little_giant", 2026)}
            applications = list(await session.scalars(select(Application)))
            statuses = {str(a.status) for a in applications}
            assert {"approved", "rejected", "withdrawn", "preparing"} <= statuses
            assert await session.scalar(select(CoachingSession.id).limit(1)) is not None
            approved = [a for a in applications if a.status == "approved"]
            assert len(approved) >= 10
            entries = {
                e.id: e
                for e in await session.scalars(
                    select(Achievement).where(
                        Achievement.id.in_([a.achievement_id for a in approved])
                    )
                )
            }
            # Every approval has its ledger entry, for its enterprise, dated as decided; a
            # recognition's entry has its qualification, and the certified exits point at it.
            assert len(entries) == len(approved)
            qualified = set(await session.scalars(select(Qualification.id)))
            certified_by = set(
                await session.scalars(
                    select(PoolMember.qualification_id).where(
                        PoolMember.qualification_id.is_not(None)
                    )
                )
            )
            for application in approved:
                entry = entries[application.achievement_id]  # type: ignore[index]
                assert entry.enterprise_id == application.enterprise_id
                assert entry.achieved_on == application.decided_on
                if entry.kind in ("hte_certified", "sme_registered"):
                    assert entry.qualification_id in qualified
            assert certified_by <= qualified
            assert any(a.assessment is not None and a.assessment["passed"] for a in applications)
            staff = await headers_for(session, Role.MANAGER)
            await session.commit()
        overdue = await client.get(
            "/api/v1/applications", headers=staff, params={"overdue": "true"}
        )
        assert overdue.status_code == 200 and overdue.json()["items"]
        for year in (2024, 2025, 2026):
            figures = await client.get(
                "/api/v1/statistics/applications", headers=staff, params={"year": year}
            )
            assert figures.status_code == 200, figures.text
            body = figures.json()
            assert all(c["preparing"] >= c["submitted"] >= c["approved"] for c in body["campaigns"])
            print(json.dumps(body, ensure_ascii=False))  # noqa: T201 - the closing note's table
