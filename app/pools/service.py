"""The three cultivation pools: entry under the management standard, tier changes and exits
(each a recorded transition), and the readiness assessments that advise the tiers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit import service as audit
from app.auth.roles import Principal, may_read, own_records_only
from app.config import Settings
from app.enterprises import service as enterprise_service
from app.enterprises.enums import EnterpriseStatus, QualificationKind
from app.enterprises.schemas import AnnualReportRead
from app.enterprises.service import AssessmentInputs
from app.errors import AppError, Conflict, NotFound, ProblemCode, Unprocessable, ValidationErrorItem
from app.events.bus import publish
from app.http import check_if_match
from app.i18n import _
from app.pagination import PageParams
from app.pools import repository
from app.pools.enums import (
    POOL_NAMES,
    ConditionReason,
    ExitOutcome,
    MemberStatus,
    Pool,
    Tier,
    TransitionKind,
)
from app.pools.events import MemberExited, QualificationGranted, QualificationRevoked
from app.pools.models import PoolMember, PoolTransition
from app.pools.readiness import (
    RD_ORG_ITEMS,
    Assessment,
    EnterpriseFacts,
    MissingReport,
    NoRuleSet,
    Part,
    YearFigures,
    assess_hte,
    assess_sme,
    default_apply_on,
    rule_set_for,
)
from app.pools.repository import MEMBER_SORTS as MEMBER_SORTS
from app.pools.repository import MemberRow
from app.pools.schemas import (
    PART_READ,
    AssessmentRead,
    ConditionRead,
    GapRead,
    MemberFilter,
    PointsRead,
    PoolMemberCreate,
    PoolMemberPage,
    PoolMemberRead,
    PoolPage,
    PoolRead,
    PoolTransitionCreate,
    PoolTransitionPage,
    PoolTransitionRead,
    RuleSetRead,
    StatusCounts,
    TierCounts,
)
from app.projects import service as project_service
from app.projects.enums import ProjectStatus

ASSESSED_POOLS = (Pool.HTE, Pool.SME)
HTE_VALID_YEARS = 3
SIZE_CONDITIONS = ("max_employees", "max_revenue", "max_total_assets")
YEAR_FIELDS = tuple(f.name for f in fields(YearFigures))


class PoolMemberNotFound(NotFound):
    code = ProblemCode.POOL_MEMBER_NOT_FOUND


class AnnualReportMissing(NotFound):
    code = ProblemCode.ANNUAL_REPORT_NOT_FOUND


class MemberNotActive(Conflict):
    code = ProblemCode.MEMBER_NOT_ACTIVE


# --- Assessments ------------------------------------------------------------------------------


def _figures(report: AnnualReportRead) -> YearFigures:
    values = report.model_dump()
    values.update(report.rd_org.model_dump())
    values["tech_advancement"] = report.tech_advancement.value if report.tech_advancement else None
    values["core_support"] = report.core_support.value if report.core_support else None
    return YearFigures(**{name: values[name] for name in YEAR_FIELDS})


def _facts(inputs: AssessmentInputs, apply_on: date) -> EnterpriseFacts:
    field = inputs.enterprise.tech_field
    return EnterpriseFacts(
        established_on=inputs.enterprise.established_on,
        tech_field=field.value if field else None,
        # The SME direct route: a high-tech qualification valid on the application date.
        hte_certified=inputs.holds(QualificationKind.HTE, apply_on),
        national_st_award=inputs.holds(QualificationKind.NATIONAL_ST_AWARD, apply_on),
        provincial_rd_institution=inputs.holds(
            QualificationKind.PROVINCIAL_RD_INSTITUTION, apply_on
        ),
        led_standard=inputs.holds(QualificationKind.LED_STANDARD, apply_on),
        apply_on=apply_on,
        resident_enterprise=inputs.enterprise.resident_enterprise,
        restricted_products=inputs.enterprise.restricted_products,
        credit_listed=inputs.enterprise.credit_listed,
        tax_collection=tax.value if (tax := inputs.enterprise.tax_collection) else None,
        industry_code=inputs.enterprise.industry_code,
    )


def evaluate(
    inputs: AssessmentInputs, pool: Pool, year: int | None, apply_on: date | None = None
) -> Assessment:
    """The pool's assessment of data year `year` (default: the latest report's year) for an
    application on `apply_on` (default: 30 June after it), under the rules in force in the
    application's year."""
    if year is None:
        latest = inputs.latest_report
        if latest is None:
            raise AnnualReportMissing(
                _("enterprise {id} has no annual report to assess", id=inputs.enterprise.id)
            )
        year = latest.year
    apply_on = apply_on or default_apply_on(year)
    if apply_on.year <= year:
        raise Unprocessable(
            _(
                "apply_on ({apply_on}) must lie after the assessed year {year}.",
                apply_on=apply_on.isoformat(),
                year=year,
            ),
            code=ProblemCode.APPLICATION_BEFORE_DATA,
            loc=["query", "apply_on"],
        )
    try:
        rules = rule_set_for(pool.value, apply_on.year)
    except NoRuleSet as exc:
        raise Unprocessable(
            _(
                "No {pool} rule set applies to applications in {application_year} (data year "
                "{year}).",
                pool=pool.value,
                application_year=apply_on.year,
                year=year,
            ),
            code=ProblemCode.NO_RULE_SET,
            loc=["query", "year"],
        ) from exc
    assessor = assess_hte if pool is Pool.HTE else assess_sme
    try:
        return assessor(
            _facts(inputs, apply_on), [_figures(r) for r in inputs.reports], year, rules
        )
    except MissingReport as exc:
        raise AnnualReportMissing(
            _(
                "enterprise {id} has no annual report for {year}",
                id=inputs.enterprise.id,
                year=exc.year,
            )
        ) from exc


