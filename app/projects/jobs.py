"""The projects' timed work: the daily sweep at 01:00 in the zone's time (time alone turns
projects yellow and red), once a day across the cluster."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import AdvisoryLock
from app.projects import service
from app.scheduling.daily import DailyJob


async def _sweep(session: AsyncSession, settings: Settings, today: date) -> dict[str, Any]:
    read = await service.sweep(session, settings, None, today)
    return read.model_dump(mode="json")


ALERT_SWEEP = DailyJob(
    name="alert_sweep",
    label="daily alert sweep",
    at=time(1, 0),
    work=_sweep,
    once_a_day=AdvisoryLock.ALERT_SWEEP,
)
