"""The in-process daily sweep at 01:00 in the zone's time (time alone turns projects yellow
and red). Every replica runs this loop; the advisory lock and the day's run record let only
one of them sweep. A replica also sweeps as it starts, so that a day whose 01:00 passed with
no replica up (a night-time deploy, an outage) is still swept: the run record keeps that to
once a day too, and a day swept early finds its 01:00 run done."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clock
from app.config import Settings
from app.errors import is_database_down
from app.projects import service

logger = logging.getLogger(__name__)

RUN_AT = time(1, 0)


def seconds_until(at: time, now: datetime, settings: Settings) -> float:
    """Seconds from `now` to the next `at` o'clock in the zone's time."""
    local = now.astimezone(settings.zone)
    target = datetime.combine(local.date(), at, settings.zone)
    if target <= local:
        target = datetime.combine(local.date() + timedelta(days=1), at, settings.zone)
    return (target - local).total_seconds()


def seconds_until_next_run(now: datetime, settings: Settings) -> float:
    return seconds_until(RUN_AT, now, settings)


async def sweep_today(factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """The day's run, unless another worker has done it or is doing it; never raises but for
    cancellation (the loop must survive a bad night: the next run tries again)."""
    try:
        async with factory() as session:
            result = await service.daily_sweep(session, settings)
        if result is not None:
            logger.info("daily alert sweep", extra=result.model_dump(mode="json"))
        else:
            # Said once a day per worker: which one swept is then read off the logs.
            logger.info("daily alert sweep done or under way elsewhere")
    except Exception as exc:
        if not is_database_down(exc):
            logger.exception("daily alert sweep failed")


async def run_daily(factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    await sweep_today(factory, settings)
    while True:
        await asyncio.sleep(seconds_until_next_run(clock.now(), settings))
        await sweep_today(factory, settings)
