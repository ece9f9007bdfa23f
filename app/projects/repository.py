from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import AdvisoryLock, take_advisory_lock
from app.pagination import SortKey, after_clause, order_by
from app.projects.enums import AlertColor
from app.projects.models import (
    AlertEvent,
    AlertPolicyVersion,
    Milestone,
    ProgressReport,
    Project,
    ScheduledRun,
)

PROJECT_ORDER = (SortKey(Project.created_at), SortKey(Project.id))
MILESTONE_ORDER = (SortKey(Milestone.due_on), SortKey(Milestone.id))
REPORT_ORDER = (
    SortKey(ProgressReport.reported_on),
    SortKey(ProgressReport.created_at),
    SortKey(ProgressReport.id),
)
EVENT_ORDER = (SortKey(AlertEvent.occurred_at), SortKey(AlertEvent.id))
MONITORED = ("approved", "in_progress")


@dataclass(frozen=True)
class ProjectFilter:
    enterprise_id: uuid.UUID | None = None
    level: str | None = None
    status: str | None = None
    alert: str | None = None


def effective_color(today: date) -> ColumnElement[str | None]:
    """The colour shown: an override until its expiry date, else the computed one."""
    return case(
        (
            and_(Project.override_color.is_not(None), Project.override_expires_on >= today),
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


async def list_projects(
    session: AsyncSession,
    where: ProjectFilter,
    today: date,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[Project]:
    stmt = select(Project)
    if where.enterprise_id is not None:
        stmt = stmt.where(Project.enterprise_id == where.enterprise_id)
    if where.level is not None:
        stmt = stmt.where(Project.level == where.level)
    if where.status is not None:
        stmt = stmt.where(Project.status == where.status)
    if where.alert is not None:
        stmt = stmt.where(effective_color(today) == where.alert)
    if after is not None:
        stmt = stmt.where(after_clause(PROJECT_ORDER, after))
    return list(await session.scalars(stmt.order_by(*order_by(PROJECT_ORDER)).limit(limit + 1)))


async def get_milestone(
    session: AsyncSession, project_id: uuid.UUID, milestone_id: uuid.UUID
) -> Milestone | None:
    milestone = await session.get(Milestone, milestone_id)
    return milestone if milestone is not None and milestone.project_id == project_id else None


async def list_milestones(
    session: AsyncSession, project_id: uuid.UUID, after: tuple[Any, ...] | None, limit: int
) -> list[Milestone]:
    stmt = select(Milestone).where(Milestone.project_id == project_id)
    if after is not None:
        stmt = stmt.where(after_clause(MILESTONE_ORDER, after))
    return list(await session.scalars(stmt.order_by(*order_by(MILESTONE_ORDER)).limit(limit + 1)))


async def list_reports(
    session: AsyncSession, project_id: uuid.UUID, after: tuple[Any, ...] | None, limit: int
) -> list[ProgressReport]:
    stmt = select(ProgressReport).where(ProgressReport.project_id == project_id)
    if after is not None:
        stmt = stmt.where(after_clause(REPORT_ORDER, after))
    return list(await session.scalars(stmt.order_by(*order_by(REPORT_ORDER)).limit(limit + 1)))


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
        .order_by(ProgressReport.reported_on, ProgressReport.created_at)
    )
    return list(await session.scalars(stmt))


async def monitored_batch(
    session: AsyncSession, after_id: uuid.UUID | None, limit: int
) -> list[Project]:
    """Projects the alert watches, or that still carry a colour, in id order."""
    stmt = select(Project).where(
        or_(Project.status.in_(MONITORED), Project.alert_color.is_not(None))
    )
    if after_id is not None:
        stmt = stmt.where(Project.id > after_id)
    return list(await session.scalars(stmt.order_by(Project.id).limit(limit)))


async def store_alerts(session: AsyncSession, rows: list[dict[str, Any]], now: datetime) -> None:
    """Rewrite the stored alert of many projects at once (the sweep's only writes)."""
    if not rows:
        return
    table = cast(Table, Project.__table__)
    stmt = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            alert_color=bindparam("b_color"),
            alert_reasons=bindparam("b_reasons", type_=table.c.alert_reasons.type),
            alert_evaluated_on=bindparam("b_on"),
            alert_policy_version=bindparam("b_policy"),
            version=table.c.version + 1,
            updated_at=now,
        )
    )
    await session.execute(stmt, rows, execution_options={"synchronize_session": False})


async def add_events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(AlertEvent), rows)


async def list_events(
    session: AsyncSession, project_id: uuid.UUID, after: tuple[Any, ...] | None, limit: int
) -> list[AlertEvent]:
    stmt = select(AlertEvent).where(AlertEvent.project_id == project_id)
    if after is not None:
        stmt = stmt.where(after_clause(EVENT_ORDER, after))
    return list(await session.scalars(stmt.order_by(*order_by(EVENT_ORDER)).limit(limit + 1)))


async def current_policy(session: AsyncSession) -> AlertPolicyVersion | None:
    stmt = select(AlertPolicyVersion).order_by(AlertPolicyVersion.version.desc()).limit(1)
    return await session.scalar(stmt)


async def add_policy(session: AsyncSession, policy: AlertPolicyVersion) -> None:
    session.add(policy)
    await session.flush()


async def lock_sweep(session: AsyncSession) -> None:
    await take_advisory_lock(session, AdvisoryLock.ALERT_SWEEP)


async def claim_run(session: AsyncSession, job: str, run_on: date) -> bool:
    stmt = (
        pg_insert(ScheduledRun)
        .values(job=job, run_on=run_on)
        .on_conflict_do_nothing()
        .returning(ScheduledRun.job)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def board_counts(session: AsyncSession, today: date) -> list[Any]:
    color = effective_color(today)
    stmt = (
        select(Project.level, color, func.count())
        .where(Project.status.in_(MONITORED))
        .group_by(Project.level, color)
    )
    return list((await session.execute(stmt)).all())


async def flagged(session: AsyncSession, today: date, limit: int) -> list[Any]:
    color = effective_color(today)
    stmt = (
        select(Project, color)
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
        select(AlertEvent, Project.title)
        .join(Project, Project.id == AlertEvent.project_id)
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
