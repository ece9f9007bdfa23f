"""The outcomes ledger and the bureau's figures for a period against the previous one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit import service as audit
from app.auth.roles import Principal, may_read, own_records_only
from app.config import Settings
from app.enterprises import service as enterprise_service
from app.enterprises.enums import QualificationKind
from app.errors import NotFound, ProblemCode, Unprocessable
from app.events.bus import publish
from app.http import check_if_match
from app.i18n import _
from app.outcomes import repository
from app.outcomes.enums import AWARD_GRADES, AchievementKind, AchievementLevel, unfit
from app.outcomes.events import AchievementRecorded, AchievementRemoved
from app.outcomes.figures import Period, growth_percent
from app.outcomes.models import Achievement
from app.outcomes.repository import ACHIEVEMENT_SORTS as ACHIEVEMENT_SORTS
from app.outcomes.schemas import (
    AchievementCreate,
    AchievementFilter,
    AchievementPage,
    AchievementRead,
    AchievementUpdate,
    FirstRecord,
    GradeFigures,
    KindFigures,
    OutcomeStatisticsRead,
)
from app.pagination import PageParams
from app.pools import service as pool_service
from app.projects import service as project_service
from app.projects.schemas import ProjectRead

# The qualification each qualifying kind grants, recorded where the pools record theirs.
QUALIFICATION_OF = {
    AchievementKind.HTE_CERTIFIED: QualificationKind.HTE,
    AchievementKind.SME_REGISTERED: QualificationKind.SME,
}


class AchievementNotFound(NotFound):
    code = ProblemCode.ACHIEVEMENT_NOT_FOUND


# The ledger's entry for each qualification granted elsewhere, and its level: a high-tech
# recognition is national, an SME registration the region's.
ENTRY_OF = {
    QualificationKind.HTE: (AchievementKind.HTE_CERTIFIED, AchievementLevel.NATIONAL),
    QualificationKind.SME: (AchievementKind.SME_REGISTERED, AchievementLevel.REGIONAL),
}


async def record_granted(
    session: AsyncSession,
    actor: Principal,
    qualification_id: uuid.UUID,
    enterprise_id: uuid.UUID,
    kind: QualificationKind,
    reference: str | None,
    issued_on: date,
) -> None:
    """The ledger entry of a qualification granted through a pool (part of the grant's unit
    of work, so a certificate never stands without its entry)."""
    entry_kind, level = ENTRY_OF[kind]
    await _record_entry(
        session,
        actor,
        Achievement(
            kind=entry_kind.value,
            enterprise_id=enterprise_id,
            achieved_on=issued_on,
            level=level.value,
            reference=reference,
            qualification_id=qualification_id,
        ),
    )


async def _record_entry(session: AsyncSession, actor: Principal, achievement: Achievement) -> None:
    """An entry another domain's change brings, recorded, told and audited with it."""
    await repository.add(session, achievement)
    read = AchievementRead.model_validate(achievement)
    await publish(
        session,
        AchievementRecorded(
            actor=actor,
            achievement_id=achievement.id,
            enterprise_id=achievement.enterprise_id,
            kind=str(achievement.kind),
            achieved_on=achievement.achieved_on,
        ),
    )
    audit.record(
        session, actor, "achievement.create", "achievement", read.id, after=audit.snapshot(read)
    )


async def record_approval(
    session: AsyncSession, actor: Principal, project: ProjectRead, approved_on: date
) -> None:
    """The ledger entry of a project approved (立项) at its level, with its funding; its
    reference is the project's id (part of the approval's unit of work)."""
    await _record_entry(
        session,
        actor,
        Achievement(
            kind=AchievementKind.PROJECT_APPROVED.value,
            enterprise_id=project.enterprise_id,
            achieved_on=approved_on,
            level=AchievementLevel(project.level.value).value,
            amount=project.approved_funding,
            reference=str(project.id),
            note=project.title,
        ),
    )


