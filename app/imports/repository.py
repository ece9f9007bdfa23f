from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from app.i18n import EN, Sentence
from app.imports.enums import ImportStatus
from app.imports.models import ImportJob, ImportRowError
from app.imports.schemas import ImportJobFilter
from app.pagination import SortKey, Sorts, after_clause, order_by, orders
from app.scheduling.leases import Leases


async def add(session: AsyncSession, job: ImportJob) -> ImportJob:
    session.add(job)
    await session.flush()
    return job


# The newest first; the uploads themselves stay in the database (deferred).
JOB_SORTS = Sorts(
    "ImportJobSort", orders({"created_at": ImportJob.created_at}, ImportJob.id, newest_first=True)
)


def jobs(where: ImportJobFilter) -> Select[ImportJob]:
    """The jobs the list shows, filtered (ordered and paged by `PageParams.fetch`)."""
    stmt = select(ImportJob).options(defer(ImportJob.payload))
    if where.kind is not None:
        stmt = stmt.where(ImportJob.kind == where.kind)
    if where.status is not None:
        stmt = stmt.where(ImportJob.status == where.status)
    return stmt


async def get(session: AsyncSession, job_id: uuid.UUID) -> ImportJob | None:
    return await session.get(ImportJob, job_id, populate_existing=True)


ERROR_ORDER = (SortKey(ImportRowError.line), SortKey(ImportRowError.id))


async def errors_of(
    session: AsyncSession,
    job_id: uuid.UUID,
    limit: int,
    after: tuple[Any, ...] | None = None,
) -> list[ImportRowError]:
    """The job's rejected rows in line order, after a keyset position."""
    stmt = select(ImportRowError).where(ImportRowError.job_id == job_id)
    if after is not None:
        stmt = stmt.where(after_clause(ERROR_ORDER, after))
    return list(await session.scalars(stmt.order_by(*order_by(ERROR_ORDER)).limit(limit)))


# Import jobs are claimed by one run at a time, taken over when their runner goes silent.
LEASES = Leases(ImportJob, ImportJob.status, ImportStatus.PENDING, ImportStatus.RUNNING)


async def free_jobs(session: AsyncSession, stale_seconds: float, limit: int) -> list[uuid.UUID]:
    """Jobs nobody runs, oldest first: pending ones, and running ones whose runner went silent."""
    return await LEASES.free_rows(session, stale_seconds, limit, ImportJob.created_at)


async def rejected_rows(session: AsyncSession, job_id: uuid.UUID) -> int:
    stmt = select(func.count(ImportRowError.line.distinct())).where(ImportRowError.job_id == job_id)
    return int(await session.scalar(stmt) or 0)


ADD_ERRORS = text(
    """
    INSERT INTO import_error (id, job_id, line, field, message, sentence)
    SELECT CAST(r.id AS uuid), CAST(:job_id AS uuid), r.line, r.field, r.message, r.sentence
    FROM jsonb_to_recordset(CAST(:rows AS jsonb))
        AS r(id text, line int, field text, message text, sentence jsonb)
    """
)


def error_id(job_id: uuid.UUID, index: int) -> uuid.UUID:
    """The id of the job's `index`-th error: the job's id with the index in its last 32 bits,
    so that the errors of one line read back in the order they were found (the list is by
    line, then id), the same on every run; the 90 random bits kept keep jobs apart."""
    return uuid.UUID(int=(job_id.int >> 32 << 32) | index)


async def add_errors(
    session: AsyncSession, job_id: uuid.UUID, errors: list[tuple[int, str | None, Sentence]]
) -> None:
    """The errors, each in English (for whoever reads the table) and as the sentence a reader
    gets in their language."""
    for start in range(0, len(errors), 10_000):
        rows = [
            {
                "id": str(error_id(job_id, start + index)),
                "line": line,
                "field": field[:100] if field else field,
                "message": message.render(EN),
                "sentence": message.to_json(),
            }
            for index, (line, field, message) in enumerate(errors[start : start + 10_000])
        ]
        await session.execute(
            ADD_ERRORS, {"job_id": str(job_id), "rows": json.dumps(rows, ensure_ascii=False)}
        )
