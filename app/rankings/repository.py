from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import constraint_name, driver_connection, stream_batches
from app.errors import Conflict, ProblemCode
from app.i18n import _
from app.pagination import SortKey, Sorts, after_clause, order_by
from app.rankings.enums import RunStatus
from app.rankings.models import RankingEntry, RankingRun
from app.rankings.schemas import EntryFilter, RunFilter

RUN_ORDER = (
    SortKey(RankingRun.year, descending=True),
    SortKey(RankingRun.created_at, descending=True),
    SortKey(RankingRun.id, descending=True),
)
# Positions are unique within a run: the order is total without a tie-breaker.
ENTRY_SORTS = Sorts("RankingEntrySort", {"position": (SortKey(RankingEntry.position),)})
HISTORY_ORDER = (
    SortKey(RankingRun.year, descending=True),
    SortKey(RankingRun.id, descending=True),
)
ENTRY_COLUMNS = (
    "run_id",
    "position",
    "enterprise_id",
    "uscc",
    "name",
    "composite",
    "innovation",
    "growth",
    "participation",
    "indicators",
    "short_board",
    "short_board_dimension",
    "incentive",
    "data_incomplete",
    "movement",
)


class PublishConflict(Conflict):
    code = ProblemCode.PUBLISH_CONFLICT


async def add_run(session: AsyncSession, run: RankingRun) -> RankingRun:
    session.add(run)
    await session.flush()
    return run


async def copy_entries(session: AsyncSession, records: Sequence[tuple[Any, ...]]) -> None:
    """Store a run's entries with COPY: a cohort of 100k is one round trip, not 100k."""
    driver = await driver_connection(session)
    await driver.copy_records_to_table("ranking_entry", records=records, columns=ENTRY_COLUMNS)


async def get_run(
    session: AsyncSession, run_id: uuid.UUID, *, lock: bool = False
) -> RankingRun | None:
    stmt = select(RankingRun).where(RankingRun.id == run_id)
    if lock:
        # Locked reads see the row as it is now, not as this session first loaded it.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


def runs(where: RunFilter) -> Select[RankingRun]:
    """What the list shows (ordered and paged by `PageParams.fetch` in RUN_ORDER)."""
    stmt = select(RankingRun)
    if where.pool is not None:
        stmt = stmt.where(RankingRun.pool == where.pool)
    if where.year is not None:
        stmt = stmt.where(RankingRun.year == where.year)
    if where.statuses is not None:
        stmt = stmt.where(RankingRun.status.in_(where.statuses))
    return stmt


async def published_run(
    session: AsyncSession, pool: str, year: int, *, lock: bool = False
) -> RankingRun | None:
    stmt = select(RankingRun).where(
        RankingRun.pool == pool,
        RankingRun.year == year,
        RankingRun.status == RunStatus.PUBLISHED,
    )
    if lock:
        # Locked reads see the row as it is now, not as this session first loaded it.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(stmt)


async def latest_published_before(session: AsyncSession, pool: str, year: int) -> RankingRun | None:
    stmt = (
        select(RankingRun)
        .where(
            RankingRun.pool == pool,
            RankingRun.year < year,
            RankingRun.status == RunStatus.PUBLISHED,
        )
        .order_by(RankingRun.year.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def positions(session: AsyncSession, run_id: uuid.UUID) -> dict[uuid.UUID, int]:
    driver = await driver_connection(session)
    rows = await driver.fetch(
        "SELECT enterprise_id, position FROM ranking_entry WHERE run_id = $1", run_id
    )
    return {row[0]: row[1] for row in rows}


async def measure_movement(
    session: AsyncSession, run_id: uuid.UUID, compared_run_id: uuid.UUID | None
) -> None:
    """Set every entry's movement against the compared run (null where absent from it)."""
    await session.execute(
        text(
            """
            UPDATE ranking_entry AS e
            SET movement = (
                SELECT c.position - e.position FROM ranking_entry AS c
                WHERE c.run_id = :compared AND c.enterprise_id = e.enterprise_id
            )
            WHERE e.run_id = :run
            """
        ),
        {"run": run_id, "compared": compared_run_id},
    )


async def publish(session: AsyncSession, run: RankingRun) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        if constraint_name(exc) == "uq_ranking_run_published":
            raise PublishConflict(
                _(
                    "another {pool} {year} run was published at the same time; read the runs again",
                    pool=run.pool,
                    year=run.year,
                )
            ) from exc
        raise


async def flush(session: AsyncSession) -> None:
    await session.flush()


async def delete_run(session: AsyncSession, run: RankingRun) -> None:
    await session.delete(run)
    await session.flush()


def entries(run_id: uuid.UUID, where: EntryFilter) -> Select[RankingEntry]:
    """The run's entries a list shows, filtered (ordered and paged by `PageParams.fetch`)."""
    stmt = select(RankingEntry).where(RankingEntry.run_id == run_id)
    if where.incentive is not None:
        stmt = stmt.where(RankingEntry.incentive.is_(where.incentive))
    if where.data_incomplete is not None:
        stmt = stmt.where(RankingEntry.data_incomplete.is_(where.data_incomplete))
    if where.short_board_dimension is not None:
        stmt = stmt.where(RankingEntry.short_board_dimension == where.short_board_dimension)
    if where.enterprise_id is not None:
        stmt = stmt.where(RankingEntry.enterprise_id == where.enterprise_id)
    return stmt


async def enterprise_history(
    session: AsyncSession, enterprise_id: uuid.UUID, after: tuple[Any, ...] | None, limit: int
) -> list[tuple[RankingEntry, RankingRun]]:
    stmt = (
        select(RankingEntry, RankingRun)
        .join(RankingRun, RankingRun.id == RankingEntry.run_id)
        .where(
            RankingEntry.enterprise_id == enterprise_id,
            RankingRun.status == RunStatus.PUBLISHED,
        )
    )
    if after is not None:
        stmt = stmt.where(after_clause(HISTORY_ORDER, after))
    rows = await session.execute(stmt.order_by(*order_by(HISTORY_ORDER)).limit(limit + 1))
    return [(entry, run) for entry, run in rows]


async def stream_entries_of_record(
    session: AsyncSession, updated_since: datetime | None
) -> AsyncIterator[Sequence[Row[*tuple[Any, ...]]]]:
    """Entries of the published and superseded runs (never drafts), run by run in position
    order, in batches through a server-side cursor; `updated_since` picks the runs published
    or superseded since."""
    stmt = (
        select(
            RankingRun.id.label("run_id"),
            RankingRun.pool,
            RankingRun.year,
            RankingRun.status,
            RankingRun.published_at,
            RankingEntry.position,
            RankingEntry.enterprise_id,
            RankingEntry.uscc,
            RankingEntry.name,
            RankingEntry.composite,
            RankingEntry.innovation,
            RankingEntry.growth,
            RankingEntry.participation,
            RankingEntry.incentive,
            RankingEntry.data_incomplete,
            RankingEntry.short_board_dimension,
            RankingEntry.short_board["indicator"].astext.label("short_board_indicator"),
            RankingEntry.movement,
            RankingRun.updated_at,
        )
        .join(RankingRun, RankingRun.id == RankingEntry.run_id)
        .where(RankingRun.status.in_([RunStatus.PUBLISHED.value, RunStatus.SUPERSEDED.value]))
        .order_by(RankingRun.id, RankingEntry.position)
    )
    if updated_since is not None:
        stmt = stmt.where(RankingRun.updated_at >= updated_since)
    async for batch in stream_batches(session, stmt):
        yield batch
