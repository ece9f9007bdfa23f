"""The demo zone's cultivation activities: a few a year since 2024, each with its invitations
and its attendance sheet, so that the rankings' participation has something to read."""

from __future__ import annotations

import random
import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.activities import repository
from app.activities.enums import ActivityKind
from app.activities.models import Activity
from app.activities.schemas import ActivityFilter
from app.auth.roles import Principal
from app.config import Settings

CALENDAR = [
    (ActivityKind.POLICY_BRIEFING, "高新技术企业认定政策宣讲会", 3, "克拉玛依高新区科技局"),
    (ActivityKind.TRAINING, "研发费用加计扣除专题培训", 5, "克拉玛依高新区科技局"),
    (ActivityKind.MATCHMAKING, "科技金融银企对接会", 6, "高新区科技局、中国银行克拉玛依分行"),
    (ActivityKind.LITTLE_GIANT_CONSULTING, "科技小巨人企业申报辅导", 8, "克拉玛依市科技局"),
    (ActivityKind.PILOT_BASE_PLACEMENT, "中试基地入驻说明会", 9, "克拉玛依中试基地"),
    (ActivityKind.PUBLICITY, "创新创业大赛企业宣传推介", 11, "高新区管委会"),
]


async def seed(
    session: AsyncSession, settings: Settings, actor: Principal, guests: list[uuid.UUID]
) -> None:
    if (await session.scalars(repository.activities(ActivityFilter()).limit(1))).first():
        return
    if not guests:
        return
    rng = random.Random(2024)
    today = clock.today(settings.zone)
    for year in range(2024, today.year + 1):
        for kind, title, month, organiser in CALENDAR:
            held_on = date(year, month, rng.randint(5, 25))
            activity = await repository.add(
                session,
                Activity(
                    kind=kind.value,
                    title=f"{year}年{title}",
                    held_on=held_on,
                    organiser=organiser,
                    location="克拉玛依高新区创新创业服务中心",
                    created_by=actor.id,
                ),
            )
            invited = rng.sample(guests, k=min(len(guests), rng.randint(12, 40)))
            now = clock.now()
            await repository.invite(session, activity.id, invited, actor.id, now)
            if held_on <= today:
                # Most invited enterprises come; some are busy.
                came = [e for e in invited if rng.random() < 0.75]
                await repository.set_attendance(session, activity.id, came, now)
    await repository.flush(session)
