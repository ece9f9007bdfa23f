"""The demo zone's application campaigns, 2024-2026: high-tech recognitions and SME
evaluations every year, little giants and SRDI little giants in 2026, and a second high-tech
batch still open today. Each application is coached by the enterprise's specialist, submitted
(its readiness assessment kept), reviewed, publicized and decided; the approvals go through
the one path into the record (qualification, ledger entry, certified pool exit), so the
zone's recognitions of those years come from its campaigns. The history's dates are the
rounds' own, written back after each move (the service stamps moves with the time it makes
them)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.applications import service
from app.applications.enums import ApplicationStatus, CampaignKind, CoachingChannel
from app.applications.models import (
    Application,
    ApplicationChecklistItem,
    ApplicationTransition,
    Campaign,
)
from app.applications.schemas import (
    ApplicationCreate,
    CampaignCreate,
    CoachingCreate,
    TransitionCreate,
)
from app.auth.roles import Principal
from app.config import Settings
from app.enterprises import service as enterprise_service
from app.outcomes.enums import AchievementLevel
from app.pools import service as pool_service
from app.pools.enums import Pool
from app.visits import service as visits_service

S = ApplicationStatus


@dataclass(frozen=True)
class Round:
    kind: CampaignKind
    title: str
    year: int
    batch: str | None
    opens_on: date
    internal_deadline_on: date
    submission_deadline_on: date
    decided_on: date | None  # None: still open
    applicants: int
    from_pool: int  # of the applicants, members of the pool that cultivates the kind


def _rounds(today: date) -> list[Round]:
    rounds = []
    for year in (2024, 2025, 2026):
        rounds.append(
            Round(
                CampaignKind.SME_EVALUATION,
                f"{year}年科技型中小企业评价（第一批）",
                year,
                "第一批",
                date(year, 3, 1),
                date(year, 3, 20),
                date(year, 3, 31),
                date(year, 6, 15),
                10,
                3 if year == 2026 else 0,
            )
        )
        rounds.append(
            Round(
                CampaignKind.HTE_RECOGNITION,
                f"{year}年度第一批高新技术企业认定",
                year,
                "第一批",
                date(year, 4, 1),
                date(year, 5, 20),
                date(year, 5, 31),
                date(year, 11, 20),
                6,
                3 if year == 2026 else 0,
            )
        )
    rounds.append(
        Round(
            CampaignKind.LITTLE_GIANT,
            "2026年克拉玛依市科技小巨人企业申报",
            2026,
            None,
            date(2026, 6, 1),
            date(2026, 6, 25),
            date(2026, 6, 30),
            date(2026, 10, 15),
            4,
            0,
        )
    )
    rounds.append(
        Round(
            CampaignKind.SRDI_LITTLE_GIANT,
            "2026年自治区专精特新中小企业认定",
            2026,
            None,
            date(2026, 5, 10),
            date(2026, 6, 5),
            date(2026, 6, 15),
            date(2026, 9, 30),
            3,
            0,
        )
    )
    # The second batch is open now: its internal deadline within the week, so an application
    # with materials missing shows as overdue.
    rounds.append(
        Round(
            CampaignKind.HTE_RECOGNITION,
            f"{today.year}年度第二批高新技术企业认定",
            today.year,
            "第二批",
            today - timedelta(days=20),
            today + timedelta(days=5),
            today + timedelta(days=12),
            None,
            4,
            2,
        )
    )
    return [r for r in rounds if r.decided_on is None or r.decided_on < today]


def _at(day: date, hour: int, settings: Settings) -> datetime:
    return datetime.combine(day, time(hour), settings.zone)


async def seed(
    session: AsyncSession, settings: Settings, actor: Principal, enterprise_ids: list[uuid.UUID]
) -> None:
    if not enterprise_ids or (await session.scalars(select(Campaign.id).limit(1))).first():
        return
    rng = random.Random(2024)
    today = clock.today(settings.zone)
    members = await pool_service.active_pools(session)
    responsible = {e: await visits_service.responsible_specialist(session, e) for e in members}
    team = sorted({s for s in responsible.values() if s is not None}, key=str)
    if not team:
        return
    # Who holds a recognition already (the pools' certified exits): never recognised twice.
    recognised: set[uuid.UUID] = set(await enterprise_service.qualified_on(session, today))
    registered: dict[int, set[uuid.UUID]] = {}
    serial = 0
    for round_ in _rounds(today):
        pool = {CampaignKind.HTE_RECOGNITION: Pool.HTE, CampaignKind.SME_EVALUATION: Pool.SME}.get(
            round_.kind
        )
        taken = recognised if round_.kind is CampaignKind.HTE_RECOGNITION else set()
        if round_.kind is CampaignKind.SME_EVALUATION:
            taken = registered.setdefault(round_.year, set())
        in_pool = [e for e in enterprise_ids if pool and pool.value in members.get(e, set())]
        outside = [e for e in enterprise_ids if not members.get(e)]
        # Holders of the year's certificates (the pools' certified exits among them) stay out.
        holders = await enterprise_service.qualified_on(session, date(round_.year, 12, 31))
        taken = taken | holders
        candidates = [e for e in in_pool if e not in taken]
        chosen = rng.sample(candidates, min(round_.from_pool, len(candidates)))
        candidates = [e for e in outside if e not in taken and e not in chosen]
        chosen += rng.sample(candidates, min(round_.applicants - len(chosen), len(candidates)))
        campaign, _ = await service.create_campaign(
            session,
            actor,
            CampaignCreate(
                kind=round_.kind,
                title=round_.title,
                year=round_.year,
                batch=round_.batch,
                opens_on=round_.opens_on,
                internal_deadline_on=round_.internal_deadline_on,
                submission_deadline_on=round_.submission_deadline_on,
            ),
        )
        for enterprise_id in chosen:
            serial += 1
            coach = responsible.get(enterprise_id) or rng.choice(team)
            application, _ = await service.create_application(
                session,
                settings,
                actor,
                ApplicationCreate(campaign_id=campaign.id, enterprise_id=enterprise_id),
            )
            window = (round_.submission_deadline_on - round_.opens_on).days
            for _ in range(rng.randint(1, 3)):
                held = round_.opens_on + timedelta(days=rng.randint(0, max(0, window - 1)))
                if held >= today:
                    continue
                await service.record_coaching(
                    session,
                    settings,
                    actor,
                    application.id,
                    CoachingCreate(
                        specialist_id=coach,
                        held_at=_at(held, rng.randint(9, 17), settings),
                        channel=rng.choice(list(CoachingChannel)[:3]),
                        minutes=rng.choice([30, 45, 60, 90, 120]),
                        topics=rng.sample(TOPICS[round_.kind], 2),
                        next_step="补齐申报材料",
                    ),
                )
            if round_.decided_on is None:
                await _materials(session, application.id, rng.random() < 0.4)
                continue
            await _materials(session, application.id, True)
            approved = await _decide(session, settings, actor, rng, round_, application.id, serial)
            if approved and round_.kind is CampaignKind.HTE_RECOGNITION:
                recognised.add(enterprise_id)
            elif approved and round_.kind is CampaignKind.SME_EVALUATION:
                registered[round_.year].add(enterprise_id)


TOPICS = {
    CampaignKind.HTE_RECOGNITION: [
        "研发费用归集口径",
        "高新技术产品收入认定",
        "知识产权与主营产品关联",
        "科技人员认定",
    ],
    CampaignKind.SME_EVALUATION: ["评价指标测算", "研发费用加计扣除", "入库材料填报"],
    CampaignKind.LITTLE_GIANT: ["成长性指标", "创新能力佐证", "申报书撰写"],
    CampaignKind.SRDI_LITTLE_GIANT: ["专业化指标", "细分市场占有率", "申报书撰写"],
    CampaignKind.PROJECT: ["项目申报书", "预算编制"],
}


async def _materials(session: AsyncSession, application_id: uuid.UUID, complete: bool) -> None:
    """The checklist as the round left it: every item checked, or some still missing."""
    if complete:
        await session.execute(
            update(ApplicationChecklistItem)
            .where(ApplicationChecklistItem.application_id == application_id)
            .values(status="checked")
        )
    else:
        await session.execute(
            update(ApplicationChecklistItem)
            .where(
                ApplicationChecklistItem.application_id == application_id,
                ApplicationChecklistItem.position < 3,
            )
            .values(status="provided")
        )
    await session.flush()


async def _decide(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    rng: random.Random,
    round_: Round,
    application_id: uuid.UUID,
    serial: int,
) -> bool:
    """Submitted, reviewed, publicized and decided (or withdrawn on the way); the approvals
    follow the readiness verdict kept at submission more often than not. Answers whether it
    was approved."""
    assert round_.decided_on is not None
    if rng.random() < 0.08:
        await service.move(
            session,
            settings,
            actor,
            application_id,
            TransitionCreate(to=S.WITHDRAWN, reason="企业决定下一批次再申报"),
            None,
        )
        await _dated(session, application_id, round_, settings)
        return False
    read, _ = await service.move(
        session, settings, actor, application_id, TransitionCreate(to=S.SUBMITTED), None
    )
    predicted = None if read.assessment is None else read.assessment.passed
    chance = 0.85 if predicted else 0.35 if predicted is None else 0.25
    approve = rng.random() < chance
    await service.move(
        session, settings, actor, application_id, TransitionCreate(to=S.UNDER_REVIEW), None
    )
    if approve:
        await service.move(
            session, settings, actor, application_id, TransitionCreate(to=S.PUBLICIZED), None
        )
        prefix = {CampaignKind.HTE_RECOGNITION: "GR", CampaignKind.SME_EVALUATION: "KJ"}
        await service.move(
            session,
            settings,
            actor,
            application_id,
            TransitionCreate(
                to=S.APPROVED,
                decided_on=round_.decided_on,
                certificate_no=f"{prefix.get(round_.kind, 'WH')}{round_.year}65{serial:06d}",
                level=LEVELS.get(round_.kind),
            ),
            None,
        )
    else:
        await service.move(
            session,
            settings,
            actor,
            application_id,
            TransitionCreate(to=S.REJECTED, reasons=[rng.choice(REASONS)]),
            None,
        )
    await _dated(session, application_id, round_, settings)
    return approve


LEVELS = {
    CampaignKind.LITTLE_GIANT: AchievementLevel.CITY,
    CampaignKind.SRDI_LITTLE_GIANT: AchievementLevel.REGIONAL,
}
REASONS = [
    "近三年研发费用占比未达标准",
    "知识产权与主营产品关联度不足",
    "科技人员占比不足",
    "成长性指标得分偏低",
]


async def _dated(
    session: AsyncSession, application_id: uuid.UUID, round_: Round, settings: Settings
) -> None:
    """The moves dated as the round ran them: submitted before its deadline, reviewed after
    it, publicized ten days before the decision, decided on its day."""
    assert round_.decided_on is not None
    on = {
        S.PREPARING.value: round_.opens_on,
        S.SUBMITTED.value: round_.submission_deadline_on - timedelta(days=3),
        S.UNDER_REVIEW.value: round_.submission_deadline_on + timedelta(days=7),
        S.PUBLICIZED.value: round_.decided_on - timedelta(days=10),
        S.APPROVED.value: round_.decided_on,
        S.REJECTED.value: round_.decided_on,
        S.WITHDRAWN.value: round_.internal_deadline_on - timedelta(days=2),
    }
    for status, day in on.items():
        await session.execute(
            update(ApplicationTransition)
            .where(
                ApplicationTransition.application_id == application_id,
                ApplicationTransition.to_status == status,
            )
            .values(occurred_at=_at(day, 10, settings))
        )
    await session.execute(
        update(Application)
        .where(Application.id == application_id, Application.submitted_at.is_not(None))
        .values(
            submitted_at=_at(on[S.SUBMITTED.value], 10, settings),
            decided_on=round_.decided_on,
        )
    )
    await session.execute(
        update(Application)
        .where(Application.id == application_id, Application.status == S.WITHDRAWN.value)
        .values(decided_on=None)
    )
    await session.flush()