def _part_inputs(part: Part) -> dict[str, object]:
    if part.code == "rd_organisation":
        # An item the rule set does not score is there, as null.
        return {item: part.inputs.get(item) for item in RD_ORG_ITEMS}
    return dict(part.inputs)


def _assessment_read(enterprise_id: uuid.UUID, assessment: Assessment) -> AssessmentRead:
    return AssessmentRead(
        enterprise_id=enterprise_id,
        year=assessment.year,
        rule_set=RuleSetRead(
            name=assessment.rule_set.name,
            version=assessment.rule_set.version,
            applies_from=assessment.rule_set.applies_from,
        ),
        passed=assessment.passed,
        score=PointsRead(min=assessment.score.min, max=assessment.score.max),
        parts=[
            PART_READ.validate_python(
                {
                    "code": part.code,
                    "points": PointsRead(min=part.points.min, max=part.points.max),
                    "max_points": part.max_points,
                    "inputs": _part_inputs(part),
                }
            )
            for part in assessment.parts
        ],
        conditions=[
            ConditionRead(
                code=c.code,
                met=c.met,
                actual=c.actual,
                required=c.required,
                reason=ConditionReason(c.reason) if c.reason else None,
            )
            for c in assessment.conditions
        ],
        gaps=[
            GapRead(code=g.code, message=str(g.message), needed=g.needed) for g in assessment.gaps
        ],
        suggested_tier=assessment.suggested_tier,
        apply_on=assessment.apply_on or default_apply_on(assessment.year),
    )


async def assess(
    session: AsyncSession,
    viewer: Principal,
    enterprise_id: uuid.UUID,
    pool: Pool,
    year: int | None,
    apply_on: date | None = None,
) -> AssessmentRead:
    inputs = await enterprise_service.assessment_inputs(session, viewer, enterprise_id)
    return _assessment_read(enterprise_id, evaluate(inputs, pool, year, apply_on))


async def passing(session: AsyncSession, pool: Pool, year: int, apply_on: date) -> set[uuid.UUID]:
    """The enterprises whose `year` data passes the pool's rules (every condition met, the
    score on its minimum) for an application on `apply_on`: the eligible of a campaign."""
    found: set[uuid.UUID] = set()
    reporting = await enterprise_service.reporting_in(session, year)
    for enterprise_id, inputs in (
        await enterprise_service.assessment_inputs_of(session, reporting)
    ).items():
        try:
            if evaluate(inputs, pool, year, apply_on).passed:
                found.add(enterprise_id)
        except AppError:
            continue  # an assessment its data cannot make is not a pass
    return found


