"""The demo zone's plans (一企一策) for this year: for members of the high-tech and SME pools,
proposed from their assessments' gaps and their short boards in the latest published ranking,
the tasks part worked: some done, some under way, some overdue."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.roles import Principal
from app.config import Settings
from app.errors import AppError
from app.plans import service
from app.plans.enums import GoalKind, TaskStatus
from app.plans.models import Plan
from app.plans.schemas import PlanCreate, TaskUpdate
from app.pools import service as pool_service

OWNERS = ["企业财务部", "企业研发部", "科技专员", "企业综合办"]


async def seed(session: AsyncSession, settings: Settings, actor: Principal) -> None:
    if (await session.scalars(select(Plan.id).limit(1))).first():
        return
    rng = random.Random(2026)
    today = clock.today(settings.zone)
    members = await pool_service.active_pools(session)
    chosen: list[tuple[uuid.UUID, GoalKind]] = []
    for pool, goal, count in (("hte", GoalKind.HTE, 12), ("sme", GoalKind.SME, 8)):
        candidates = sorted((e for e, pools in members.items() if pool in pools), key=str)
        chosen += [(e, goal) for e in rng.sample(candidates, min(count, len(candidates)))]
    for enterprise_id, goal in chosen:
        try:
            plan, _ = await service.create_plan(
                session,
                actor,
                settings,
                enterprise_id,
                PlanCreate(
                    goal_kind=goal, target_year=today.year + 1, assessed_year=today.year - 1
                ),
            )
        except AppError:
            continue  # nothing the rules can assess: no plan of gaps to make
        for task in plan.tasks:
            due = today + timedelta(days=rng.randint(-30, 150))
            fate = rng.random()
            moves = (
                [TaskStatus.IN_PROGRESS, TaskStatus.DONE]
                if fate < 0.3
                else [TaskStatus.IN_PROGRESS]
                if fate < 0.7
                else []
            )
            await service.update_task(
                session,
                actor,
                settings,
                plan.id,
                task.id,
                TaskUpdate(due_on=due, owner=rng.choice(OWNERS)),
                None,
            )
            for status in moves:
                await service.update_task(
                    session, actor, settings, plan.id, task.id, TaskUpdate(status=status), None
                )
