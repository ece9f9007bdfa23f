"""The demo zone's plans: proposed from real gaps and short boards, their tasks part worked."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import demo
from app.auth.roles import Role
from app.config import Settings
from app.plans.models import Plan, PlanTask
from tests.factories import headers_for


class TestDemoPlans:
    async def test_plans_of_gaps_and_short_boards_some_overdue(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        client: httpx.AsyncClient,
    ) -> None:
        await demo.seed(session_factory, settings)
        async with session_factory() as session:
            plans = list(await session.scalars(select(Plan)))
            assert len(plans) >= 10
            assert {str(p.goal_kind) for p in plans} == {"hte", "sme"}
            tasks = list(await session.scalars(select(PlanTask)))
            assert {str(t.source) for t in tasks} >= {"gap", "short_board"}
            assert {str(t.status) for t in tasks} >= {"open", "in_progress", "done"}
            assert all(t.due_on is not None for t in tasks)
            staff = await headers_for(session, Role.MANAGER)
            await session.commit()
        overdue = await client.get("/api/v1/plans", headers=staff, params={"overdue": "true"})
        assert overdue.status_code == 200, overdue.text
        assert overdue.json()["items"]
