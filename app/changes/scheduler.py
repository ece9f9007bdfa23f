"""The nightly prune of the change feed, at 02:30 in the zone's time (after the alert sweep).
Every replica runs this loop; an advisory lock lets one prune at a time."""

from __future__ import annotations

import asyncio
import logging
from datetime import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clock
from app.changes import service
from app.config import Settings
from app.errors import is_database_down
from app.projects.scheduler import seconds_until

logger = logging.getLogger(__name__)

RUN_AT = time(2, 30)


async def run_nightly(factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    while True:
        await asyncio.sleep(seconds_until(RUN_AT, clock.now(), settings))
        try:
            async with factory() as session:
                removed = await service.prune(session, settings)
            logger.info("change feed pruned", extra={"removed": removed})
        except Exception as exc:
            # The loop must survive a bad night; tomorrow's run tries again.
            if not is_database_down(exc):
                logger.exception("change feed prune failed")
