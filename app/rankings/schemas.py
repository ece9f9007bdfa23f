from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from app.pagination import Page
from app.pools.enums import Pool
from app.rankings.enums import Dimension, Indicator, RunStatus
from app.schemas import CalendarDate, DecimalText, JsonInt, Schema

# 0 to 1, six places, as a string whose pattern is the whole rule.
Weight = Annotated[Decimal, DecimalText(0, 6, top=True)]


class DimensionWeights(Schema):
    """Must sum to 1."""

    innovation: Weight
    growth: Weight
    participation: Weight


class IndicatorWeights(Schema):
    """Within each dimension, its indicators' weights must sum to 1."""

    rd_intensity: Weight
    st_staff_ratio: Weight
    new_ip: Weight
    achievements: Weight
    revenue_growth: Weight
    net_asset_growth: Weight
    attendance: Weight
    visits: Weight
    timely_report: Weight


class RankingWeights(Schema):
    dimensions: DimensionWeights
    indicators: IndicatorWeights


class RankingWeightsWrite(Schema):
    """Either part may be left out: it keeps DOMAIN.md's default."""

    dimensions: DimensionWeights | None = None
    indicators: IndicatorWeights | None = None


class RankingRunCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {"pool": "hte", "year": 2025},
                {
                    "pool": "hte",
                    "year": 2025,
                    "top_share": "0.20",
                    "weights": {
                        "dimensions": {
                            "innovation": "0.6",
                            "growth": "0.2",
                            "participation": "0.2",
                        },
                        "indicators": {
                            "rd_intensity": "0.35",
                            "st_staff_ratio": "0.15",
                            "new_ip": "0.30",
                            "achievements": "0.20",
                            "revenue_growth": "0.5",
                            "net_asset_growth": "0.5",
                            "attendance": "0.4",
                            "visits": "0.3",
                            "timely_report": "0.3",
                        },
                    },
                },
            ]
        }
    }

    pool: Pool
    year: JsonInt = Field(ge=2000, le=2200, description="A year that has begun")
    weights: RankingWeightsWrite | None = Field(
        default=None, description="Default: DOMAIN.md's (0.5/0.3/0.2 and the indicators')"
    )
    top_share: Annotated[Decimal, DecimalText(0, 4, top=True)] = Field(
        default=Decimal("0.10"),
        description="The share of the cohort marked for policy incentives, ⌈share × n⌉",
    )
    report_deadline: CalendarDate | None = Field(
        default=None, description="When the year's report counts as timely; default 30 June of Y+1"
    )


class DimensionCounts(Schema):
    innovation: int
    growth: int
    participation: int


class RankingRunRead(Schema):
    id: uuid.UUID
    pool: Pool
    year: int
    status: RunStatus
    weights: RankingWeights
    top_share: Decimal
    report_deadline: date
    cohort_on: date = Field(description="The day whose active members form the cohort")
    cohort_size: int
    incentive_count: int
    incomplete_count: int = Field(description="Entries marked data_incomplete")
    short_boards: DimensionCounts = Field(
        description="How many entries have each dimension as their short board"
    )
    compared_run_id: uuid.UUID | None = Field(
        description="The published run `movement` is measured against (the pool's latest "
        "earlier year), null when there is none"
    )
    computed_at: datetime
    published_at: datetime | None
    superseded_at: datetime | None
    created_at: datetime
    updated_at: datetime


class RankingRunPage(Page[RankingRunRead]):
    pass


class IndicatorScoreRead(Schema):
    value: Decimal | None = Field(description="null: missing (counts as the lowest)")
    percentile: Decimal = Field(description="100 × percent_rank within the cohort")


class IndicatorScores(Schema):
    rd_intensity: IndicatorScoreRead
    st_staff_ratio: IndicatorScoreRead
    new_ip: IndicatorScoreRead
    achievements: IndicatorScoreRead
    revenue_growth: IndicatorScoreRead
    net_asset_growth: IndicatorScoreRead
    attendance: IndicatorScoreRead
    visits: IndicatorScoreRead
    timely_report: IndicatorScoreRead


class DimensionScores(Schema):
    innovation: Decimal
    growth: Decimal
    participation: Decimal


class ShortBoardRead(Schema):
    """The weakest dimension and, within it, the weakest indicator: where to help."""

    dimension: Dimension
    indicator: Indicator
    score: Decimal = Field(description="The indicator's percentile")
    value: Decimal | None
    cohort_median: Decimal | None = Field(description="Median of the cohort's present values")


class RankingEntryRead(Schema):
    enterprise_id: uuid.UUID
    uscc: str
    name: str
    position: int
    composite: Decimal
    dimensions: DimensionScores
    indicators: IndicatorScores
    incentive: bool = Field(description="Within the top share: marked for policy incentives")
    short_board: ShortBoardRead
    data_incomplete: bool
    movement: int | None = Field(
        description="Positions gained since the compared run (negative: fell); null when the "
        "enterprise was not in it or there is none"
    )


class RankingEntryPage(Page[RankingEntryRead]):
    pass


class EnterpriseRankingRead(RankingEntryRead):
    run_id: uuid.UUID
    pool: Pool
    year: int
    cohort_size: int
    published_at: datetime


class EnterpriseRankingPage(Page[EnterpriseRankingRead]):
    pass


# What a list may be narrowed by, as the router reads it from the query and the repository
# turns it into SQL.
@dataclass(frozen=True)
class RunFilter:
    pool: str | None = None
    year: int | None = None
    statuses: tuple[str, ...] | None = None


@dataclass(frozen=True)
class EntryFilter:
    incentive: bool | None = None
    data_incomplete: bool | None = None
    short_board_dimension: str | None = None
    enterprise_id: uuid.UUID | None = None
