"""One call for a dashboard: each figure comes from the service of the domain that owns it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.config import Settings
from app.outcomes import service as outcome_service
from app.overview.schemas import (
    AlertCounts,
    DemandCounts,
    OverviewRead,
    PoolTiers,
    SatisfactionFigures,
)
from app.pagination import MAX_LIMIT, PageParams
from app.pools import service as pool_service
from app.projects import service as project_service
from app.visits import service as visit_service


async def overview(session: AsyncSession, settings: Settings) -> OverviewRead:
    today = clock.today(settings.zone)
    pools = await pool_service.list_pools(session, PageParams(limit=MAX_LIMIT, cursor=None))
    alerts = await project_service.alert_counts(session, settings)
    coverage = await visit_service.current_round(session, settings)
    unsettled, overdue, breached = await visit_service.demand_counts(session, settings)
    satisfaction = await visit_service.satisfaction(session, settings, None, None)
    outcomes = await outcome_service.statistics(
        session, outcome_service.period_of(settings, None, None)
    )
    return OverviewRead(
        as_of=today,
        pools=[
            PoolTiers(
                pool=p.pool,
                name=p.name,
                active=p.statuses.active,
                tiers=p.tiers,
            )
            for p in pools.items
        ],
        alerts=AlertCounts(**alerts),
        coverage=coverage,
        demands=DemandCounts(open=unsettled, overdue=overdue, breached=breached),
        satisfaction=SatisfactionFigures(
            ratings=satisfaction.ratings,
            satisfied=satisfaction.satisfied,
            rate_percent=satisfaction.rate_percent,
        ),
        outcomes=outcomes,
    )
