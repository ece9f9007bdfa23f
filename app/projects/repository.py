from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    Text,
    Uuid,
    and_,
    bindparam,
    case,
    func,
    insert,
    null,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import AdvisoryLock, driver_connection, stream_batches, take_advisory_lock
from app.enterprises.models import Enterprise
from app.pagination import SortKey, Sorts, orders
from app.projects.enums import AlertColor
from app.projects.models import (
    AlertEvent,
    AlertPolicyVersion,
    Milestone,
    ProgressReport,
    Project,
)
from app.projects.schemas import ProjectFilter

MILESTONE_ORDER = (SortKey(Milestone.due_on), SortKey(Milestone.id))
REPORT_ORDER = (
    SortKey(ProgressReport.reported_on),
    SortKey(ProgressReport.created_at),
    SortKey(ProgressReport.id),
)
EVENT_ORDER = (SortKey(AlertEvent.occurred_at), SortKey(AlertEvent.id))
MONITORED = ("approved", "in_progress")


def effective_color(today: date) -> ColumnElement[str | None]:
    """`alert_rules.effective_color` in SQL, for filters and exports: no colour when the
    project is not monitored (no computed colour), else an override while it holds (its
    expiry day included; none: until removed), else the computed one.
    tests/projects/test_shown_colour.py runs one table of cases through both."""
    return case(
        (Project.alert_color.is_(None), null()),
        (
            and_(
                Project.override_color.is_not(None),
                or_(Project.override_expires_on.is_(None), Project.override_expires_on >= today),
            ),
            Project.override_color,
        ),
        else_=Project.alert_color,
    )


async def add(session: AsyncSession, row: Project | Milestone | ProgressReport) -> None:
    session.add(row)
    await session.flush()


async def any_project(session: AsyncSession) -> bool:
    return (await session.scalar(select(Project.id).limit(1))) is not None


async def flush(session: AsyncSession) -> None:
    await session.flush()


async def get_project(session: AsyncSession, project_id: uuid.UUID) -> Project | None:
    return await session.get(Project, project_id)


PROJECT_SORTS = Sorts(
    "ProjectSort",
    orders(
        {"created_at": Project.created_at, "title": Project.title, "end_on": Project.end_on},
        Project.id,
    ),
)


def projects(where: ProjectFilter, today: date) -> Select[Project]:
    """The projects a list shows, filtered (ordered and paged by `PageParams.fetch`)."""
    stmt = select(Project)
    if where.enterprise_id is not None:
        stmt = stmt.where(Project.enterprise_id == where.enterprise_id)
    if where.level is not None:
        stmt = stmt.where(Project.level == where.level)
    if where.status is not None:
        stmt = stmt.where(Project.status == where.status)
    if where.alert is not None:
        stmt = stmt.where(effective_color(today) == where.alert)
    return stmt


async def get_milestone(
    session: AsyncSession, project_id: uuid.UUID, milestone_id: uuid.UUID
) -> Milestone | None:
    milestone = await session.get(Milestone, milestone_id)
    return milestone if milestone is not None and milestone.project_id == project_id else None


def project_milestones(project_id: uuid.UUID) -> Select[Milestone]:
    """What the list shows (ordered and paged by `PageParams.fetch` in MILESTONE_ORDER)."""
    stmt = select(Milestone).where(Milestone.project_id == project_id)
    return stmt


def project_reports(project_id: uuid.UUID) -> Select[ProgressReport]:
    """What the list shows (ordered and paged by `PageParams.fetch` in REPORT_ORDER)."""
    stmt = select(ProgressReport).where(ProgressReport.project_id == project_id)
    return stmt


