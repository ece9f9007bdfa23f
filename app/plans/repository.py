from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import Select

from app.db import constraint_name, stream_batches
from app.enterprises.models import Enterprise
from app.pagination import SortKey, Sorts, order_by
from app.plans.enums import TaskStatus
from app.plans.models import Plan, PlanTask, PlanTaskComment
from app.plans.schemas import PlanFilter
from app.visits.models import SpecialistAssignment

PLAN_SORTS = Sorts.single(
    (SortKey(Plan.created_at, descending=True), SortKey(Plan.id, descending=True))
)
TASK_SORTS = Sorts.single((SortKey(PlanTask.created_at), SortKey(PlanTask.id)))
COMMENT_SORTS = Sorts.single((SortKey(PlanTaskComment.created_at), SortKey(PlanTaskComment.id)))
PENDING = (TaskStatus.OPEN.value, TaskStatus.IN_PROGRESS.value)


class DuplicatePlanKey(Exception):
    """The enterprise already has a plan for this year and goal."""


async def add_plan(session: AsyncSession, plan: Plan) -> Plan:
    session.add(plan)
    try:
        await session.flush()
    except IntegrityError as exc:
        if constraint_name(exc) == "uq_plan_enterprise_id_year_goal_kind":
            raise DuplicatePlanKey from exc
        raise
    return plan


async def find_plan(
    session: AsyncSession, enterprise_id: uuid.UUID, year: int, goal_kind: str
) -> Plan | None:
    stmt = select(Plan).where(
        Plan.enterprise_id == enterprise_id, Plan.year == year, Plan.goal_kind == goal_kind
    )
    return await session.scalar(stmt)


async def get_plan(session: AsyncSession, plan_id: uuid.UUID, *, lock: bool = False) -> Plan | None:
    stmt = select(Plan).where(Plan.id == plan_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def add_tasks(session: AsyncSession, tasks: Sequence[PlanTask]) -> None:
    session.add_all(tasks)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    await session.flush()


def plans(where: PlanFilter) -> Select[Plan]:
    """What the list shows, filtered (ordered and paged by `PageParams.fetch`)."""
    stmt = select(Plan)
    if where.enterprise_id is not None:
        stmt = stmt.where(Plan.enterprise_id == where.enterprise_id)
    if where.specialist_id is not None:
        # The enterprises in the specialist's care now.
        cared = select(SpecialistAssignment.enterprise_id).where(
            SpecialistAssignment.specialist_id == where.specialist_id,
            SpecialistAssignment.ended_on.is_(None),
        )
        stmt = stmt.where(Plan.enterprise_id.in_(cared))
    if where.year is not None:
        stmt = stmt.where(Plan.year == where.year)
    if where.goal_kind is not None:
        stmt = stmt.where(Plan.goal_kind == where.goal_kind)
    if where.status is not None:
        stmt = stmt.where(Plan.status == where.status)
    if where.overdue is not None and where.today is not None:
        late = exists().where(
            PlanTask.plan_id == Plan.id,
            PlanTask.status.in_(PENDING),
            PlanTask.due_on < where.today,
        )
        stmt = stmt.where(late if where.overdue else ~late)
    return stmt


async def task_states(
    session: AsyncSession, plan_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[TaskStatus, date | None]]]:
    """Each plan's tasks as (status, due_on), for their progress (plans without tasks absent)."""
    if not plan_ids:
        return {}
    stmt = select(PlanTask.plan_id, PlanTask.status, PlanTask.due_on).where(
        PlanTask.plan_id.in_(plan_ids)
    )
    states: dict[uuid.UUID, list[tuple[TaskStatus, date | None]]] = {}
    for plan_id, status, due_on in await session.execute(stmt):
        states.setdefault(plan_id, []).append((status, due_on))
    return states


