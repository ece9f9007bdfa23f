"""Jobs every few seconds, in every worker of every replica (the outbox's dispatcher): each
round does what it finds in its own transaction, and the work keeps itself to once (row
locks), so no worker is special and none has to be up for the others to go on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.errors import is_database_down

logger = logging.getLogger(__name__)

# One round: what it did (how many items), and whether it left more for an immediate round.
Round = Callable[[AsyncSession, Settings], Awaitable[tuple[int, bool]]]


@dataclass(frozen=True)
class PeriodicJob:
    name: str  # what the logs say
    every: Callable[[Settings], float]  # seconds between rounds that found nothing more
    work: Round


async def run_round(
    job: PeriodicJob, factory: async_sessionmaker[AsyncSession], settings: Settings
) -> tuple[int, bool]:
    """One round, never raising but for cancellation: a bad round is logged and the next
    one tries again."""
    try:
        async with factory() as session:
            return await job.work(session, settings)
    except Exception as exc:
        if not is_database_down(exc):
            logger.exception("%s failed", job.name)
        return 0, False


async def run_periodically(
    job: PeriodicJob, factory: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    while True:
        _, more = await run_round(job, factory, settings)
        if not more:
            await asyncio.sleep(job.every(settings))
