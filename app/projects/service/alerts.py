"""The red/yellow/green alert: the stored colour follows every write and the daily sweep;
each change of colour is an event; staff may override the colour; the policy and the board."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit import service as audit
from app.auth.roles import Principal
from app.config import Settings
from app.errors import ProblemCode, Unprocessable
from app.i18n import _
from app.pagination import PageParams, Sorts
from app.projects import alert_rules, repository
from app.projects.enums import AlertCause, AlertColor
from app.projects.models import AlertPolicyVersion, Milestone, ProgressReport, Project
from app.projects.schemas import (
    AlertBoardRead,
    AlertEventPage,
    AlertEventRead,
    AlertPolicyRead,
    AlertPolicyWrite,
    AlertReason,
    AlertSummary,
    BoardEntry,
    OverrideRead,
    OverrideWrite,
    ProjectAlertRead,
    ProjectRead,
    Recovery,
    SweepRead,
)
from app.projects.service.common import _load

SWEEP_BATCH = 5000
BOARD_LIMIT = 200
POLICY_FIELDS = tuple(AlertPolicyWrite.model_fields)


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _reasons(result: alert_rules.AlertResult) -> list[dict[str, Any]]:
    return [
        {
            "code": r.code.value,
            "severity": r.severity,
            **{k: _plain(v) for k, v in r.figures.items()},
        }
        for r in result.reasons
    ]


def _codes(reasons: list[dict[str, Any]]) -> list[object]:
    return [reason.get("code") for reason in reasons]


async def current_policy(
    session: AsyncSession,
) -> tuple[alert_rules.AlertPolicy, AlertPolicyVersion | None]:
    stored = await repository.current_policy(session)
    if stored is None:
        return alert_rules.DEFAULT_POLICY, None
    values = {name: stored.thresholds[name] for name in POLICY_FIELDS}
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = Decimal(value)
    return alert_rules.AlertPolicy(version=stored.version, **values), stored


def _facts(
    project: Project, milestones: list[Milestone], reports: list[ProgressReport]
) -> alert_rules.ProjectFacts:
    return alert_rules.ProjectFacts(
        status=project.status,
        start_on=project.start_on,
        end_on=project.end_on,
        milestones=[
            alert_rules.Milestone(m.title, m.due_on, m.weight, m.completed_on) for m in milestones
        ],
        reports=[alert_rules.ProgressReport(r.reported_on, r.percent) for r in reports],
    )


def _summary(project: Project, today: date) -> AlertSummary:
    shown = alert_rules.effective_color(
        project.alert_color,
        project.override_color,
        project.override_expires_on,
        today,
    )
    active = alert_rules.override_holds(
        project.override_color,
        project.override_expires_on,
        today,
    )
    return AlertSummary(
        color=AlertColor(shown) if shown else None,
        computed_color=AlertColor(project.alert_color) if project.alert_color else None,
        reasons=project.alert_reasons or [],
        overridden=active,
        evaluated_on=project.alert_evaluated_on,
    )


def _read(project: Project, today: date) -> ProjectRead:
    return ProjectRead(
        id=project.id,
        enterprise_id=project.enterprise_id,
        title=project.title,
        level=project.level,
        programme=project.programme,
        status=project.status,
        approved_on=project.approved_on,
        approved_funding=project.approved_funding,
        disbursed_funding=project.disbursed_funding,
        start_on=project.start_on,
        end_on=project.end_on,
        alert=_summary(project, today),
        created_at=project.created_at,
        updated_at=project.updated_at,
    )


def _event(
    project_id: uuid.UUID,
    before: str | None,
    result: alert_rules.AlertResult,
    cause: AlertCause,
    as_of: date,
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "project_id": project_id,
        "from_color": before,
        "to_color": result.color,
        "reasons": _reasons(result),
        "cause": cause.value,
        "as_of": as_of,
        "policy_version": result.policy_version,
        "occurred_at": clock.now(),
    }


async def _refresh(session: AsyncSession, project: Project, settings: Settings) -> None:
    """After a write: evaluate today, store, and record an event if the colour changed."""
    today = clock.today(settings.zone)
    policy, _version = await current_policy(session)
    milestones = await repository.milestones_of(session, [project.id])
    reports = await repository.reports_of(session, [project.id])
    result = alert_rules.evaluate(_facts(project, milestones, reports), today, policy)
    before = project.alert_color
    project.alert_color = AlertColor(result.color) if result.color else None
    project.alert_reasons = _reasons(result)
    project.alert_evaluated_on = today
    project.alert_policy_version = result.policy_version
    if before != result.color:
        await repository.add_events(
            session, [_event(project.id, before, result, AlertCause.WRITE, today)]
        )
    await repository.flush(session)


async def alert(
    session: AsyncSession,
    settings: Settings,
    viewer: Principal,
    project_id: uuid.UUID,
    as_of: date | None,
) -> ProjectAlertRead:
    project = await _load(session, viewer, project_id)
    today = clock.today(settings.zone)
    when = as_of or today
    policy, _version = await current_policy(session)
    milestones = await repository.milestones_of(session, [project.id])
    reports = await repository.reports_of(session, [project.id])
    result = alert_rules.evaluate(_facts(project, milestones, reports), when, policy)
    override = None
    if project.override_color is not None and project.override_expires_on is not None:
        override = OverrideRead(
            color=AlertColor(project.override_color),
            reason=project.override_reason or "",
            expires_on=project.override_expires_on,
            active=alert_rules.override_holds(
                project.override_color,
                project.override_expires_on,
                when,
            ),
            set_by=project.override_by,
        )
    shown = alert_rules.effective_color(
        result.color,
        project.override_color,
        project.override_expires_on,
        when,
    )
    return ProjectAlertRead(
        project_id=project.id,
        as_of=when,
        color=AlertColor(result.color) if result.color else None,
        effective_color=AlertColor(shown) if shown else None,
        reasons=[AlertReason.model_validate(reason) for reason in _reasons(result)],
        expected_percent=result.expected_percent,
        actual_percent=result.actual_percent,
        spi=result.spi,
        policy_version=result.policy_version,
        override=override,
    )


async def sweep(
    session: AsyncSession, settings: Settings, actor: Principal | None, as_of: date | None = None
) -> SweepRead:
    """Evaluate every monitored project and write only what changed, in one transaction
    under an advisory lock: a second sweep waits, then finds nothing left to change."""
    today = as_of or clock.today(settings.zone)
    await repository.lock_sweep(session)
    policy, _version = await current_policy(session)
    evaluated = changed = updated = 0
    after: uuid.UUID | None = None
    now = clock.now()
    while True:
        batch = await repository.monitored_batch(session, after, SWEEP_BATCH)
        if not batch:
            break
        first, after = batch[0][0], batch[-1][0]
        milestones: dict[uuid.UUID, list[alert_rules.Milestone]] = defaultdict(list)
        for project_id, title, due_on, weight, completed_on in await repository.milestone_rows(
            session, first, after
        ):
            milestones[project_id].append(
                alert_rules.Milestone(title, due_on, weight, completed_on)
            )
        reports: dict[uuid.UUID, list[alert_rules.ProgressReport]] = defaultdict(list)
        for project_id, reported_on, percent in await repository.report_rows(session, first, after):
            reports[project_id].append(alert_rules.ProgressReport(reported_on, percent))
        rows, events = [], []
        for project_id, status, start_on, end_on, color, stored_reasons, version in batch:
            facts = alert_rules.ProjectFacts(
                status, start_on, end_on, milestones[project_id], reports[project_id]
            )
            result = alert_rules.evaluate(facts, today, policy)
            evaluated += 1
            reasons = _reasons(result)
            # Figures such as days overdue move every day; the stored alert is rewritten when
            # the colour, the rules that fired or the policy change (GET …/alert is always fresh).
            if (
                result.color == color
                and version == result.policy_version
                and _codes(reasons) == _codes(json.loads(stored_reasons))
            ):
                continue
            rows.append(
                (
                    project_id,
                    result.color,
                    json.dumps(reasons, ensure_ascii=False),
                    result.policy_version,
                )
            )
            if result.color != color:
                events.append(_event(project_id, color, result, AlertCause.SWEEP, today))
        await repository.store_alerts(session, rows, today, now)
        await repository.add_events(session, events)
        updated += len(rows)
        changed += len(events)
    read = SweepRead(as_of=today, evaluated=evaluated, changed=changed, updated=updated)
    await audit.commit_change(session, actor, "alert.sweep", "alert_sweep", today, after=read)
    return read


async def get_policy(session: AsyncSession) -> AlertPolicyRead:
    policy, stored = await current_policy(session)
    values = {name: getattr(policy, name) for name in POLICY_FIELDS}
    return AlertPolicyRead(
        version=policy.version,
        created_at=stored.created_at if stored else None,
        created_by=stored.created_by if stored else None,
        **values,
    )


async def put_policy(
    session: AsyncSession, actor: Principal, data: AlertPolicyWrite
) -> AlertPolicyRead:
    current, _version = await current_policy(session)
    candidate = alert_rules.AlertPolicy(version=current.version + 1, **data.model_dump())
    problems = alert_rules.validate_policy(candidate)
    if problems:
        raise Unprocessable(
            _(
                "The alert policy is inconsistent: {problems}",
                problems="; ".join(map(str, problems)),
            ),
            code=ProblemCode.INVALID_POLICY,
        )
    thresholds = {k: _plain(v) for k, v in asdict(candidate).items() if k != "version"}
    await repository.add_policy(
        session,
        AlertPolicyVersion(version=candidate.version, thresholds=thresholds, created_by=actor.id),
    )
    read = await get_policy(session)
    await audit.commit_change(
        session,
        actor,
        "alert_policy.create",
        "alert_policy",
        read.version,
        after=read,
    )
    return read


async def board(
    session: AsyncSession, settings: Settings, period_from: date | None, period_to: date | None
) -> AlertBoardRead:
    today = clock.today(settings.zone)
    end = period_to or today
    start = period_from or end - timedelta(days=30)
    if start > end:
        raise Unprocessable(
            _("period_from is after period_to."),
            code=ProblemCode.INVALID_PERIOD,
            loc=["query", "period_from"],
        )
    counts: dict[str, int] = {color.value: 0 for color in AlertColor}
    by_level: dict[str, dict[str, int]] = {}
    for level, color, n in await repository.board_counts(session, today):
        if color is None:
            continue
        counts[color] += n
        by_level.setdefault(level, {c.value: 0 for c in AlertColor})[color] += n
    flagged = [
        BoardEntry(
            project_id=project.id,
            title=project.title,
            level=project.level,
            enterprise_id=project.enterprise_id,
            enterprise_name=enterprise_name,
            color=AlertColor(color),
            first_reason=(project.alert_reasons or [None])[0],
        )
        for project, color, enterprise_name in await repository.flagged(session, today, BOARD_LIMIT)
    ]
    zone = settings.zone
    since = datetime.combine(start, time.min, zone)
    until = datetime.combine(end + timedelta(days=1), time.min, zone)
    recovered = [
        Recovery(
            project_id=event.project_id,
            title=title,
            enterprise_id=enterprise_id,
            enterprise_name=enterprise_name,
            from_color=AlertColor(event.from_color),
            recovered_at=event.occurred_at,
        )
        for event, title, enterprise_id, enterprise_name in await repository.recoveries(
            session, since, until, BOARD_LIMIT
        )
    ]
    return AlertBoardRead(
        counts=counts,
        by_level=by_level,
        flagged=flagged,
        recovered=recovered,
        period_from=start,
        period_to=end,
    )


async def alert_counts(session: AsyncSession, settings: Settings) -> dict[str, int]:
    """Monitored projects by effective colour today (the board's counts, for dashboards)."""
    counts: dict[str, int] = {color.value: 0 for color in AlertColor}
    for _project, color, n in await repository.board_counts(session, clock.today(settings.zone)):
        if color is not None:
            counts[color] += n
    return counts


async def set_override(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    project_id: uuid.UUID,
    data: OverrideWrite | None,
) -> ProjectRead:
    project = await _load(session, actor, project_id)
    today = clock.today(settings.zone)
    if data is not None and data.expires_on < today:
        raise Unprocessable(
            _("expires_on is already past."),
            code=ProblemCode.OVERRIDE_EXPIRED,
            loc=["body", "expires_on"],
        )
    before = _read(project, today)
    project.override_color = data.color if data else None
    project.override_reason = data.reason if data else None
    project.override_expires_on = data.expires_on if data else None
    project.override_by = actor.id if data else None
    await repository.flush(session)
    after = _read(project, today)
    await audit.commit_change(
        session,
        actor,
        "project.override" if data else "project.override_clear",
        "project",
        project.id,
        before=before,
        after=after,
    )
    return after


async def list_events(
    session: AsyncSession, viewer: Principal, project_id: uuid.UUID, page: PageParams
) -> AlertEventPage:
    await _load(session, viewer, project_id)
    fetched = await page.fetch(
        session, repository.project_events(project_id), Sorts.single(repository.EVENT_ORDER)
    )
    items = fetched.items
    return AlertEventPage(
        items=[AlertEventRead.model_validate(e) for e in items], **fetched.page_fields()
    )