async def tasks_of(session: AsyncSession, plan_id: uuid.UUID) -> list[PlanTask]:
    stmt = select(PlanTask).where(PlanTask.plan_id == plan_id)
    return list(await session.scalars(stmt.order_by(*order_by(TASK_SORTS.default_keys))))


async def count_tasks(session: AsyncSession, plan_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(PlanTask).where(PlanTask.plan_id == plan_id)
    return int(await session.scalar(stmt) or 0)


def tasks(plan_id: uuid.UUID, status: str | None) -> Select[PlanTask]:
    stmt = select(PlanTask).where(PlanTask.plan_id == plan_id)
    if status is not None:
        stmt = stmt.where(PlanTask.status == status)
    return stmt


async def get_task(
    session: AsyncSession, plan_id: uuid.UUID, task_id: uuid.UUID, *, lock: bool = False
) -> PlanTask | None:
    stmt = select(PlanTask).where(PlanTask.id == task_id, PlanTask.plan_id == plan_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def add_comment(session: AsyncSession, comment: PlanTaskComment) -> PlanTaskComment:
    session.add(comment)
    await session.flush()
    return comment


def comments(task_id: uuid.UUID) -> Select[PlanTaskComment]:
    return select(PlanTaskComment).where(PlanTaskComment.task_id == task_id)


def _exported_goal() -> tuple[Any, ...]:
    """Whose plan and what it aims at, as both exports name it."""
    return (
        Plan.enterprise_id,
        Enterprise.uscc,
        Plan.year,
        Plan.goal_kind,
        Plan.goal_level,
        Plan.target_year,
    )


async def stream_tasks(
    session: AsyncSession, updated_since: datetime | None
) -> AsyncIterator[Sequence[Row[Any]]]:
    """Every task with its plan and enterprise, in id order, in batches (the exports)."""
    stmt = (
        select(
            PlanTask.id,
            PlanTask.plan_id,
            *_exported_goal(),
            Plan.status.label("plan_status"),
            PlanTask.title,
            PlanTask.owner,
            PlanTask.due_on,
            PlanTask.status,
            PlanTask.source,
            PlanTask.gap_code,
            PlanTask.done_at,
            PlanTask.version,
            PlanTask.created_at,
            PlanTask.updated_at,
        )
        .join(Plan, Plan.id == PlanTask.plan_id)
        .join(Enterprise, Enterprise.id == Plan.enterprise_id)
        .order_by(PlanTask.id)
    )
    if updated_since is not None:
        stmt = stmt.where(PlanTask.updated_at >= updated_since)
    async for batch in stream_batches(session, stmt):
        yield batch


async def stream_plans(
    session: AsyncSession, updated_since: datetime | None
) -> AsyncIterator[Sequence[Row[Any]]]:
    """Every plan with its enterprise's USCC and its tasks counted by status, in id order, in
    batches (the exports)."""
    counts = (
        select(
            PlanTask.plan_id,
            func.count().label("tasks"),
            func.count().filter(PlanTask.status == TaskStatus.DONE.value).label("done"),
            func.count().filter(PlanTask.status == TaskStatus.DROPPED.value).label("dropped"),
        )
        .group_by(PlanTask.plan_id)
        .subquery()
    )
    stmt = (
        select(
            Plan.id,
            *_exported_goal(),
            Plan.title,
            Plan.status,
            Plan.assessed_year,
            func.coalesce(counts.c.tasks, 0).label("tasks"),
            func.coalesce(counts.c.done, 0).label("done"),
            func.coalesce(counts.c.dropped, 0).label("dropped"),
            Plan.closed_at,
            Plan.version,
            Plan.created_at,
            Plan.updated_at,
        )
        .join(Enterprise, Enterprise.id == Plan.enterprise_id)
        .outerjoin(counts, counts.c.plan_id == Plan.id)
        .order_by(Plan.id)
    )
    if updated_since is not None:
        stmt = stmt.where(Plan.updated_at >= updated_since)
    async for batch in stream_batches(session, stmt):
        yield batch
