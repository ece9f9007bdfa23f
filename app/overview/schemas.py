from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import Field

from app.outcomes.schemas import OUTCOME_STATISTICS_EXAMPLE, OutcomeStatisticsRead
from app.pools.enums import Pool
from app.pools.schemas import TierCounts
from app.schemas import Schema
from app.visits.schemas import ROUND_EXAMPLE, RoundRead

POOL_TIERS_EXAMPLES: list[dict[str, Any]] = [
    {
        "pool": "hte",
        "name": "高新技术企业培育库",
        "active": 69,
        "tiers": {"selected": 18, "cultivating": 35, "mature": 12, "applying": 4},
    },
    {
        "pool": "sme",
        "name": "科技型中小企业培育库",
        "active": 55,
        "tiers": {"selected": 24, "cultivating": 13, "mature": 8, "applying": 10},
    },
    {
        "pool": "project",
        "name": "科技项目培育库",
        "active": 5,
        "tiers": {"selected": 0, "cultivating": 0, "mature": 0, "applying": 5},
    },
]
ALERT_COUNTS_EXAMPLE: dict[str, Any] = {"red": 2, "yellow": 1, "green": 17}
DEMAND_COUNTS_EXAMPLE: dict[str, Any] = {"open": 9, "overdue": 1, "breached": 3}
SATISFACTION_EXAMPLE: dict[str, Any] = {"ratings": 112, "satisfied": 109, "rate_percent": "97.32"}


class PoolTiers(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [POOL_TIERS_EXAMPLES[0]]}
    }

    pool: Pool
    name: str
    active: int = Field(description="Active members")
    tiers: TierCounts = Field(description="Active members by tier")


class AlertCounts(Schema):
    model_config = Schema.model_config | {"json_schema_extra": {"examples": [ALERT_COUNTS_EXAMPLE]}}

    red: int
    yellow: int
    green: int


class DemandCounts(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [DEMAND_COUNTS_EXAMPLE]}
    }

    open: int = Field(description="Not yet resolved, closed or rejected")
    overdue: int = Field(description="Unanswered past the 24-hour due time, now")
    breached: int = Field(
        description="Of the demands raised this year, answered late or unanswered past due"
    )


class SatisfactionFigures(Schema):
    model_config = Schema.model_config | {"json_schema_extra": {"examples": [SATISFACTION_EXAMPLE]}}

    ratings: int
    satisfied: int = Field(description="Ratings of 4 or 5")
    rate_percent: Decimal | None


class OverviewRead(Schema):
    # The same day as the other screens' examples (15 June 2026), so the figures agree with
    # them: the round so far, the alert board's counts, the year's outcomes.
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "as_of": "2026-06-15",
                    "pools": [*POOL_TIERS_EXAMPLES],
                    "alerts": ALERT_COUNTS_EXAMPLE,
                    "coverage": ROUND_EXAMPLE,
                    "demands": DEMAND_COUNTS_EXAMPLE,
                    "satisfaction": SATISFACTION_EXAMPLE,
                    "outcomes": OUTCOME_STATISTICS_EXAMPLE,
                }
            ]
        }
    }

    as_of: date = Field(description="Today in the zone's time zone")
    pools: list[PoolTiers]
    alerts: AlertCounts = Field(description="Monitored projects by effective colour")
    coverage: RoundRead = Field(description="The current coverage round so far")
    demands: DemandCounts
    satisfaction: SatisfactionFigures = Field(description="This year so far")
    outcomes: OutcomeStatisticsRead = Field(
        description="This year so far against the previous period of equal length"
    )