def _suggest(member: PoolMember, inputs: AssessmentInputs) -> None:
    if member.pool not in ASSESSED_POOLS:
        return
    try:
        assessment = evaluate(inputs, Pool(member.pool), None)
    except AppError:
        member.suggested_tier, member.assessed_year = None, None
    else:
        member.suggested_tier = assessment.suggested_tier
        member.assessed_year = assessment.year
    member.assessed_at = clock.now()


async def refresh_suggestions(session: AsyncSession, enterprise_id: uuid.UUID) -> None:
    """After the enterprise's data changed: re-advise its active memberships (no commit)."""
    members = [
        m
        for m in await repository.active_memberships(session, enterprise_id)
        if m.pool in ASSESSED_POOLS
    ]
    if not members:
        return
    inputs = await enterprise_service.assessment_inputs(session, None, enterprise_id)
    for member in members:
        _suggest(member, inputs)
    await repository.flush(session)


async def refresh_suggestions_of(
    session: AsyncSession, enterprise_ids: Sequence[uuid.UUID]
) -> None:
    """refresh_suggestions for a bulk load: one query finds the few enterprises that are in an
    assessed pool, and only those are re-advised (no commit)."""
    pools = [p.value for p in ASSESSED_POOLS]
    for enterprise_id in sorted(await repository.members_among(session, enterprise_ids, pools)):
        await refresh_suggestions(session, enterprise_id)


# --- Pools and members ------------------------------------------------------------------------


async def list_pools(session: AsyncSession, page: PageParams) -> PoolPage:
    tier_rows, status_rows = await repository.counts(session)
    pools = list(Pool)
    after = page.after(1)
    start = pools.index(Pool(after[0])) + 1 if after else 0
    reads = []
    for pool in pools[start:]:
        tiers = {tier: n for p, tier, n in tier_rows if p == pool.value}
        statuses = {status: n for p, status, n in status_rows if p == pool.value}
        reads.append(
            PoolRead(
                pool=pool,
                name=POOL_NAMES[pool],
                tiers=TierCounts(**tiers),
                statuses=StatusCounts(**statuses),
            )
        )
    items, cursor = page.paginate(reads, lambda r: (r.pool.value,))
    return PoolPage(items=items, next_cursor=cursor)


def _member_read(row: MemberRow) -> PoolMemberRead:
    member, uscc, name = row
    return PoolMemberRead(
        id=member.id,
        pool=Pool(member.pool),
        enterprise_id=member.enterprise_id,
        project_id=member.project_id,
        uscc=uscc,
        name=name,
        tier=Tier(member.tier),
        status=MemberStatus(member.status),
        suggested_tier=Tier(member.suggested_tier) if member.suggested_tier else None,
        assessed_year=member.assessed_year,
        entered_on=member.entered_on,
        exited_on=member.exited_on,
        created_at=member.created_at,
        updated_at=member.updated_at,
    )


async def list_members(
    session: AsyncSession, viewer: Principal, pool: Pool, where: MemberFilter, page: PageParams
) -> PoolMemberPage:
    stmt = repository.members(pool.value, own_records_only(where, viewer))
    fetched = await page.fetch(session, stmt, repository.MEMBER_SORTS)
    return PoolMemberPage(
        items=[_member_read((row[0], row[1], row[2])) for row in fetched.items],
        **fetched.page_fields(),
    )


async def _load_member(
    session: AsyncSession, viewer: Principal, pool: Pool, member_id: uuid.UUID
) -> MemberRow:
    row = await repository.get_member(session, pool.value, member_id)
    if row is None or not may_read(viewer, row[0].enterprise_id):
        raise PoolMemberNotFound(
            _("the {pool} pool has no member {member_id}", pool=pool.value, member_id=member_id)
        )
    return row


async def get_member(
    session: AsyncSession, viewer: Principal, pool: Pool, member_id: uuid.UUID
) -> tuple[PoolMemberRead, int]:
    row = await _load_member(session, viewer, pool, member_id)
    return _member_read(row), row[0].version


