"""Campaigns and applications: who may work an application, its lifecycle (each move a
recorded transition), the materials checklist, the coaching sessions, and the decision, which
records the outcome through the outcomes ledger in the same unit of work."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.applications import checklists, figures, lifecycle, repository
from app.applications.enums import (
    ApplicationStatus,
    CampaignKind,
    ChecklistItemStatus,
)
from app.applications.events import ApplicationDecided
from app.applications.models import (
    Application,
    ApplicationChecklistItem,
    ApplicationTransition,
    Campaign,
    CoachingSession,
)
from app.applications.repository import APPLICATION_SORTS as APPLICATION_SORTS
from app.applications.repository import CAMPAIGN_SORTS as CAMPAIGN_SORTS
from app.applications.schemas import (
    ApplicationCreate,
    ApplicationFilter,
    ApplicationPage,
    ApplicationRead,
    ApplicationStatisticsRead,
    AssessmentSnapshot,
    CalibrationRead,
    CampaignCreate,
    CampaignFilter,
    CampaignFunnelRead,
    CampaignPage,
    CampaignRead,
    CampaignUpdate,
    ChecklistCounts,
    ChecklistItemPage,
    ChecklistItemRead,
    ChecklistItemUpdate,
    ChecklistTemplateItem,
    CoachedApplicationRead,
    CoachingCreate,
    CoachingFiguresRead,
    CoachingPage,
    CoachingRead,
    PassRateRead,
    SpecialistAssessmentPage,
    SpecialistAssessmentRead,
    SpecialistCoachingRead,
    TransitionCreate,
    TransitionPage,
    TransitionRead,
)
from app.audit import service as audit
from app.auth.roles import Principal, Role, may_read, own_records_only
from app.config import Settings
from app.enterprises import service as enterprise_service
from app.errors import AppError, Conflict, Forbidden, NotFound, ProblemCode, Unprocessable
from app.events.bus import publish
from app.http import check_if_match
from app.i18n import _
from app.modelkit import apply_changes
from app.outcomes import service as outcome_service
from app.outcomes.enums import AchievementKind
from app.pagination import PageParams, Sorts
from app.pools import service as pool_service
from app.pools.enums import Pool, Tier
from app.projects import service as project_service
from app.projects.enums import ProjectStatus
from app.visits import service as visits_service

S = ApplicationStatus

# The pool whose readiness assessment and tier an application of the kind is held against.
POOL_OF = {
    CampaignKind.HTE_RECOGNITION: Pool.HTE,
    CampaignKind.SME_EVALUATION: Pool.SME,
    CampaignKind.PROJECT: Pool.PROJECT,
}
ASSESSED = frozenset({CampaignKind.HTE_RECOGNITION, CampaignKind.SME_EVALUATION})
# What an approval records in the outcomes ledger.
OUTCOME_OF = {
    CampaignKind.HTE_RECOGNITION: AchievementKind.HTE_CERTIFIED,
    CampaignKind.SME_EVALUATION: AchievementKind.SME_REGISTERED,
    CampaignKind.PROJECT: AchievementKind.PROJECT_APPROVED,
    CampaignKind.LITTLE_GIANT: AchievementKind.LITTLE_GIANT,
    CampaignKind.SRDI_LITTLE_GIANT: AchievementKind.SRDI_LITTLE_GIANT,
}


class CampaignNotFound(NotFound):
    code = ProblemCode.CAMPAIGN_NOT_FOUND


class ApplicationNotFound(NotFound):
    code = ProblemCode.APPLICATION_NOT_FOUND


class ChecklistItemNotFound(NotFound):
    code = ProblemCode.CHECKLIST_ITEM_NOT_FOUND


def _invalid_move(current: str, wanted: str) -> Conflict:
    return Conflict(
        _("An application cannot go from {status} to {wanted}.", status=current, wanted=wanted),
        code=ProblemCode.INVALID_STATUS_TRANSITION,
    )


# Campaigns


def _campaign_read(campaign: Campaign) -> CampaignRead:
    template = checklists.template(campaign.kind, campaign.checklist_version)
    values = {
        name: getattr(campaign, name) for name in CampaignRead.model_fields if name != "checklist"
    }
    values["checklist"] = [
        ChecklistTemplateItem(code=m.code, name=m.name, name_en=m.name_en)
        for m in template.materials
    ]
    return CampaignRead.model_validate(values)


async def _load_campaign(
    session: AsyncSession, campaign_id: uuid.UUID, *, lock: bool = False
) -> Campaign:
    campaign = await repository.get_campaign(session, campaign_id, lock=lock)
    if campaign is None:
        raise CampaignNotFound(_("campaign {campaign_id} does not exist", campaign_id=campaign_id))
    return campaign


async def create_campaign(
    session: AsyncSession, actor: Principal, data: CampaignCreate
) -> tuple[CampaignRead, int]:
    campaign = Campaign(
        **data.model_dump(),
        checklist_version=checklists.current(data.kind).version,
        created_by=actor.id,
    )
    await repository.add(session, campaign)
    read = _campaign_read(campaign)
    await audit.commit_change(
        session, actor, "campaign.create", "campaign", campaign.id, after=read
    )
    return read, campaign.version


async def list_campaigns(
    session: AsyncSession, where: CampaignFilter, page: PageParams
) -> CampaignPage:
    fetched = await page.fetch(session, repository.campaigns(where), CAMPAIGN_SORTS)
    return CampaignPage(items=[_campaign_read(c) for c in fetched.items], **fetched.page_fields())


async def get_campaign(session: AsyncSession, campaign_id: uuid.UUID) -> tuple[CampaignRead, int]:
    campaign = await _load_campaign(session, campaign_id)
    return _campaign_read(campaign), campaign.version


async def update_campaign(
    session: AsyncSession,
    actor: Principal,
    campaign_id: uuid.UUID,
    data: CampaignUpdate,
    if_match: str | None,
) -> tuple[CampaignRead, int]:
    campaign = await _load_campaign(session, campaign_id, lock=True)
    check_if_match(if_match, campaign.version)
    before = _campaign_read(campaign)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if campaign.kind is not CampaignKind.PROJECT:
        given = [name for name in ("project_level", "programme") if name in changes]
        if given:
            raise Unprocessable(
                _("Only a project campaign has a project level and programme."),
                code=ProblemCode.UNFIT_FOR_KIND,
                loc=["body", given[0]],
            )
    apply_changes(campaign, changes)
    if not (campaign.opens_on <= campaign.internal_deadline_on <= campaign.submission_deadline_on):
        raise Unprocessable(
            _(
                "The campaign's dates must be in order: opens_on ≤ internal_deadline_on ≤ "
                "submission_deadline_on."
            ),
            code=ProblemCode.DATES_OUT_OF_ORDER,
            loc=["body", next(iter(changes))],
        )
    await repository.flush(session)
    after = _campaign_read(campaign)
    await audit.commit_change(
        session, actor, "campaign.update", "campaign", campaign.id, before=before, after=after
    )
    return after, campaign.version


# Applications


async def _reads(
    session: AsyncSession, settings: Settings, applications: Sequence[Application]
) -> list[ApplicationRead]:
    """The applications as read, with their campaigns, checklist counts and enterprise names
    read for the whole page at once."""
    campaigns = await repository.campaigns_by_id(session, [a.campaign_id for a in applications])
    counts = await repository.checklist_counts(session, [a.id for a in applications])
    names = await enterprise_service.names(session, (a.enterprise_id for a in applications))
    today = clock.today(settings.zone)
    reads = []
    for application in applications:
        campaign = campaigns[application.campaign_id]
        tally = ChecklistCounts(**counts.get(application.id, {}))
        values = {
            name: getattr(application, name)
            for name in ApplicationRead.model_fields
            if hasattr(application, name)
        }
        values |= {
            "kind": campaign.kind,
            "year": campaign.year,
            "enterprise_name": names.get(application.enterprise_id, ""),
            "checklist": tally,
            "overdue": lifecycle.is_overdue(
                application.status,
                tally.missing,
                campaign.internal_deadline_on,
                campaign.submission_deadline_on,
                today,
            ),
        }
        reads.append(ApplicationRead.model_validate(values))
    return reads


async def _read(
    session: AsyncSession, settings: Settings, application: Application
) -> ApplicationRead:
    return (await _reads(session, settings, [application]))[0]


async def _load(
    session: AsyncSession, viewer: Principal, application_id: uuid.UUID, *, lock: bool = False
) -> Application:
    application = await repository.get_application(session, application_id, lock=lock)
    if application is None or not may_read(viewer, application.enterprise_id):
        raise ApplicationNotFound(
            _("application {application_id} does not exist", application_id=application_id)
        )
    return application


async def _may_work(session: AsyncSession, actor: Principal, application: Application) -> None:
    """Staff work any application, a specialist those of the enterprises in their care, an
    enterprise user its own (loaded as visible already)."""
    if actor.role is not Role.ENTERPRISE:
        await visits_service.may_act_for(session, actor, application.enterprise_id)


def _transition(
    application: Application,
    from_status: str | None,
    actor: Principal,
    at: datetime,
    reason: str | None = None,
    reasons: Sequence[str] = (),
) -> ApplicationTransition:
    return ApplicationTransition(
        application_id=application.id,
        from_status=from_status,
        to_status=application.status.value,
        reason=reason,
        reasons=list(reasons),
        actor_id=actor.id,
        actor_role=actor.role.value,
        occurred_at=at,
    )


async def _check_project(
    session: AsyncSession, actor: Principal, campaign: Campaign, data: ApplicationCreate
) -> None:
    if campaign.kind is not CampaignKind.PROJECT:
        if data.project_id is not None:
            raise Unprocessable(
                _("Only an application in a project campaign names a project."),
                code=ProblemCode.UNFIT_FOR_KIND,
                loc=["body", "project_id"],
            )
        return
    if data.project_id is None:
        raise Unprocessable(
            _("An application in a project campaign names the enterprise's project."),
            code=ProblemCode.PROJECT_REQUIRED,
            loc=["body", "project_id"],
        )
    try:
        project = await project_service.project_for_pool(session, actor, data.project_id)
    except NotFound:
        project = None
    if project is None or project.enterprise_id != data.enterprise_id:
        raise Unprocessable(
            _("project {project_id} is not one of this enterprise's.", project_id=data.project_id),
            code=ProblemCode.UNKNOWN_PROJECT,
            loc=["body", "project_id"],
        )
    if project.status is not ProjectStatus.APPLYING:
        raise Unprocessable(
            _(
                "The project is {status}; only a project in applying is applied for.",
                status=project.status.value,
            ),
            code=ProblemCode.PROJECT_NOT_APPLYING,
            loc=["body", "project_id"],
        )


async def create_application(
    session: AsyncSession, settings: Settings, actor: Principal, data: ApplicationCreate
) -> tuple[ApplicationRead, int]:
    await visits_service.may_act_for(session, actor, data.enterprise_id)
    campaign = await repository.get_campaign(session, data.campaign_id)
    if campaign is None:
        raise Unprocessable(
            _("campaign {campaign_id} does not exist", campaign_id=data.campaign_id),
            code=ProblemCode.UNKNOWN_CAMPAIGN,
            loc=["body", "campaign_id"],
        )
    await _check_project(session, actor, campaign, data)
    now = clock.now()
    application = Application(
        campaign_id=campaign.id,
        enterprise_id=data.enterprise_id,
        project_id=data.project_id,
        specialist_id=await visits_service.responsible_specialist(session, data.enterprise_id),
        status=S.PREPARING,
        created_by=actor.id,
    )
    await repository.add_application(session, application)
    template = checklists.template(campaign.kind, campaign.checklist_version)
    for position, material in enumerate(template.materials, start=1):
        session.add(
            ApplicationChecklistItem(
                application_id=application.id,
                code=material.code,
                name=material.name,
                position=position,
                status=ChecklistItemStatus.MISSING,
            )
        )
    session.add(_transition(application, None, actor, now))
    await repository.flush(session)
    read = await _read(session, settings, application)
    await audit.commit_change(
        session, actor, "application.create", "application", application.id, after=read
    )
    return read, application.version


async def list_applications(
    session: AsyncSession,
    settings: Settings,
    viewer: Principal,
    where: ApplicationFilter,
    page: PageParams,
) -> ApplicationPage:
    where = own_records_only(where, viewer)
    if where.overdue is not None:
        where = dataclasses.replace(where, today=clock.today(settings.zone))
    fetched = await page.fetch(session, repository.applications(where), APPLICATION_SORTS)
    return ApplicationPage(
        items=await _reads(session, settings, fetched.items), **fetched.page_fields()
    )


async def get_application(
    session: AsyncSession, settings: Settings, viewer: Principal, application_id: uuid.UUID
) -> tuple[ApplicationRead, int]:
    application = await _load(session, viewer, application_id)
    return await _read(session, settings, application), application.version


async def _assessment_at_submission(
    session: AsyncSession,
    actor: Principal,
    campaign: Campaign,
    application: Application,
    today: date,
) -> dict[str, Any] | None:
    """The readiness assessment as it stands on the day of submission, of the data year
    before the campaign's, for an application on that day (on the round's submission deadline
    when it is submitted late: the round's rules are its deadline's); None when the enterprise
    has no report to assess, or no rule set applies: the application goes in all the same."""
    if campaign.kind not in ASSESSED:
        return None
    pool = POOL_OF[campaign.kind]
    data_year = campaign.year - 1
    as_of = min(today, campaign.submission_deadline_on)
    apply_on = as_of if as_of.year > data_year else None
    try:
        assessment = await pool_service.assess(
            session, actor, application.enterprise_id, pool, data_year, apply_on
        )
    except AppError:
        return None
    return AssessmentSnapshot(
        pool=pool,
        year=assessment.year,
        apply_on=assessment.apply_on,
        rule_set=assessment.rule_set,
        passed=assessment.passed,
        score=assessment.score,
        conditions=assessment.conditions,
        gaps=assessment.gaps,
        suggested_tier=assessment.suggested_tier,
    ).model_dump(mode="json")


async def _tier_at_submission(
    session: AsyncSession, campaign: Campaign, application: Application
) -> Tier | None:
    pool = POOL_OF.get(campaign.kind)
    if pool is None:
        return None
    if pool is Pool.PROJECT:
        return await pool_service.active_tier(session, pool, project_id=application.project_id)
    return await pool_service.active_tier(session, pool, enterprise_id=application.enterprise_id)


async def move(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    application_id: uuid.UUID,
    data: TransitionCreate,
    if_match: str | None,
) -> tuple[ApplicationRead, int]:
    application = await _load(session, actor, application_id, lock=True)
    check_if_match(if_match, application.version)
    current, wanted = application.status, data.to
    withdrawing_approval = lifecycle.is_approval_withdrawal(current, wanted)
    if (wanted in lifecycle.STAFF_TARGETS or withdrawing_approval) and not actor.is_staff:
        raise Forbidden(
            _("Only the bureau's staff review and decide applications."),
            code=ProblemCode.ROLE_NOT_ALLOWED,
        )
    await _may_work(session, actor, application)
    if not lifecycle.can_move(current, wanted):
        raise _invalid_move(current.value, wanted.value)
    if withdrawing_approval and data.reason is None:
        raise Unprocessable(
            _("Say why the approval is withdrawn (reason)."),
            code=ProblemCode.REASON_REQUIRED,
            loc=["body", "reason"],
        )
    campaign = await _load_campaign(session, application.campaign_id)
    now = clock.now()
    today = clock.today(settings.zone)
    before = await _read(session, settings, application)
    if wanted is S.SUBMITTED:
        application.submitted_at = now
        application.assessment = await _assessment_at_submission(
            session, actor, campaign, application, today
        )
        application.tier_at_submission = await _tier_at_submission(session, campaign, application)
    elif wanted is S.APPROVED:
        decided_on = data.decided_on or today
        application.achievement_id = await outcome_service.grant_outcome(
            session,
            settings,
            actor,
            outcome_service.OutcomeGrant(
                kind=OUTCOME_OF[campaign.kind],
                enterprise_id=application.enterprise_id,
                granted_on=decided_on,
                reference=data.certificate_no,
                level=data.level,
                project_id=application.project_id,
            ),
        )
        application.decided_on = decided_on
        application.certificate_no = data.certificate_no
        application.level = data.level
    elif wanted is S.REJECTED:
        application.decided_on = today
        application.rejection_reasons = list(data.reasons or [])
    elif withdrawing_approval:
        # Out of approved before the entry goes (the row holds an entry exactly while it is
        # approved, and the reversal flushes).
        application.status = wanted
        achievement_id = application.achievement_id
        application.achievement_id = None
        application.decided_on = None
        application.certificate_no = None
        application.level = None
        if achievement_id is not None:
            await outcome_service.reverse_outcome(
                session, settings, actor, achievement_id, data.reason or ""
            )
    application.status = wanted
    session.add(
        _transition(application, current.value, actor, now, data.reason, data.reasons or ())
    )
    await repository.flush(session)
    if wanted in (S.APPROVED, S.REJECTED) or withdrawing_approval:
        await publish(
            session,
            ApplicationDecided(
                actor=actor,
                application_id=application.id,
                campaign_id=campaign.id,
                enterprise_id=application.enterprise_id,
                kind=campaign.kind.value,
                status=wanted.value,
                decided_on=application.decided_on,
                achievement_id=application.achievement_id,
            ),
        )
    after = await _read(session, settings, application)
    await audit.commit_change(
        session,
        actor,
        "application.transition",
        "application",
        application.id,
        before=before,
        after=after,
    )
    return after, application.version


async def list_transitions(
    session: AsyncSession, viewer: Principal, application_id: uuid.UUID, page: PageParams
) -> TransitionPage:
    await _load(session, viewer, application_id)
    fetched = await page.fetch(
        session, repository.transitions(application_id), Sorts.single(repository.TRANSITION_ORDER)
    )
    return TransitionPage(
        items=[TransitionRead.model_validate(t) for t in fetched.items], **fetched.page_fields()
    )


# The checklist


async def list_checklist(
    session: AsyncSession, viewer: Principal, application_id: uuid.UUID, page: PageParams
) -> ChecklistItemPage:
    await _load(session, viewer, application_id)
    fetched = await page.fetch(
        session, repository.checklist(application_id), Sorts.single(repository.CHECKLIST_ORDER)
    )
    return ChecklistItemPage(
        items=[ChecklistItemRead.model_validate(i) for i in fetched.items],
        **fetched.page_fields(),
    )


async def update_checklist_item(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    application_id: uuid.UUID,
    item_code: str,
    data: ChecklistItemUpdate,
    if_match: str | None,
) -> tuple[ChecklistItemRead, int]:
    """Move a checklist item (an enterprise user only ticks what it provides: missing →
    provided). The application's version is the checklist's: any change to an item is a new
    version of the application (its counts and overdue flag follow)."""
    application = await _load(session, actor, application_id, lock=True)
    check_if_match(if_match, application.version)
    await _may_work(session, actor, application)
    item = await repository.get_item(session, application.id, item_code)
    if item is None:
        raise ChecklistItemNotFound(
            _("the application's checklist has no item {item_code}", item_code=item_code)
        )
    if application.status is not S.PREPARING:
        raise Conflict(
            _(
                "The application is {status}: its materials are fixed once it is submitted.",
                status=application.status.value,
            ),
            code=ProblemCode.APPLICATION_NOT_PREPARING,
        )
    wanted = data.status
    if wanted is not None and wanted is not item.status:
        if actor.role is Role.ENTERPRISE and not (
            item.status is ChecklistItemStatus.MISSING and wanted is ChecklistItemStatus.PROVIDED
        ):
            raise Forbidden(
                _("An enterprise user ticks the materials it provides (missing → provided)."),
                code=ProblemCode.ROLE_NOT_ALLOWED,
            )
        if not lifecycle.can_move_item(item.status, wanted):
            raise Conflict(
                _(
                    "A checklist item cannot go from {status} to {wanted}.",
                    status=item.status.value,
                    wanted=wanted.value,
                ),
                code=ProblemCode.INVALID_STATUS_TRANSITION,
            )
    before = ChecklistItemRead.model_validate(item)
    apply_changes(item, data.model_dump(exclude_unset=True))
    item.updated_by = actor.id
    item.updated_at = clock.now()
    application.updated_at = item.updated_at
    await repository.flush(session)
    after = ChecklistItemRead.model_validate(item)
    await audit.commit_change(
        session,
        actor,
        "application.checklist",
        "application",
        application.id,
        before=before,
        after=after,
    )
    return after, application.version


# Coaching


async def record_coaching(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    application_id: uuid.UUID,
    data: CoachingCreate,
) -> CoachingRead:
    application = await _load(session, actor, application_id, lock=True)
    await _may_work(session, actor, application)
    specialist_id = data.specialist_id or application.specialist_id
    if specialist_id is None:
        raise Unprocessable(
            _("The enterprise has no responsible specialist: name who coached (specialist_id)."),
            code=ProblemCode.UNKNOWN_SPECIALIST,
            loc=["body", "specialist_id"],
        )
    try:
        await visits_service.get_specialist(session, actor, specialist_id)
    except NotFound as exc:
        raise Unprocessable(
            _("specialist {specialist_id} does not exist", specialist_id=specialist_id),
            code=ProblemCode.UNKNOWN_SPECIALIST,
            loc=["body", "specialist_id"],
        ) from exc
    if data.visit_id is not None:
        try:
            visit = await visits_service.get_visit(session, settings, actor, data.visit_id)
        except NotFound:
            visit = None
        if visit is None or visit.enterprise_id != application.enterprise_id:
            raise Unprocessable(
                _("visit {visit_id} is not a visit of this enterprise.", visit_id=data.visit_id),
                code=ProblemCode.UNKNOWN_VISIT,
                loc=["body", "visit_id"],
            )
    coaching = CoachingSession(
        application_id=application.id,
        specialist_id=specialist_id,
        held_at=data.held_at,
        channel=data.channel,
        minutes=data.minutes,
        topics=list(data.topics),
        next_step=data.next_step,
        visit_id=data.visit_id,
        recorded_by=actor.id,
    )
    await repository.add(session, coaching)
    read = CoachingRead.model_validate(coaching)
    await audit.commit_change(
        session, actor, "application.coaching", "application", application.id, after=read
    )
    return read


async def list_coaching(
    session: AsyncSession, viewer: Principal, application_id: uuid.UUID, page: PageParams
) -> CoachingPage:
    await _load(session, viewer, application_id)
    fetched = await page.fetch(
        session, repository.coaching(application_id), Sorts.single(repository.COACHING_ORDER)
    )
    return CoachingPage(
        items=[CoachingRead.model_validate(c) for c in fetched.items], **fetched.page_fields()
    )


# Statistics


async def _eligible(
    session: AsyncSession, campaign: Campaign, cache: dict[tuple[Pool, int, date], int]
) -> int | None:
    """How many enterprises the rules say may apply: data of the year before the campaign's,
    assessed for an application on its submission deadline."""
    kind = CampaignKind(campaign.kind)
    if kind not in ASSESSED:
        return None
    key = (POOL_OF[kind], campaign.year - 1, campaign.submission_deadline_on)
    if key not in cache:
        cache[key] = len(await pool_service.passing(session, *key))
    return cache[key]


def _fact(campaign: Campaign, application: Application, minutes: int) -> figures.ApplicationFact:
    snapshot = application.assessment or {}
    passed = snapshot.get("passed")
    return figures.ApplicationFact(
        campaign_id=campaign.id,
        kind=str(campaign.kind),
        status=str(application.status),
        submitted=application.submitted_at is not None,
        tier_at_submission=None
        if application.tier_at_submission is None
        else str(application.tier_at_submission),
        specialist_id=application.specialist_id,
        predicted_pass=passed if isinstance(passed, bool) else None,
        coaching_minutes=minutes,
    )


def _rates(
    rates: dict[Any, figures.Rate], names: dict[uuid.UUID, str] | None = None
) -> list[PassRateRead]:
    ordered = sorted(rates.items(), key=lambda item: (item[0] is None, str(item[0])))
    return [
        PassRateRead(
            key=None if key is None else str(key),
            name=None if names is None or key is None else names.get(key, ""),
            approved=rate.numerator,
            decided=rate.denominator,
            percent=rate.percent,
        )
        for key, rate in ordered
    ]


async def statistics(
    session: AsyncSession, year: int | None, kind: CampaignKind | None
) -> ApplicationStatisticsRead:
    """The funnel of every campaign of the year (and kind), the pass rates by kind, by tier at
    submission and by specialist, coaching minutes per approval, and the calibration of the
    readiness rules against the decisions."""
    campaigns, rows = await repository.statistics_rows(session, year, kind.value if kind else None)
    by_id = {c.id: c for c in campaigns}
    facts: list[figures.ApplicationFact] = []
    sessions = 0
    for application, count, minutes in rows:
        facts.append(_fact(by_id[application.campaign_id], application, int(minutes)))
        sessions += int(count)
    cache: dict[tuple[Pool, int, date], int] = {}
    funnels = []
    for campaign in campaigns:
        funnel = figures.funnel(
            await _eligible(session, campaign, cache),
            (f for f in facts if f.campaign_id == campaign.id),
        )
        funnels.append(
            CampaignFunnelRead(
                campaign_id=campaign.id,
                title=campaign.title,
                kind=CampaignKind(campaign.kind),
                year=campaign.year,
                batch=campaign.batch,
                **dataclasses.asdict(funnel),
            )
        )
    by_specialist = figures.pass_rates(facts, lambda f: f.specialist_id)
    names = await visits_service.names_of(session, (), by_specialist)
    calibration = figures.calibration(facts)
    return ApplicationStatisticsRead(
        year=year,
        kind=kind,
        campaigns=funnels,
        by_kind=_rates(figures.pass_rates(facts, lambda f: f.kind)),
        by_tier=_rates(figures.pass_rates(facts, lambda f: f.tier_at_submission)),
        by_specialist=_rates(by_specialist, names.specialists),
        coaching=CoachingFiguresRead(
            sessions=sessions,
            minutes=sum(f.coaching_minutes for f in facts),
            approvals=sum(f.approved for f in facts),
            minutes_per_approval=figures.minutes_per_approval(facts),
        ),
        calibration=CalibrationRead(
            **dataclasses.asdict(calibration),
            pass_held_percent=calibration.pass_held.percent,
            fail_held_percent=calibration.fail_held.percent,
            agreement_percent=calibration.agreement.percent,
        ),
    )


# The specialist assessment, with the coaching beside the visits' composite


async def _coaching(
    session: AsyncSession, settings: Settings, year: int, specialist_ids: list[uuid.UUID]
) -> dict[uuid.UUID, SpecialistCoachingRead]:
    zone = settings.zone
    since = datetime.combine(date(year, 1, 1), time.min, zone)
    until = datetime.combine(date(year + 1, 1, 1), time.min, zone)
    rows = await repository.coaching_by_specialist(session, specialist_ids, since, until)
    names = await enterprise_service.names(session, (row[1].enterprise_id for row in rows))
    coached: dict[uuid.UUID, list[CoachedApplicationRead]] = {i: [] for i in specialist_ids}
    for specialist_id, application, campaign, sessions, minutes in rows:
        coached[specialist_id].append(
            CoachedApplicationRead(
                application_id=application.id,
                enterprise_id=application.enterprise_id,
                enterprise_name=names.get(application.enterprise_id, ""),
                campaign_id=campaign.id,
                campaign_title=campaign.title,
                kind=CampaignKind(campaign.kind),
                status=ApplicationStatus(application.status),
                sessions=int(sessions),
                minutes=int(minutes),
            )
        )
    found = {}
    for specialist_id, applications in coached.items():
        approved = sum(a.status is S.APPROVED for a in applications)
        rejected = sum(a.status is S.REJECTED for a in applications)
        found[specialist_id] = SpecialistCoachingRead(
            applications=len(applications),
            sessions=sum(a.sessions for a in applications),
            minutes=sum(a.minutes for a in applications),
            approved=approved,
            rejected=rejected,
            pass_percent=figures.Rate.of(approved, approved + rejected).percent,
            coached=applications,
        )
    return found


async def specialist_assessment(
    session: AsyncSession, settings: Settings, specialist_id: uuid.UUID, year: int
) -> SpecialistAssessmentRead:
    scores = await visits_service.assessment(session, settings, specialist_id, year)
    coaching = await _coaching(session, settings, year, [specialist_id])
    return SpecialistAssessmentRead(**dict(scores), coaching=coaching[specialist_id])


async def specialist_assessments(
    session: AsyncSession, settings: Settings, year: int, page: PageParams
) -> SpecialistAssessmentPage:
    ranked = await visits_service.team_ranking(session, settings, year, page)
    coaching = await _coaching(session, settings, year, [a.specialist_id for a in ranked.items])
    return SpecialistAssessmentPage(
        items=[
            SpecialistAssessmentRead(**dict(a), coaching=coaching[a.specialist_id])
            for a in ranked.items
        ],
        **ranked.model_dump(exclude={"items"}),
    )


def stream_applications(
    session: AsyncSession, settings: Settings, updated_since: datetime | None
) -> AsyncIterator[Sequence[Any]]:
    """For the exports: every application."""
    return repository.stream_applications(session, updated_since)


def stream_campaigns(
    session: AsyncSession, settings: Settings, updated_since: datetime | None
) -> AsyncIterator[Sequence[Any]]:
    """For the exports: every campaign."""
    return repository.stream_campaigns(session, updated_since)
