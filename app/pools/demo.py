"""The demo zone's pools: members across the tiers, tier changes and a few exits."""

from __future__ import annotations

import random
import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Principal
from app.config import Settings
from app.errors import AppError
from app.pools import repository, service
from app.pools.enums import ExitOutcome, Pool, Tier
from app.pools.schemas import PoolMemberCreate, PoolTransitionCreate

TIERS = list(Tier)


async def seed(
    session: AsyncSession, settings: Settings, actor: Principal, enterprise_ids: list[uuid.UUID]
) -> None:
    if await repository.any_member(session):
        return
    rng = random.Random(2021)
    for index, enterprise_id in enumerate(enterprise_ids):
        pool = Pool.HTE if index % 3 == 0 else Pool.SME if index % 3 == 1 else None
        if pool is None:
            continue
        try:
            member, _ = await service.enter(
                session,
                settings,
                actor,
                pool,
                PoolMemberCreate(
                    enterprise_id=enterprise_id,
                    tier=rng.choice(TIERS[:2]),
                    reason="2024年度第一批入库" if pool is Pool.HTE else "科技型中小企业培育",
                    effective_on=date(2024, rng.randint(1, 6), rng.randint(1, 28)),
                ),
            )
        except AppError:
            continue  # the management standard refused it, as it would a real one
        fate = rng.random()
        if (
            fate < 0.35
            and member.suggested_tier is not None
            and member.suggested_tier != member.tier
        ):
            await service.transition(
                session,
                settings,
                actor,
                pool,
                member.id,
                PoolTransitionCreate(
                    to_tier=member.suggested_tier,
                    reason="年度动态调整",
                    effective_on=date(2025, rng.randint(1, 6), rng.randint(1, 28)),
                ),
                None,
            )
        elif fate > 0.9:
            certified = member.suggested_tier is Tier.APPLYING
            await service.transition(
                session,
                settings,
                actor,
                pool,
                member.id,
                PoolTransitionCreate(
                    exit_outcome=ExitOutcome.CERTIFIED if certified else ExitOutcome.WITHDRAWN,
                    reason="通过认定" if certified else "企业申请退出",
                    effective_on=date(2025, rng.randint(7, 10), rng.randint(1, 28)),
                    certificate_no=f"GR2025650{index:05d}" if certified else None,
                ),
                None,
            )


async def cultivate_applications(
    session: AsyncSession, settings: Settings, actor: Principal, project_ids: list[uuid.UUID]
) -> None:
    """Applications in preparation are cultivated in the project pool."""
    for project_id in project_ids:
        await service.enter(
            session,
            settings,
            actor,
            Pool.PROJECT,
            PoolMemberCreate(project_id=project_id, tier=Tier.APPLYING, reason="项目申报培育"),
        )
