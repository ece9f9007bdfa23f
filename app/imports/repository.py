from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.imports.enums import ImportStatus
from app.imports.models import ImportJob, ImportRowError
from app.pagination import SortKey, after_clause, order_by

# A running job refreshes its heartbeat at least this often; one silent for longer was
# abandoned (its replica died) and may be taken over.
STALE_AFTER = timedelta(minutes=5)


async def add(session: AsyncSession, job: ImportJob) -> ImportJob:
    session.add(job)
    await session.flush()
    return job


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


async def claim(session: AsyncSession, job_id: uuid.UUID, now: datetime) -> bool:
    """Take the job if it waits or was abandoned; False when another replica runs it."""
    stmt = (
        update(ImportJob)
        .where(
            ImportJob.id == job_id,
            or_(
                ImportJob.status == ImportStatus.PENDING.value,
                (ImportJob.status == ImportStatus.RUNNING.value)
                & (ImportJob.heartbeat_at < now - STALE_AFTER),
            ),
        )
        .values(status=ImportStatus.RUNNING.value, started_at=now, heartbeat_at=now)
        .returning(ImportJob.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def waiting(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    """Jobs nobody is running: pending ones, and running ones whose replica went silent."""
    stmt = select(ImportJob.id).where(
        or_(
            ImportJob.status == ImportStatus.PENDING.value,
            (ImportJob.status == ImportStatus.RUNNING.value)
            & (ImportJob.heartbeat_at < now - STALE_AFTER),
        )
    )
    return list(await session.scalars(stmt.order_by(ImportJob.created_at)))


async def progress(session: AsyncSession, job_id: uuid.UUID, now: datetime, **values: Any) -> None:
    await session.execute(
        update(ImportJob).where(ImportJob.id == job_id).values(heartbeat_at=now, **values)
    )


ADD_ERRORS = text(
    """
    INSERT INTO import_error (id, job_id, line, field, message)
    SELECT gen_random_uuid(), CAST(:job_id AS uuid), r.line, r.field, r.message
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(line int, field text, message text)
    """
)


async def add_errors(
    session: AsyncSession, job_id: uuid.UUID, errors: list[tuple[int, str | None, str]]
) -> None:
    for start in range(0, len(errors), 10_000):
        rows = [
            {"line": line, "field": field[:100] if field else field, "message": message}
            for line, field, message in errors[start : start + 10_000]
        ]
        await session.execute(
            ADD_ERRORS, {"job_id": str(job_id), "rows": json.dumps(rows, ensure_ascii=False)}
        )
