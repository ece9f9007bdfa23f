"""The demo zone's year of accompaniment: a service team, coverage visits in every round so
far, demands answered (mostly) within 24 hours, and ratings near the report's 97 %."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.roles import Principal
from app.config import Settings
from app.visits import repository, rules
from app.visits.models import Demand, SatisfactionRating, Specialist, SpecialistAssignment, Visit

TEAM = ["李专员", "王专员", "赵专员"]
RESOURCES = ["克拉玛依中试基地", "高新区众创空间", "中国银行知贷通"]


async def seed(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    specialist_user_ids: list[uuid.UUID],
    population: list[uuid.UUID],
    policy_ids: list[uuid.UUID],
) -> None:
    if await repository.all_specialists(session) or not specialist_user_ids:
        return
    rng = random.Random(2020)
    team = []
    for user_id, name in zip(specialist_user_ids, TEAM, strict=False):
        team.append(
            Specialist(
                user_id=user_id,
                name=name,
                phone=f"1389990{rng.randint(1000, 9999)}",
                team="科技专员服务队",
            )
        )
    session.add_all(team)
    await session.flush()
    for index, enterprise_id in enumerate(population):
        await repository.add_assignment(
            session,
            SpecialistAssignment(
                enterprise_id=enterprise_id,
                specialist_id=team[index % len(team)].id,
                assigned_on=date(2025, 12, 1),
                actor_id=actor.id,
                created_at=clock.now(),
            ),
        )
    now = clock.now()
    zone = settings.zone
    visits: list[Visit] = []
    for round_ in rules.rounds_of(now.astimezone(zone).year, settings.round_windows):
        if round_.starts_on > now.astimezone(zone).date():
            break
        last = min(round_.ends_on, now.astimezone(zone).date() - timedelta(days=1))
        span = max(0, (last - round_.starts_on).days)
        for index, enterprise_id in enumerate(population):
            if rng.random() > 0.93:
                continue  # not yet reached this round
            day = round_.starts_on + timedelta(days=rng.randint(0, span))
            visits.append(
                Visit(
                    enterprise_id=enterprise_id,
                    specialist_ids=[team[index % len(team)].id],
                    visited_at=datetime.combine(day, time(rng.randint(9, 17)), zone),
                    kind="coverage",
                    channel=rng.choice(["onsite", "onsite", "phone", "online"]),
                    policies_presented=rng.sample(policy_ids, min(2, len(policy_ids))),
                    resources_linked=rng.sample(RESOURCES, 1),
                    notes="了解企业科技活动情况，宣讲政策",
                    recorded_by=actor.id,
                )
            )
    session.add_all(visits)
    await session.flush()
    for visit in visits:
        if rng.random() < 0.15:
            raised = visit.visited_at
            answered = raised + timedelta(
                hours=rng.choice([2, 5, 20, 23, 30]) if rng.random() < 0.97 else 2
            )
            answered_yet = answered <= now
            resolved = answered_yet and rng.random() < 0.8
            status = "resolved" if resolved else "responded" if answered_yet else "open"
            session.add(
                Demand(
                    enterprise_id=visit.enterprise_id,
                    specialist_id=visit.specialist_ids[0],
                    visit_id=visit.id,
                    category=rng.choice(list(rules.DemandCategory)).value,
                    title="走访中提出的诉求",
                    status=status,
                    raised_by=actor.id,
                    raised_by_role="specialist",
                    raised_at=raised,
                    response_due_at=raised + rules.RESPONSE_WINDOW,
                    first_response_at=answered if answered_yet else None,
                    resolved_at=answered + timedelta(days=3) if resolved else None,
                )
            )
        if rng.random() < 0.7:
            session.add(
                SatisfactionRating(
                    visit_id=visit.id,
                    enterprise_id=visit.enterprise_id,
                    specialist_ids=list(visit.specialist_ids),
                    score=rng.choice([5, 5, 5, 4, 4]) if rng.random() < 0.97 else 3,
                    rated_at=min(now, visit.visited_at + timedelta(days=1)),
                )
            )
    await session.flush()
