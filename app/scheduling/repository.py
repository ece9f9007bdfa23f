from __future__ import annotations

from datetime import date

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.scheduling.models import ScheduledRun


async def claim_run(session: AsyncSession, job: str, run_on: date) -> bool:
    """Take the job's day; False when another worker took it (committed or not yet)."""
    stmt = (
        pg_insert(ScheduledRun)
        .values(job=job, run_on=run_on)
        .on_conflict_do_nothing()
        .returning(ScheduledRun.job)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None