def _effective(requested: date | None, settings: Settings, not_before: date | None) -> date:
    today = clock.today(settings.zone)
    effective = requested or today
    if effective > today:
        raise Unprocessable(
            _("effective_on cannot be in the future."),
            code=ProblemCode.EFFECTIVE_IN_FUTURE,
            loc=["body", "effective_on"],
        )
    if not_before is not None and effective < not_before:
        raise Unprocessable(
            _(
                "effective_on cannot be before the previous move ({not_before}).",
                not_before=not_before.isoformat(),
            ),
            code=ProblemCode.EFFECTIVE_BEFORE_ENTRY,
            loc=["body", "effective_on"],
        )
    return effective


def _unmet(code: str, message: str) -> ValidationErrorItem:
    return ValidationErrorItem(loc=["body", "enterprise_id"], msg=message, type=code)


def entry_problems(pool: Pool, inputs: AssessmentInputs, today: date) -> list[ValidationErrorItem]:
    """The pool's management standard (管理标准) for entry: what is not met."""
    problems = []
    if inputs.enterprise.status is EnterpriseStatus.ARCHIVED:
        problems.append(_unmet("enterprise_active", _("the enterprise is archived")))
    latest = inputs.latest_report
    if latest is None and pool is not Pool.PROJECT:
        problems.append(_unmet("annual_report", _("at least one annual report must be on file")))
    if pool is Pool.HTE:
        if inputs.enterprise.tech_field is None:
            problems.append(
                _unmet("tech_field", _("a state-supported high-tech field is required"))
            )
        if inputs.holds(QualificationKind.HTE, today):
            problems.append(
                _unmet("no_valid_hte", _("the enterprise already holds a valid HTE qualification"))
            )
    if pool is Pool.SME and latest is not None:
        assessment = evaluate(inputs, Pool.SME, latest.year)
        problems += [
            _unmet(
                c.code,
                _(
                    "{code}: {actual} exceeds {required} ({year} report)",
                    code=c.code,
                    actual=c.actual,
                    required=c.required,
                    year=latest.year,
                ),
            )
            for c in assessment.conditions
            if c.code in SIZE_CONDITIONS and not c.met
        ]
    return problems


async def _record(
    session: AsyncSession,
    actor: Principal,
    member: PoolMember,
    kind: TransitionKind,
    *,
    from_tier: str | None,
    to_tier: str | None,
    outcome: str | None,
    reason: str,
    effective_on: date,
) -> PoolTransition:
    transition = await repository.add_transition(
        session,
        PoolTransition(
            member_id=member.id,
            kind=kind.value,
            from_tier=from_tier,
            to_tier=to_tier,
            outcome=outcome,
            reason=reason,
            effective_on=effective_on,
            actor_id=actor.id,
            actor_role=actor.role.value,
            occurred_at=clock.now(),
        ),
    )
    if kind is TransitionKind.EXIT and outcome is not None:
        exited = MemberExited(
            actor=actor,
            member_id=member.id,
            pool=str(member.pool),
            enterprise_id=member.enterprise_id,
            outcome=str(outcome),
            effective_on=effective_on,
        )
        await publish(session, exited)
    return transition


