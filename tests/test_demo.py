"""The demo zone: what `make run` shows on a fresh embedded database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import demo
from app.config import Settings
from app.enterprises.enums import TechField
from app.enterprises.models import AnnualReport, Enterprise
from app.enterprises.uscc import normalize_uscc
from app.pools.models import PoolMember, PoolTransition
from app.projects.models import AlertEvent, Project
from app.visits.models import Demand, SatisfactionRating, Visit


class TestDemoZone:
    async def test_seeds_a_realistic_zone_once(
        self, session_factory: async_sessionmaker[AsyncSession], settings: Settings
    ) -> None:
        await demo.seed(session_factory, settings)
        await demo.seed(session_factory, settings)
        async with session_factory() as session:
            enterprises = list(await session.scalars(select(Enterprise)))
            assert len(enterprises) >= 200
            assert {e.tech_field for e in enterprises} == {field.value for field in TechField}
            assert all(normalize_uscc(e.uscc) == e.uscc for e in enterprises)
            assert any(e.name == "克拉玛依市正诚有限公司" for e in enterprises)
            years = await session.execute(
                select(AnnualReport.year, func.count()).group_by(AnnualReport.year)
            )
            assert dict(years.all()) == {
                2023: len(enterprises),
                2024: len(enterprises),
                2025: len(enterprises),
            }
            reports = list(await session.scalars(select(AnnualReport)))
            assert all(r.st_staff <= r.employees for r in reports)
            assert all(r.high_tech_revenue <= r.revenue for r in reports)
            assert all(r.rd_expense_domestic <= r.rd_expense for r in reports)

            members = list(await session.scalars(select(PoolMember)))
            assert {m.pool for m in members} == {"hte", "sme", "project"}
            assert len({m.tier for m in members if m.status == "active"}) >= 3
            assert {m.status for m in members} >= {"active", "withdrawn"}
            assert all(
                m.suggested_tier is not None
                for m in members
                if m.status == "active" and m.pool != "project"
            )
            kinds = set(await session.scalars(select(PoolTransition.kind)))
            assert kinds == {"entry", "tier_change", "exit"}

            projects = list(await session.scalars(select(Project)))
            assert {p.level for p in projects} == {"national", "regional", "city", "district"}
            assert {p.alert_color for p in projects} >= {"red", "yellow", "green", None}
            recoveries = await session.scalar(
                select(func.count())
                .select_from(AlertEvent)
                .where(AlertEvent.to_color == "green", AlertEvent.from_color.in_(["red", "yellow"]))
            )
            assert recoveries

            assert await session.scalar(select(func.count()).select_from(Visit))
            assert await session.scalar(select(func.count()).select_from(Demand))
            scores = list(await session.scalars(select(SatisfactionRating.score)))
            satisfied = sum(score >= 4 for score in scores) / len(scores)
            assert 0.94 <= satisfied <= 1.0
