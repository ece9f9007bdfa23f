from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.enterprises import repository as enterprise_repository
from app.outcomes.models import Achievement
from app.outcomes.schemas import AchievementFilter
from app.pagination import Sorts, orders

ACHIEVEMENT_SORTS = Sorts(
    "AchievementSort",
    orders({"achieved_on": Achievement.achieved_on}, Achievement.id, newest_first=True),
)


async def add(session: AsyncSession, achievement: Achievement) -> None:
    session.add(achievement)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    await session.flush()


async def get(session: AsyncSession, achievement_id: uuid.UUID) -> Achievement | None:
    return await session.get(Achievement, achievement_id)


async def delete(session: AsyncSession, achievement: Achievement) -> None:
    await session.delete(achievement)
    await session.flush()


async def of_qualification(session: AsyncSession, qualification_id: uuid.UUID) -> list[Achievement]:
    stmt = select(Achievement).where(Achievement.qualification_id == qualification_id)
    return list(await session.scalars(stmt.with_for_update()))


async def of_project(session: AsyncSession, project_id: uuid.UUID) -> list[Achievement]:
    """A project's approval entries (their reference is the project's id)."""
    stmt = select(Achievement).where(
        Achievement.kind == "project_approved", Achievement.reference == str(project_id)
    )
    return list(await session.scalars(stmt.with_for_update()))


def achievements(where: AchievementFilter) -> Select[Achievement]:
    """What the list shows, filtered (ordered and paged by `PageParams.fetch`)."""
    stmt = select(Achievement)
    if where.kind is not None:
        stmt = stmt.where(Achievement.kind == where.kind)
    if where.enterprise_id is not None:
        stmt = stmt.where(Achievement.enterprise_id == where.enterprise_id)
    if where.level is not None:
        stmt = stmt.where(Achievement.level == where.level)
    if where.achieved_from is not None:
        stmt = stmt.where(Achievement.achieved_on >= where.achieved_from)
    if where.achieved_to is not None:
        stmt = stmt.where(Achievement.achieved_on <= where.achieved_to)
    return stmt


async def count_of(session: AsyncSession, kind: str, since: date, until: date) -> int:
    stmt = select(func.count()).where(
        Achievement.kind == kind, Achievement.achieved_on.between(since, until)
    )
    return int(await session.scalar(stmt) or 0)


async def totals(session: AsyncSession, since: date, until: date) -> list[Any]:
    """(kind, count, sum of amounts) of the entries achieved in [since, until]."""
    stmt = (
        select(Achievement.kind, func.count(), func.coalesce(func.sum(Achievement.amount), 0))
        .where(Achievement.achieved_on >= since, Achievement.achieved_on <= until)
        .group_by(Achievement.kind)
    )
    return list((await session.execute(stmt)).all())


async def grade_counts(session: AsyncSession, since: date, until: date) -> list[Any]:
    """(grade, count) of the competition awards in [since, until]."""
    stmt = (
        select(Achievement.grade, func.count())
        .where(
            Achievement.kind == "competition_award",
            Achievement.achieved_on >= since,
            Achievement.achieved_on <= until,
        )
        .group_by(Achievement.grade)
    )
    return list((await session.execute(stmt)).all())


async def first_records(
    session: AsyncSession, since: date, until: date
) -> list[tuple[Achievement, bool]]:
    """The first entry of each kind, and of each kind at each level, when it lies in
    [since, until] (ties on the day: the smallest id, so the answer is stable); with each,
    whether it is the first at its level (True) or of its kind (False)."""
    firsts: list[tuple[Achievement, bool]] = []
    for partition in ((Achievement.kind,), (Achievement.kind, Achievement.level)):
        ranked = select(
            Achievement.id,
            func.row_number()
            .over(partition_by=partition, order_by=(Achievement.achieved_on, Achievement.id))
            .label("n"),
        )
        if len(partition) == 2:
            ranked = ranked.where(Achievement.level.is_not(None))
        sub = ranked.subquery()
        stmt = (
            select(Achievement)
            .join(sub, sub.c.id == Achievement.id)
            .where(sub.c.n == 1, Achievement.achieved_on.between(since, until))
        )
        firsts += [(row, len(partition) == 2) for row in await session.scalars(stmt)]
    return firsts


def stream_achievements(
    session: AsyncSession, updated_since: datetime | None
) -> AsyncIterator[Sequence[Row[Any]]]:
    """The ledger with each enterprise's USCC, in id order, in batches (the exports)."""
    return enterprise_repository.stream_with_uscc(session, Achievement, updated_since)