async def enter(
    session: AsyncSession, settings: Settings, actor: Principal, pool: Pool, data: PoolMemberCreate
) -> tuple[PoolMemberRead, int]:
    if (pool is Pool.PROJECT) != (data.project_id is not None):
        raise Unprocessable(
            _("The project pool takes a project_id; the hte and sme pools an enterprise_id."),
            code=ProblemCode.WRONG_MEMBER_KIND,
            loc=["body", "project_id" if pool is Pool.PROJECT else "enterprise_id"],
        )
    project = None
    if data.project_id is not None:
        project = await project_service.project_for_pool(session, actor, data.project_id)
        enterprise_id = project.enterprise_id
    else:
        assert data.enterprise_id is not None
        enterprise_id = data.enterprise_id
    inputs = await enterprise_service.assessment_inputs(session, actor, enterprise_id)
    effective = _effective(data.effective_on, settings, None)
    problems = entry_problems(pool, inputs, clock.today(settings.zone))
    if project is not None and project.status is not ProjectStatus.APPLYING:
        problems.append(
            ValidationErrorItem(
                loc=["body", "project_id"],
                msg=_(
                    "only a project in applying can enter; this one is {status}",
                    status=project.status.value,
                ),
                type="project_applying",
            )
        )
    if problems:
        raise Unprocessable(
            _(
                "The enterprise does not meet the pool's entry conditions: {problems}",
                problems="; ".join(p.msg for p in problems),
            ),
            code=ProblemCode.ENTRY_CONDITIONS_UNMET,
            errors=problems,
        )
    member = PoolMember(
        pool=pool.value,
        enterprise_id=enterprise_id,
        project_id=data.project_id,
        tier=data.tier.value,
        status=MemberStatus.ACTIVE.value,
        entered_on=effective,
    )
    _suggest(member, inputs)
    await repository.add_member(session, member)
    await _record(
        session,
        actor,
        member,
        TransitionKind.ENTRY,
        from_tier=None,
        to_tier=member.tier,
        outcome=None,
        reason=data.reason,
        effective_on=effective,
    )
    read = _member_read((member, inputs.enterprise.uscc, inputs.enterprise.name))
    await audit.commit_change(
        session, actor, "pool_member.enter", "pool_member", member.id, after=read
    )
    return read, member.version


def qualification_valid_until(kind: QualificationKind, issued_on: date) -> date:
    """The last day a qualification issued on `issued_on` is valid."""
    if kind is QualificationKind.HTE:
        # High-tech enterprise qualifications are valid for three years from issue.
        try:
            valid_until = issued_on.replace(year=issued_on.year + HTE_VALID_YEARS)
        except ValueError:  # issued on 29 February
            valid_until = date(issued_on.year + HTE_VALID_YEARS, 2, 28)
        return valid_until - timedelta(days=1)
    # The SME registration (入库) is for its year.
    return date(issued_on.year, 12, 31)


async def record_qualification(
    session: AsyncSession,
    actor: Principal,
    enterprise_id: uuid.UUID,
    kind: QualificationKind,
    *,
    reference: str | None,
    issued_on: date,
    source: str,
) -> uuid.UUID:
    """The one place a granted HTE or SME qualification is recorded, with its validity: a
    `certified` pool exit and the outcomes ledger both come here, and the ledger hears of
    every grant (`QualificationGranted`), so a certificate and its ledger entry are written
    together. Part of the caller's unit of work; returns the qualification's id."""
    read = await enterprise_service.add_qualification(
        session,
        actor,
        enterprise_id,
        kind=kind,
        reference=reference,
        issued_on=issued_on,
        valid_until=qualification_valid_until(kind, issued_on),
        source=source,
    )
    granted = QualificationGranted(
        actor=actor,
        qualification_id=read.id,
        enterprise_id=enterprise_id,
        kind=kind.value,
        reference=reference,
        issued_on=issued_on,
        source=source,
    )
    await publish(session, granted)
    return read.id


async def _certify(
    session: AsyncSession,
    actor: Principal,
    member: PoolMember,
    data: PoolTransitionCreate,
    effective: date,
) -> None:
    """A `certified` exit records the qualification the pool cultivated."""
    issued_on = data.issued_on or effective
    if member.pool == Pool.HTE.value:
        if data.certificate_no is None:
            raise Unprocessable(
                _("A certified exit from the hte pool needs the certificate number."),
                code=ProblemCode.CERTIFICATE_REQUIRED,
                loc=["body", "certificate_no"],
            )
        kind = QualificationKind.HTE
    else:
        kind = QualificationKind.SME
    member.qualification_id = await record_qualification(
        session,
        actor,
        member.enterprise_id,
        kind,
        reference=data.certificate_no,
        issued_on=issued_on,
        source="pool_exit",
    )


