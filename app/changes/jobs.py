"""The change feed's timed work: the nightly prune at 02:30 in the zone's time (after the
alert sweep). Every worker runs it; the prune's own advisory lock lets one prune at a time."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import service
from app.config import Settings
from app.scheduling.daily import DailyJob


async def _prune(session: AsyncSession, settings: Settings, _today: date) -> dict[str, Any]:
    return {"removed": await service.prune(session, settings)}


FEED_PRUNE = DailyJob(
    name="change_feed_prune", label="change feed pruned", at=time(2, 30), work=_prune
)