async def latest_report_before(
    session: AsyncSession, project_id: uuid.UUID, on: date
) -> ProgressReport | None:
    stmt = (
        select(ProgressReport)
        .where(ProgressReport.project_id == project_id, ProgressReport.reported_on <= on)
        .order_by(ProgressReport.reported_on.desc(), ProgressReport.created_at.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def milestones_of(session: AsyncSession, project_ids: list[uuid.UUID]) -> list[Milestone]:
    return list(
        await session.scalars(select(Milestone).where(Milestone.project_id.in_(project_ids)))
    )


async def reports_of(session: AsyncSession, project_ids: list[uuid.UUID]) -> list[ProgressReport]:
    stmt = (
        select(ProgressReport)
        .where(ProgressReport.project_id.in_(project_ids))
        .order_by(ProgressReport.reported_on, ProgressReport.created_at, ProgressReport.id)
    )
    return list(await session.scalars(stmt))


# The sweep reads every monitored project with its milestones and reports (900k rows at 100k
# projects). It reads them straight from asyncpg, on the session's own connection and
# transaction: SQLAlchemy's per-row processing would cost more than the rules themselves.
# `id > $2` stands alone (no "$2 IS NULL OR"), so each batch starts where the last ended.
MONITORED_ROWS = """
    SELECT id, status, start_on, end_on, alert_color, alert_reasons::text, alert_policy_version
    FROM project
    WHERE (status = ANY($1::text[]) OR alert_color IS NOT NULL) AND id > $2
    ORDER BY id
    LIMIT $3
"""
NO_ID = uuid.UUID(int=0)
MILESTONE_ROWS = """
    SELECT project_id, title, due_on, weight, completed_on
    FROM milestone WHERE project_id BETWEEN $1 AND $2
"""
REPORT_ROWS = """
    SELECT project_id, reported_on, percent
    FROM progress_report WHERE project_id BETWEEN $1 AND $2
    ORDER BY project_id, reported_on, created_at, id
"""


async def monitored_batch(
    session: AsyncSession, after_id: uuid.UUID | None, limit: int
) -> list[Any]:
    """Projects the alert watches, or that still carry a colour, in id order: rows of (id,
    status, start_on, end_on, alert_color, alert_reasons as JSON text, alert_policy_version)."""
    driver = await driver_connection(session)
    return list(await driver.fetch(MONITORED_ROWS, list(MONITORED), after_id or NO_ID, limit))


async def milestone_rows(session: AsyncSession, first: uuid.UUID, last: uuid.UUID) -> list[Any]:
    """(project_id, title, due_on, weight, completed_on) of the projects with ids in range."""
    return list(await (await driver_connection(session)).fetch(MILESTONE_ROWS, first, last))


async def report_rows(session: AsyncSession, first: uuid.UUID, last: uuid.UUID) -> list[Any]:
    """(project_id, reported_on, percent) of the projects with ids in range, in filing order."""
    return list(await (await driver_connection(session)).fetch(REPORT_ROWS, first, last))


STORE_ALERTS = text(
    """
    UPDATE project AS p
    SET alert_color = u.color,
        alert_reasons = u.reasons::jsonb,
        alert_evaluated_on = :evaluated_on,
        alert_policy_version = u.policy,
        version = p.version + 1,
        updated_at = :now
    FROM unnest(:ids, :colors, :reasons, :policies) AS u(id, color, reasons, policy)
    WHERE p.id = u.id
    """
).bindparams(
    bindparam("ids", type_=ARRAY(Uuid)),
    bindparam("colors", type_=ARRAY(String)),
    bindparam("reasons", type_=ARRAY(Text)),
    bindparam("policies", type_=ARRAY(Integer)),
)


async def store_alerts(
    session: AsyncSession,
    rows: Sequence[tuple[uuid.UUID, str | None, str, int]],
    evaluated_on: date,
    now: datetime,
) -> None:
    """Rewrite the stored alert of many projects in one statement (the sweep's only writes)."""
    if not rows:
        return
    ids, colors, reasons, policies = (list(column) for column in zip(*rows, strict=True))
    await session.execute(
        STORE_ALERTS,
        {
            "ids": ids,
            "colors": colors,
            "reasons": reasons,
            "policies": policies,
            "evaluated_on": evaluated_on,
            "now": now,
        },
    )


async def add_events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(AlertEvent), rows)


def project_events(project_id: uuid.UUID) -> Select[AlertEvent]:
    """What the list shows (ordered and paged by `PageParams.fetch` in EVENT_ORDER)."""
    stmt = select(AlertEvent).where(AlertEvent.project_id == project_id)
    return stmt


async def current_policy(session: AsyncSession) -> AlertPolicyVersion | None:
    stmt = select(AlertPolicyVersion).order_by(AlertPolicyVersion.version.desc()).limit(1)
    return await session.scalar(stmt)


async def add_policy(session: AsyncSession, policy: AlertPolicyVersion) -> None:
    session.add(policy)
    await session.flush()


async def lock_sweep(session: AsyncSession) -> None:
    await take_advisory_lock(session, AdvisoryLock.ALERT_SWEEP)


async def board_counts(session: AsyncSession, today: date) -> list[Any]:
    color = effective_color(today)
    stmt = (
        select(Project.level, color, func.count())
        .where(Project.status.in_(MONITORED))
        .group_by(Project.level, color)
    )
    return list((await session.execute(stmt)).all())


async def flagged(session: AsyncSession, today: date, limit: int) -> list[Any]:
    """The flagged projects with their colour and their enterprise's name."""
    color = effective_color(today)
    stmt = (
        select(Project, color, Enterprise.name)
        .join(Enterprise, Enterprise.id == Project.enterprise_id)
        .where(
            Project.status.in_(MONITORED),
            color.in_([AlertColor.RED.value, AlertColor.YELLOW.value]),
        )
        .order_by(case((color == AlertColor.RED.value, 0), else_=1), Project.end_on, Project.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).all())


async def recoveries(
    session: AsyncSession, since: datetime, until: datetime, limit: int
) -> list[Any]:
    stmt = (
        select(AlertEvent, Project.title, Project.enterprise_id, Enterprise.name)
        .join(Project, Project.id == AlertEvent.project_id)
        .join(Enterprise, Enterprise.id == Project.enterprise_id)
        .where(
            AlertEvent.to_color == AlertColor.GREEN.value,
            AlertEvent.from_color.in_([AlertColor.RED.value, AlertColor.YELLOW.value]),
            AlertEvent.occurred_at >= since,
            AlertEvent.occurred_at < until,
        )
        .order_by(AlertEvent.occurred_at.desc(), AlertEvent.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).all())


async def stream_projects(
    session: AsyncSession, today: date, updated_since: datetime | None
) -> AsyncIterator[Sequence[Row[*tuple[Any, ...]]]]:
    """Projects for the exports, in id order, in batches through a server-side cursor."""
    stmt = select(
        Project.id,
        Project.enterprise_id,
        Project.title,
        Project.level,
        Project.programme,
        Project.status,
        Project.approved_funding,
        Project.disbursed_funding,
        Project.start_on,
        Project.end_on,
        effective_color(today).label("alert_color"),
        Project.alert_color.label("computed_color"),
        Project.alert_evaluated_on,
        Project.override_expires_on,
        Project.version,
        Project.created_at,
        Project.updated_at,
    ).order_by(Project.id)
    if updated_since is not None:
        stmt = stmt.where(Project.updated_at >= updated_since)
    async for batch in stream_batches(session, stmt):
        yield batch
