"""The demo zone's projects: every level, a realistic mix of colours, some recoveries."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.roles import Principal
from app.config import Settings
from app.projects import repository, service
from app.projects.enums import ProjectLevel, ProjectStatus
from app.projects.schemas import (
    MilestoneCreate,
    MilestoneRead,
    MilestoneUpdate,
    ProgressReportCreate,
    ProjectCreate,
)

PROGRAMMES = {
    ProjectLevel.NATIONAL: "科技助力经济2020重点专项",
    ProjectLevel.REGIONAL: "自治区重点研发计划",
    ProjectLevel.CITY: "克拉玛依市重大科技专项",
    ProjectLevel.DISTRICT: "高新区科技计划项目",
}
TOPICS = [
    "油田采出水处理",
    "稠油开采降粘",
    "管道智能防腐",
    "光伏组件回收",
    "油气数据平台",
    "工业互联网网关",
]


# The approvals (立项) the article counts, at city level or above: 20 in 2023-2025, one of
# them national, against 2 in 2020-2022 (the outcomes ledger records each approval).
APPROVALS = {(2020, 2022): 2, (2023, 2025): 20}
CITY_OR_ABOVE = frozenset({ProjectLevel.NATIONAL, ProjectLevel.REGIONAL, ProjectLevel.CITY})


async def seed(
    session: AsyncSession, settings: Settings, actor: Principal, enterprise_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    """The projects; answers those still applying, which the pools' demo cultivates."""
    if await repository.any_project(session):
        return []
    applying: list[uuid.UUID] = []
    approved: list[tuple[date, ProjectLevel]] = []
    rng = random.Random(2020)
    today = clock.today(settings.zone)
    levels = list(ProjectLevel)
    for index, enterprise_id in enumerate(enterprise_ids[:40]):
        level = levels[index % len(levels)]
        start = today - timedelta(days=rng.randint(60, 400))
        end = start + timedelta(days=rng.randint(450, 900))
        funding = Decimal(rng.choice([50, 100, 300, 500, 1200])) * 10_000
        status = ProjectStatus.APPLYING if index % 8 == 7 else ProjectStatus.IN_PROGRESS
        project, _ = await service.create_project(
            session,
            settings,
            actor,
            ProjectCreate(
                enterprise_id=enterprise_id,
                title=f"{rng.choice(TOPICS)}关键技术研究与示范",
                level=level,
                programme=PROGRAMMES[level],
                status=status,
                approved_on=None
                if status is ProjectStatus.APPLYING
                else min(start - timedelta(days=30), today),
                approved_funding=funding,
                disbursed_funding=funding / 2,
                start_on=start,
                end_on=end,
            ),
        )
        if status is ProjectStatus.APPLYING:
            applying.append(project.id)
            continue
        assert project.approved_on is not None
        approved.append((project.approved_on, level))
        span = (end - start).days
        milestones = []
        for step in range(1, 5):
            due = start + timedelta(days=span * step // 5)
            milestones.append(
                await service.add_milestone(
                    session,
                    settings,
                    actor,
                    project.id,
                    MilestoneCreate(title=f"第{step}阶段", due_on=due, weight=Decimal(step)),
                )
            )
        # Half keep pace (green); some stop reporting (yellow); some fall behind (red); and
        # some fall behind and are then brought back to green (the recoveries).
        due_weight = sum((m.weight for m in milestones if m.due_on <= today), Decimal(0))
        total_weight = sum((m.weight for m in milestones), Decimal(0))
        expected = (due_weight * 100 / total_weight).quantize(Decimal(1))
        fate = rng.random()
        stale = fate < 0.65 and fate >= 0.5 and (today - start).days > 100
        if fate < 0.65:
            await _complete_due(session, settings, actor, project.id, milestones, today)
            reported_on = today - timedelta(days=100 if stale else 20)
            percent = expected if stale else min(Decimal(100), expected + 5)
        else:
            reported_on, percent = today - timedelta(days=20), (expected / 2).quantize(Decimal(1))
        await service.add_report(
            session,
            settings,
            actor,
            project.id,
            ProgressReportCreate(reported_on=reported_on, percent=percent),
        )
        if fate > 0.85:
            await _complete_due(session, settings, actor, project.id, milestones, today)
            await service.add_report(
                session,
                settings,
                actor,
                project.id,
                ProgressReportCreate(reported_on=today, percent=min(Decimal(100), expected + 5)),
            )
    await _earlier_projects(session, settings, actor, enterprise_ids[40:], approved, rng)
    return applying


async def _earlier_projects(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    enterprise_ids: list[uuid.UUID],
    approved: list[tuple[date, ProjectLevel]],
    rng: random.Random,
) -> None:
    """Projects approved in the article's years and before, run and closed, so that the
    approvals at city level or above come to the article's counts."""
    today = clock.today(settings.zone)
    owners = iter(enterprise_ids)
    for (first, last), wanted in APPROVALS.items():
        since, until = date(first, 1, 1), date(last, 12, 31)
        counted = [level for day, level in approved if since <= day <= until]
        counted = [level for level in counted if level in CITY_OR_ABOVE]
        national = ProjectLevel.NATIONAL in counted
        for n in range(wanted - len(counted)):
            level = (
                ProjectLevel.NATIONAL
                if last == 2025 and not national and n == 0
                else (ProjectLevel.REGIONAL, ProjectLevel.CITY)[n % 2]
            )
            approved_on = since + timedelta(days=rng.randint(0, (until - since).days))
            start = approved_on + timedelta(days=30)
            end = start + timedelta(days=rng.randint(240, 300))
            funding = Decimal(rng.choice([50, 100, 300, 500])) * 10_000
            await service.create_project(
                session,
                settings,
                actor,
                ProjectCreate(
                    enterprise_id=next(owners),
                    title=f"{rng.choice(TOPICS)}技术攻关",
                    level=level,
                    programme=PROGRAMMES[level],
                    status=ProjectStatus.ACCEPTED if end < today else ProjectStatus.COMPLETED,
                    approved_on=approved_on,
                    approved_funding=funding,
                    disbursed_funding=funding,
                    start_on=start,
                    end_on=end,
                ),
            )


async def _complete_due(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    project_id: uuid.UUID,
    milestones: list[MilestoneRead],
    today: date,
) -> None:
    for milestone in milestones:
        if milestone.due_on <= today:
            await service.update_milestone(
                session,
                settings,
                actor,
                project_id,
                milestone.id,
                MilestoneUpdate(completed_on=milestone.due_on - timedelta(days=3)),
            )
