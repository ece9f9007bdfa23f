"""The outbox's dispatcher: every worker of every replica polls it; each round locks a batch
of the oldest undispatched messages (rows another dispatcher holds are skipped), hands each
to the consumers of its event (`bus.later`) in a savepoint of its own, and commits. A
consumer that fails rolls back only its message's work: the message is tried again next
round, and set aside with its error after `outbox_max_attempts`. A dispatcher that dies
mid-round commits nothing and lets go of its locks, so another one takes the batch: a message
reaches its consumers at least once, never zero times."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import AdvisoryLock
from app.events import repository
from app.events.bus import LaterHandler, later_consumers
from app.modelkit import utcnow
from app.scheduling.daily import DailyJob
from app.scheduling.periodic import PeriodicJob

logger = logging.getLogger(__name__)

BATCH = 100


async def dispatch_round(
    session: AsyncSession,
    settings: Settings,
    consumers: Mapping[str, Sequence[LaterHandler]] | None = None,
) -> tuple[int, bool]:
    """One round: (messages dispatched or set aside, whether a full batch suggests more)."""
    consumers = later_consumers() if consumers is None else consumers
    messages = await repository.undispatched(session, BATCH)
    done = 0
    for message in messages:
        try:
            async with session.begin_nested():
                for consume in consumers.get(message.name, ()):
                    await consume(session, message)
        except Exception as exc:
            message.attempts += 1
            message.last_error = f"{exc.__class__.__name__}: {exc}"[:1000]
            if message.attempts >= settings.outbox_max_attempts:
                message.dispatched_at = utcnow()
                done += 1
                logger.error(
                    "outbox message %s (%s) set aside after %s attempts",
                    message.id,
                    message.name,
                    message.attempts,
                    exc_info=exc,
                )
            else:
                logger.warning("outbox message %s (%s) failed: %r", message.id, message.name, exc)
            continue
        message.dispatched_at = utcnow()
        done += 1
    await session.commit()
    return done, len(messages) == BATCH


async def _dispatch(session: AsyncSession, settings: Settings) -> tuple[int, bool]:
    return await dispatch_round(session, settings)


DISPATCHER = PeriodicJob(
    name="outbox dispatcher",
    every=lambda settings: settings.outbox_dispatch_seconds,
    work=_dispatch,
)


async def _prune(session: AsyncSession, settings: Settings, _today: date) -> dict[str, Any]:
    removed = await repository.prune(session, settings.outbox_retention_days)
    await session.commit()
    return {"removed": removed}


OUTBOX_PRUNE = DailyJob(
    name="outbox_prune",
    label="outbox pruned",
    at=time(2, 45),
    work=_prune,
    once_a_day=AdvisoryLock.OUTBOX_PRUNE,
)
