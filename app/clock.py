"""The zone's calendar: "today" is a date in the configured time zone, never the server's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    return datetime.now(UTC)


def today(zone: ZoneInfo) -> date:
    return now().astimezone(zone).date()
