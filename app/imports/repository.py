from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.imports.enums import ImportStatus
from app.imports.models import ImportJob, ImportRowError
from app.pagination import SortKey, after_clause, order_by


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


def _free(stale_seconds: float) -> ColumnElement[bool]:
    """Nobody runs the job: it waits, or its runner's heartbeat went silent (by the
    database's clock, the one every replica shares)."""
    silent = or_(
        ImportJob.heartbeat_at.is_(None),
        ImportJob.heartbeat_at < func.now() - timedelta(seconds=stale_seconds),
    )
    return or_(
        ImportJob.status == ImportStatus.PENDING.value,
        (ImportJob.status == ImportStatus.RUNNING.value) & silent,
    )


def _held(job_id: uuid.UUID, claim_id: uuid.UUID) -> ColumnElement[bool]:
    """The run `claim_id` still holds the job (it was not taken over, nor ended)."""
    return (
        (ImportJob.id == job_id)
        & (ImportJob.claim_id == claim_id)
        & (ImportJob.status == ImportStatus.RUNNING.value)
    )


@dataclass(frozen=True)
class Claim:
    attempt: int  # 1 for the job's first run
    last_error: str | None  # why the run before stopped, if one did


async def claim(
    session: AsyncSession, job_id: uuid.UUID, claim_id: uuid.UUID, stale_seconds: float
) -> Claim | None:
    """Take the job if it is free, as run `claim_id` (one conditional UPDATE: of replicas
    racing for it one wins); None when another run holds it or it has ended."""
    stmt = (
        update(ImportJob)
        .where(ImportJob.id == job_id, _free(stale_seconds))
        .values(
            status=ImportStatus.RUNNING.value,
            claim_id=claim_id,
            attempts=ImportJob.attempts + 1,
            # A running job is free only when its runner went silent: say so, should this
            # be the job's last attempt.
            last_error=case(
                (
                    ImportJob.status == ImportStatus.RUNNING.value,
                    literal(f"its replica stopped (no heartbeat for {stale_seconds:g} s)"),
                ),
                else_=ImportJob.last_error,
            ),
            started_at=func.now(),
            heartbeat_at=func.now(),
        )
        .returning(ImportJob.attempts, ImportJob.last_error)
    )
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else Claim(row.attempts, row.last_error)


async def free_jobs(session: AsyncSession, stale_seconds: float, limit: int) -> list[uuid.UUID]:
    """Jobs nobody runs, oldest first: pending ones, and running ones whose runner went silent."""
    stmt = select(ImportJob.id).where(_free(stale_seconds))
    return list(await session.scalars(stmt.order_by(ImportJob.created_at).limit(limit)))


async def progress(
    session: AsyncSession, job_id: uuid.UUID, claim_id: uuid.UUID, **values: Any
) -> bool:
    """Heartbeat (and progress counters) of the run; False when it no longer holds the job."""
    stmt = (
        update(ImportJob)
        .where(_held(job_id, claim_id))
        .values(heartbeat_at=func.now(), **values)
        .returning(ImportJob.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def hand_back(
    session: AsyncSession,
    job_id: uuid.UUID,
    claim_id: uuid.UUID,
    *,
    error: str | None,
) -> bool:
    """Release the job for the next run at once: after a failure (`error`, the run counted),
    or at shutdown (no error: the run is not counted). False when the run no longer held it."""
    values: dict[str, Any] = {
        "status": ImportStatus.PENDING.value,
        "claim_id": None,
        "heartbeat_at": None,
    }
    if error is None:
        values["attempts"] = ImportJob.attempts - 1
    else:
        values["last_error"] = error
    stmt = update(ImportJob).where(_held(job_id, claim_id)).values(**values)
    return (await session.execute(stmt.returning(ImportJob.id))).scalar_one_or_none() is not None


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
