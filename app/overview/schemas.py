from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from app.outcomes.schemas import OutcomeStatisticsRead
from app.pools.enums import Pool
from app.pools.schemas import TierCounts
from app.schemas import Schema
from app.visits.schemas import RoundRead


class PoolTiers(Schema):
    pool: Pool
    name: str
    active: int = Field(description="Active members")
    tiers: TierCounts = Field(description="Active members by tier")


class AlertCounts(Schema):
    red: int
    yellow: int
    green: int


class DemandCounts(Schema):
    open: int = Field(description="Not yet resolved, closed or rejected")
    overdue: int = Field(description="Unanswered past the 24-hour due time, now")
    breached: int = Field(
        description="Of the demands raised this year, answered late or unanswered past due"
    )


class SatisfactionFigures(Schema):
    ratings: int
    satisfied: int = Field(description="Ratings of 4 or 5")
    rate_percent: Decimal | None


class OverviewRead(Schema):
    as_of: date = Field(description="Today in the zone's time zone")
    pools: list[PoolTiers]
    alerts: AlertCounts = Field(description="Monitored projects by effective colour")
    coverage: RoundRead = Field(description="The current coverage round so far")
    demands: DemandCounts
    satisfaction: SatisfactionFigures = Field(description="This year so far")
    outcomes: OutcomeStatisticsRead = Field(
        description="This year so far against the previous period of equal length"
    )