@dataclass(frozen=True)
class OutcomeGrant:
    """What an approved application brings into the record."""

    kind: AchievementKind  # hte_certified, sme_registered, project_approved or a little giant
    enterprise_id: uuid.UUID
    granted_on: date
    reference: str | None = None  # the certificate or document number (required for HTE)
    level: AchievementLevel | None = None  # a little giant's; a project's comes with it
    project_id: uuid.UUID | None = None  # project_approved: the project approved
    reason: str = "申报获批"


GRANTED_BY_APPLICATION = frozenset(
    {
        AchievementKind.HTE_CERTIFIED,
        AchievementKind.SME_REGISTERED,
        AchievementKind.PROJECT_APPROVED,
        AchievementKind.LITTLE_GIANT,
        AchievementKind.SRDI_LITTLE_GIANT,
    }
)


async def grant_outcome(
    session: AsyncSession, settings: Settings, actor: Principal, grant: OutcomeGrant
) -> uuid.UUID:
    """The one path an approval takes into the record, returning the ledger entry's id:
    a qualification (HTE, SME) is recorded with its entry and ends the enterprise's active
    membership of its pool `certified`; a project is approved (its entry and certified pool
    exit follow); a little giant is an entry. Part of the caller's unit of work."""
    assert grant.kind in GRANTED_BY_APPLICATION, grant.kind
    if grant.granted_on > clock.today(settings.zone):
        raise Unprocessable(
            _("The decision cannot be dated in the future."),
            code=ProblemCode.ACHIEVED_IN_FUTURE,
            loc=["body", "decided_on"],
        )
    qualification = QUALIFICATION_OF.get(grant.kind)
    if qualification is not None:
        qualification_id = await pool_service.certify_enterprise(
            session,
            settings,
            actor,
            grant.enterprise_id,
            qualification,
            reference=grant.reference,
            issued_on=grant.granted_on,
            reason=grant.reason,
        )
        (entry,) = await repository.of_qualification(session, qualification_id)
        return entry.id
    if grant.kind is AchievementKind.PROJECT_APPROVED:
        assert grant.project_id is not None
        await project_service.approve_project(
            session, settings, actor, grant.project_id, grant.granted_on
        )
        # The entry this approval wrote (an entry recorded by hand may name the project too).
        entries = await repository.of_project(session, grant.project_id)
        return max(entries, key=lambda e: (e.created_at, str(e.id))).id
    achievement = Achievement(
        kind=grant.kind.value,
        enterprise_id=grant.enterprise_id,
        achieved_on=grant.granted_on,
        level=grant.level.value if grant.level else None,
        reference=grant.reference,
    )
    await _record_entry(session, actor, achievement)
    return achievement.id


async def reverse_outcome(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    achievement_id: uuid.UUID,
    reason: str = "撤销获批",
) -> None:
    """Undo what `grant_outcome` recorded: the qualification goes and the membership it ended
    is active again, or the project is applying again; the ledger entry goes with either.
    Part of the caller's unit of work."""
    achievement = await repository.get(session, achievement_id)
    if achievement is None:
        raise AchievementNotFound(
            _("achievement {achievement_id} does not exist", achievement_id=achievement_id)
        )
    if achievement.qualification_id is not None:
        await pool_service.revoke_qualification(
            session, settings, actor, achievement.qualification_id, reason
        )
    elif achievement.kind == AchievementKind.PROJECT_APPROVED.value and achievement.reference:
        await project_service.revoke_approval(
            session, settings, actor, uuid.UUID(achievement.reference), reason
        )
    else:
        await _remove_entry(session, actor, achievement)


async def remove_entries_of_qualification(
    session: AsyncSession, actor: Principal, qualification_id: uuid.UUID
) -> None:
    for achievement in await repository.of_qualification(session, qualification_id):
        await _remove_entry(session, actor, achievement)


async def remove_entries_of_project(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID
) -> None:
    for achievement in await repository.of_project(session, project_id):
        await _remove_entry(session, actor, achievement)


