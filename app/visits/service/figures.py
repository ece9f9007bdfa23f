"""What other domains read of the visits: counts, who was told of a policy, the current
round, the exports' streams."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.config import Settings
from app.visits import repository, rules
from app.visits.schemas import (
    RoundRead,
)
from app.visits.service.visits import round_read


async def visits_in_year(
    session: AsyncSession, settings: Settings, enterprise_ids: Sequence[uuid.UUID], year: int
) -> dict[uuid.UUID, int]:
    """For the ranking: visits per enterprise in the calendar year (the zone's calendar);
    enterprises with none are absent."""
    zone = settings.zone
    since = datetime.combine(date(year, 1, 1), time.min, zone)
    until = datetime.combine(date(year + 1, 1, 1), time.min, zone)
    return await repository.visit_counts(session, enterprise_ids, since, until)


async def enterprises_told(session: AsyncSession, policy_id: uuid.UUID) -> set[uuid.UUID]:
    """For policy awareness: the enterprises a visit presented the policy to."""
    return await repository.enterprises_told(session, policy_id)


async def current_round(session: AsyncSession, settings: Settings) -> RoundRead:
    """The coverage round today falls in, as covered so far."""
    round_ = rules.round_of(clock.now(), settings.zone, settings.round_windows)
    return (await round_read(session, settings, round_))[0]


async def demand_counts(session: AsyncSession, settings: Settings) -> tuple[int, int, int]:
    """(unsettled, overdue now, breached among those raised this year) for dashboards."""
    now = clock.now()
    zone = settings.zone
    year_start = datetime.combine(date(now.astimezone(zone).year, 1, 1), time.min, zone)
    return await repository.demand_counts(session, now, year_start)


def stream_visits(
    session: AsyncSession, settings: Settings, updated_since: datetime | None
) -> AsyncIterator[Sequence[Any]]:
    """For the exports: every visit."""
    return repository.stream_visits(session, updated_since)


def stream_demands(
    session: AsyncSession, settings: Settings, updated_since: datetime | None
) -> AsyncIterator[Sequence[Any]]:
    """For the exports: every demand."""
    return repository.stream_demands(session, updated_since)
