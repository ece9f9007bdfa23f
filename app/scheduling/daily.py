"""Jobs at a time of the zone's day. Every worker of every replica runs each job's loop; a
job that must happen once a day takes an advisory lock and claims the day's run record in
the transaction that does the work, so exactly one worker does it and the others find it
taken or done. Such a job also runs as a worker starts, so that a day whose hour passed
with no replica up (a night-time deploy, an outage) is not skipped."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clock
from app.config import Settings
from app.db import AdvisoryLock, try_advisory_lock
from app.errors import is_database_down
from app.scheduling import repository

logger = logging.getLogger(__name__)

# The work: it commits what it did and says what to log, or None when it did nothing.
Work = Callable[[AsyncSession, Settings, date], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class DailyJob:
    name: str  # the day's run record's key
    label: str  # what the logs say when it ran
    at: time  # in the zone's time
    work: Work
    # Once a day across the cluster: the lock and the day's record, and a run at start-up.
    # Without it every worker runs the job at its hour (the work keeps itself safe).
    once_a_day: AdvisoryLock | None = None


def seconds_until(at: time, now: datetime, settings: Settings) -> float:
    """Seconds from `now` to the next `at` o'clock in the zone's time."""
    local = now.astimezone(settings.zone)
    target = datetime.combine(local.date(), at, settings.zone)
    if target <= local:
        target = datetime.combine(local.date() + timedelta(days=1), at, settings.zone)
    return (target - local).total_seconds()


async def run_today(
    job: DailyJob, session: AsyncSession, settings: Settings
) -> dict[str, Any] | None:
    """The job's run for today in `session`, unless another worker has it (None)."""
    today = clock.today(settings.zone)
    if job.once_a_day is not None:
        if not await try_advisory_lock(session, job.once_a_day):
            return None
        if not await repository.claim_run(session, job.name, today):
            await session.rollback()
            return None
    return await job.work(session, settings, today)


async def _run_logged(
    job: DailyJob, factory: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    """Never raises but for cancellation: the loop must survive a bad night, and the next
    run tries again."""
    try:
        async with factory() as session:
            result = await run_today(job, session, settings)
        if result is not None:
            logger.info(job.label, extra=result)
        elif job.once_a_day is not None:
            # Said once a day per worker: which one ran it is then read off the logs.
            logger.info(f"{job.label} done or under way elsewhere")
    except Exception as exc:
        if not is_database_down(exc):
            logger.exception(f"{job.label} failed")


async def run_daily(
    job: DailyJob, factory: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    if job.once_a_day is not None:
        await _run_logged(job, factory, settings)
    while True:
        await asyncio.sleep(seconds_until(job.at, clock.now(), settings))
        await _run_logged(job, factory, settings)