async def _remove_entry(session: AsyncSession, actor: Principal, achievement: Achievement) -> None:
    """An entry whose approval was withdrawn leaves the ledger, told and audited."""
    read = AchievementRead.model_validate(achievement)
    await repository.delete(session, achievement)
    removed = AchievementRemoved(
        actor=actor, achievement_id=read.id, enterprise_id=read.enterprise_id, kind=read.kind.value
    )
    await publish(session, removed)
    audit.record(
        session, actor, "achievement.delete", "achievement", read.id, before=audit.snapshot(read)
    )


async def record(
    session: AsyncSession, settings: Settings, actor: Principal, data: AchievementCreate
) -> tuple[AchievementRead, int]:
    """Add an entry; hte_certified and sme_registered also record the qualification."""
    await enterprise_service.ensure_visible(session, actor, data.enterprise_id)
    if data.achieved_on > clock.today(settings.zone):
        raise Unprocessable(
            _("achieved_on cannot be in the future."),
            code=ProblemCode.ACHIEVED_IN_FUTURE,
            loc=["body", "achieved_on"],
        )
    qualification_id = None
    granted = QUALIFICATION_OF.get(data.kind)
    if granted is not None:
        qualification_id = await pool_service.record_qualification(
            session,
            actor,
            data.enterprise_id,
            granted,
            reference=data.reference,
            issued_on=data.achieved_on,
            source="achievement",
        )
    achievement = Achievement(
        kind=data.kind.value,
        enterprise_id=data.enterprise_id,
        achieved_on=data.achieved_on,
        level=data.level.value if data.level else None,
        amount=data.amount,
        grade=data.grade,
        reference=data.reference,
        note=data.note,
        qualification_id=qualification_id,
    )
    await repository.add(session, achievement)
    read = AchievementRead.model_validate(achievement)
    recorded = AchievementRecorded(
        actor=actor,
        achievement_id=achievement.id,
        enterprise_id=achievement.enterprise_id,
        kind=str(achievement.kind),
        achieved_on=achievement.achieved_on,
    )
    await publish(session, recorded)
    await audit.commit_change(
        session, actor, "achievement.create", "achievement", read.id, after=read
    )
    return read, achievement.version


async def list_achievements(
    session: AsyncSession, viewer: Principal, where: AchievementFilter, page: PageParams
) -> AchievementPage:
    where = own_records_only(where, viewer)
    fetched = await page.fetch(
        session, repository.achievements(where), repository.ACHIEVEMENT_SORTS
    )
    return AchievementPage(
        items=[AchievementRead.model_validate(a) for a in fetched.items],
        **fetched.page_fields(),
    )


async def get_achievement(
    session: AsyncSession, viewer: Principal, achievement_id: uuid.UUID
) -> tuple[AchievementRead, int]:
    achievement = await repository.get(session, achievement_id)
    if achievement is None or not may_read(viewer, achievement.enterprise_id):
        raise AchievementNotFound(
            _("achievement {achievement_id} does not exist", achievement_id=achievement_id)
        )
    return AchievementRead.model_validate(achievement), achievement.version


async def correct(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    achievement_id: uuid.UUID,
    data: AchievementUpdate,
    if_match: str | None,
) -> tuple[AchievementRead, int]:
    """Correct an entry; the result must still fit its kind."""
    achievement = await repository.get(session, achievement_id)
    if achievement is None:
        raise AchievementNotFound(
            _("achievement {achievement_id} does not exist", achievement_id=achievement_id)
        )
    check_if_match(if_match, achievement.version)
    changes = data.model_dump(exclude_unset=True)
    kind = AchievementKind(achievement.kind)
    if achievement.qualification_id is not None:
        for name in ("achieved_on", "reference"):
            if name in changes and changes[name] != getattr(achievement, name):
                raise Unprocessable(
                    _("{name} is that of the qualification recorded with this entry.", name=name),
                    code=ProblemCode.FIXED_BY_QUALIFICATION,
                    loc=["body", name],
                )
    day = changes.get("achieved_on", achievement.achieved_on)
    if day > clock.today(settings.zone):
        raise Unprocessable(
            _("achieved_on cannot be in the future."),
            code=ProblemCode.ACHIEVED_IN_FUTURE,
            loc=["body", "achieved_on"],
        )
    amount = changes.get("amount", achievement.amount)
    grade = changes.get("grade", achievement.grade)
    problem = unfit(kind, amount is not None, grade)
    if problem is not None:
        raise Unprocessable(str(problem), code=ProblemCode.UNFIT_FOR_KIND, loc=["body"])
    before = AchievementRead.model_validate(achievement)
    if "level" in changes:
        changes["level"] = data.level.value if data.level else None
    for name, value in changes.items():
        setattr(achievement, name, value)
    await repository.flush(session)
    after = AchievementRead.model_validate(achievement)
    await audit.commit_change(
        session,
        actor,
        "achievement.update",
        "achievement",
        achievement.id,
        before=before,
        after=after,
    )
    return after, achievement.version