async def transition(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    pool: Pool,
    member_id: uuid.UUID,
    data: PoolTransitionCreate,
    if_match: str | None,
) -> tuple[PoolMemberRead, int]:
    row = await _load_member(session, actor, pool, member_id)
    member = row[0]
    check_if_match(if_match, member.version)
    if member.status != MemberStatus.ACTIVE.value:
        raise MemberNotActive(
            _(
                "member {member_id} left the pool ({status})",
                member_id=member_id,
                status=member.status,
            )
        )
    before = _member_read(row)
    effective = _effective(data.effective_on, settings, member.entered_on)
    if data.to_tier is not None:
        if data.to_tier.value == member.tier:
            raise Conflict(
                _("member {member_id} is already {tier}", member_id=member_id, tier=member.tier),
                code=ProblemCode.ALREADY_IN_TIER,
            )
        from_tier, member.tier = member.tier, data.to_tier
        await _record(
            session,
            actor,
            member,
            TransitionKind.TIER_CHANGE,
            from_tier=from_tier,
            to_tier=member.tier,
            outcome=None,
            reason=data.reason,
            effective_on=effective,
        )
    else:
        assert data.exit_outcome is not None
        if data.exit_outcome is ExitOutcome.CERTIFIED:
            await _certify(session, actor, member, data, effective)
        await _exit(session, actor, member, data.exit_outcome, data.reason, effective)
    await repository.flush(session)
    after = _member_read((member, row[1], row[2]))
    await audit.commit_change(
        session,
        actor,
        "pool_member.transition",
        "pool_member",
        member.id,
        before=before,
        after=after,
    )
    return after, member.version


async def history(
    session: AsyncSession, viewer: Principal, pool: Pool, member_id: uuid.UUID, page: PageParams
) -> PoolTransitionPage:
    await _load_member(session, viewer, pool, member_id)
    rows = await repository.list_transitions(session, member_id, page.after(2), page.limit)
    items, cursor = page.paginate(rows, lambda t: (t.occurred_at, t.id))
    return PoolTransitionPage(
        items=[PoolTransitionRead.model_validate(t) for t in items], next_cursor=cursor
    )


async def project_decided(
    session: AsyncSession,
    actor: Principal,
    project_id: uuid.UUID,
    outcome: ExitOutcome,
    reason: str,
    decided_on: date,
) -> None:
    """A project left `applying`: its project-pool membership ends with `outcome` (approval
    is `certified`). Part of the caller's unit of work."""
    member = await repository.active_project_membership(session, project_id)
    if member is None:
        return
    await _exit(session, actor, member, outcome, reason, max(decided_on, member.entered_on))
    await repository.flush(session)


async def project_approval_revoked(
    session: AsyncSession, actor: Principal, project_id: uuid.UUID, reason: str, on: date
) -> None:
    """The project's approval was withdrawn: the membership it ended is active again. Part of
    the caller's unit of work."""
    member = await repository.certified_project_membership(session, project_id)
    if member is not None:
        await _reinstate(session, actor, member, reason, on)


async def certify_enterprise(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    enterprise_id: uuid.UUID,
    kind: QualificationKind,
    *,
    reference: str | None,
    issued_on: date,
    reason: str,
) -> uuid.UUID:
    """An approved recognition (HTE) or evaluation (SME): the qualification is recorded (and
    with it the ledger entry) and the enterprise's active membership of the pool that
    cultivated it ends `certified`, as a certified pool exit does. Part of the caller's unit
    of work; returns the qualification's id."""
    if kind is QualificationKind.HTE and reference is None:
        raise Unprocessable(
            _("A high-tech recognition needs the certificate number."),
            code=ProblemCode.CERTIFICATE_REQUIRED,
            loc=["body", "certificate_no"],
        )
    pool = Pool.HTE if kind is QualificationKind.HTE else Pool.SME
    qualification_id = await record_qualification(
        session,
        actor,
        enterprise_id,
        kind,
        reference=reference,
        issued_on=issued_on,
        source="application",
    )
    member = await repository.active_membership(session, pool.value, enterprise_id)
    if member is not None:
        member.qualification_id = qualification_id
        effective = max(issued_on, member.entered_on)
        await _exit(session, actor, member, ExitOutcome.CERTIFIED, reason, effective)
        await repository.flush(session)
    return qualification_id


