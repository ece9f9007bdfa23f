"""The demo zone ranks its pools: published runs for each of the last two years."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clock, demo
from app.activities.models import ActivityInvitation
from app.auth.roles import Role
from app.config import Settings
from tests.factories import headers_for


class TestDemoRankings:
    async def test_published_rankings_for_the_last_two_years(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        client: httpx.AsyncClient,
    ) -> None:
        await demo.seed(session_factory, settings)
        await demo.seed(session_factory, settings)  # idempotent
        async with session_factory() as session:
            attended = await session.scalar(select(func.count()).where(ActivityInvitation.attended))
            invited = await session.scalar(select(func.count()).select_from(ActivityInvitation))
            assert invited is not None and attended is not None
            assert 0 < attended < invited
            staff = await headers_for(session, Role.MANAGER)
            await session.commit()
        year = clock.today(settings.zone).year
        runs = (await client.get("/api/v1/rankings", headers=staff, params={"pool": "hte"})).json()[
            "items"
        ]
        assert [(r["year"], r["status"]) for r in runs] == [
            (year - 1, "published"),
            (year - 2, "published"),
        ]
        latest, earlier = runs
        assert latest["compared_run_id"] == earlier["id"]
        assert latest["incentive_count"] >= 1 and latest["cohort_size"] >= 10
        entries = (
            await client.get(
                f"/api/v1/rankings/{latest['id']}/entries", headers=staff, params={"limit": 200}
            )
        ).json()["items"]
        assert [e["position"] for e in entries] == list(range(1, len(entries) + 1))
        assert any(e["movement"] not in (None, 0) for e in entries)
        # Participation draws on the activities: attendance differs across the cohort.
        assert len({e["indicators"]["attendance"]["percentile"] for e in entries}) > 1
        sme = (await client.get("/api/v1/rankings", headers=staff, params={"pool": "sme"})).json()[
            "items"
        ]
        assert {r["year"] for r in sme} == {year - 1, year - 2}