def period_of(settings: Settings, period_from: date | None, period_to: date | None) -> Period:
    """The requested period; by default the year so far."""
    end = period_to or clock.today(settings.zone)
    start = period_from or date(end.year, 1, 1)
    if start > end:
        raise Unprocessable(
            _("from is after to."), code=ProblemCode.INVALID_PERIOD, loc=["query", "from"]
        )
    return Period(start, end)


async def statistics(session: AsyncSession, period: Period) -> OutcomeStatisticsRead:
    previous = period.previous()
    zero = Decimal("0.00")
    now = {
        kind: (n, amount)
        for kind, n, amount in await repository.totals(session, period.starts_on, period.ends_on)
    }
    before = {
        kind: (n, amount)
        for kind, n, amount in await repository.totals(
            session, previous.starts_on, previous.ends_on
        )
    }
    kinds = []
    for kind in AchievementKind:
        count, amount = now.get(kind.value, (0, zero))
        previous_count, previous_amount = before.get(kind.value, (0, zero))
        kinds.append(
            KindFigures(
                kind=kind,
                count=count,
                amount=Decimal(amount).quantize(zero),
                previous_count=previous_count,
                previous_amount=Decimal(previous_amount).quantize(zero),
                count_growth_percent=growth_percent(count, previous_count),
                amount_growth_percent=growth_percent(amount, previous_amount),
            )
        )
    grades_now = dict(await repository.grade_counts(session, period.starts_on, period.ends_on))
    grades_before = dict(
        await repository.grade_counts(session, previous.starts_on, previous.ends_on)
    )
    first_rows = await repository.first_records(session, period.starts_on, period.ends_on)
    # The names the dashboard shows beside the enterprises, from one query.
    named = await enterprise_service.names(session, {row.enterprise_id for row, _ in first_rows})
    firsts = sorted(
        (
            FirstRecord(
                kind=AchievementKind(row.kind),
                level=AchievementLevel(row.level) if by_level and row.level else None,
                achievement_id=row.id,
                enterprise_id=row.enterprise_id,
                enterprise_name=named.get(row.enterprise_id, ""),
                achieved_on=row.achieved_on,
            )
            for row, by_level in first_rows
        ),
        key=lambda f: (
            list(AchievementKind).index(f.kind),
            f.level is not None,
            list(AchievementLevel).index(f.level) if f.level else 0,
        ),
    )
    return OutcomeStatisticsRead(
        period_from=period.starts_on,
        period_to=period.ends_on,
        previous_from=previous.starts_on,
        previous_to=previous.ends_on,
        kinds=kinds,
        award_grades=[
            GradeFigures(
                grade=grade,
                count=grades_now.get(grade, 0),
                previous_count=grades_before.get(grade, 0),
            )
            for grade in AWARD_GRADES
        ],
        firsts=firsts,
    )


def stream_achievements(
    session: AsyncSession, settings: Settings, updated_since: datetime | None
) -> AsyncIterator[Sequence[Any]]:
    """For the exports: the whole ledger (or what changed since), in batches."""
    return repository.stream_achievements(session, updated_since)