async def revoke_qualification(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    qualification_id: uuid.UUID,
    reason: str,
) -> None:
    """Take back a granted qualification: the membership its certified exit ended is active
    again (unless the enterprise has re-entered the pool since), the qualification goes, and
    the ledger hears of it (`QualificationRevoked`). Part of the caller's unit of work."""
    member = await repository.certified_by(session, qualification_id)
    if member is not None:
        member.qualification_id = None
        if await repository.active_membership(session, str(member.pool), member.enterprise_id):
            await repository.flush(session)
        else:
            await _reinstate(session, actor, member, reason, clock.today(settings.zone))
    qualification = await enterprise_service.qualification_by_id(session, qualification_id)
    # Told before the qualification goes, while the ledger's entry still points at it.
    revoked = QualificationRevoked(
        actor=actor,
        qualification_id=qualification.id,
        enterprise_id=qualification.enterprise_id,
        kind=qualification.kind.value,
    )
    await publish(session, revoked)
    await enterprise_service.remove_qualification(session, actor, qualification_id)


async def _exit(
    session: AsyncSession,
    actor: Principal,
    member: PoolMember,
    outcome: ExitOutcome,
    reason: str,
    effective: date,
) -> None:
    member.status = MemberStatus(outcome.value)
    member.exited_on = effective
    await _record(
        session,
        actor,
        member,
        TransitionKind.EXIT,
        from_tier=member.tier,
        to_tier=None,
        outcome=outcome.value,
        reason=reason,
        effective_on=effective,
    )


async def _reinstate(
    session: AsyncSession, actor: Principal, member: PoolMember, reason: str, on: date
) -> None:
    """Back to active after the approval that certified it was withdrawn."""
    before = _member_audit(member)
    member.status = MemberStatus.ACTIVE
    member.exited_on = None
    await _record(
        session,
        actor,
        member,
        TransitionKind.REINSTATEMENT,
        from_tier=None,
        to_tier=member.tier,
        outcome=None,
        reason=reason,
        effective_on=max(on, member.entered_on),
    )
    await repository.flush(session)
    audit.record(
        session,
        actor,
        "pool_member.reinstate",
        "pool_member",
        member.id,
        before=before,
        after=_member_audit(member),
    )


def _member_audit(member: PoolMember) -> dict[str, Any]:
    return {
        "pool": str(member.pool),
        "enterprise_id": str(member.enterprise_id),
        "project_id": None if member.project_id is None else str(member.project_id),
        "tier": str(member.tier),
        "status": str(member.status),
        "exited_on": None if member.exited_on is None else member.exited_on.isoformat(),
    }


async def tech_enterprises_in_pools(session: AsyncSession, day: date) -> set[uuid.UUID]:
    """Enterprises active in the hte or sme pool on `day` (part of the visit population)."""
    return await repository.enterprises_active_on(session, [p.value for p in ASSESSED_POOLS], day)


async def enterprises_in_pool_on(session: AsyncSession, pool: Pool, day: date) -> set[uuid.UUID]:
    """Enterprises active in the pool on `day` (for the project pool: those with an active
    project); the ranking's cohort."""
    return await repository.enterprises_active_on(session, [pool.value], day)


async def active_tier(
    session: AsyncSession,
    pool: Pool,
    *,
    enterprise_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
) -> Tier | None:
    """The tier of the enterprise's (for the project pool: the project's) active membership of
    the pool now, or None when it is in none (an application's tier at submission)."""
    if project_id is not None:
        member = await repository.active_project_membership(session, project_id)
        return member.tier if member is not None and member.pool is pool else None
    if enterprise_id is None:
        return None
    for member in await repository.active_memberships(session, enterprise_id):
        if member.pool is pool and member.project_id is None:
            return member.tier
    return None


async def active_pools(
    session: AsyncSession, enterprise_id: uuid.UUID | None = None
) -> dict[uuid.UUID, set[str]]:
    """The pools each enterprise (or the one named) is an active member of now."""
    found: dict[uuid.UUID, set[str]] = {}
    for owner, pool in await repository.active_pools(session, enterprise_id):
        found.setdefault(owner, set()).add(pool)
    return found


def stream_members(
    session: AsyncSession, settings: Settings, updated_since: datetime | None
) -> AsyncIterator[Sequence[Any]]:
    """For the exports: every membership, past ones included."""
    return repository.stream_members(session, updated_since)
