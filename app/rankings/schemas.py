from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

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


def _score(value: str, percentile: str) -> dict[str, str]:
    return {"value": value, "percentile": percentile}


# Third of the 69 in the high-tech pool's 2025 run, under the default weights: the figures are
# the ones the formula makes of these values (percentile = 100 × members below / 68), so the
# short board is the weakest indicator of the weakest dimension.
INDICATOR_SCORES_EXAMPLE: dict[str, Any] = {
    "rd_intensity": _score("0.084615", "89.705882"),
    "st_staff_ratio": _score("0.318182", "80.882353"),
    "new_ip": _score("4.500000", "92.647059"),
    "achievements": _score("3.000000", "73.529412"),
    "revenue_growth": _score("0.226174", "76.470588"),
    "net_asset_growth": _score("0.183529", "72.058824"),
    "attendance": _score("0.800000", "55.882353"),
    "visits": _score("0.333333", "13.235294"),
    "timely_report": _score("1.000000", "17.647059"),
}
DIMENSION_SCORES_EXAMPLE: dict[str, Any] = {
    "innovation": "86.029412",
    "growth": "74.264706",
    "participation": "31.617647",
}
SHORT_BOARD_EXAMPLE: dict[str, Any] = {
    "dimension": "participation",
    "indicator": "visits",
    "score": "13.235294",
    "value": "0.333333",
    "cohort_median": "0.666667",
}
RANKING_ENTRY_EXAMPLE: dict[str, Any] = {
    "enterprise_id": "48f165d5-7b00-47f4-b81e-f86f5c8cc1ab",
    "uscc": "91650200MA78K3L21D",
    "name": "克拉玛依昆仑数智科技有限公司",
    "position": 3,
    "composite": "71.617647",
    "dimensions": DIMENSION_SCORES_EXAMPLE,
    "indicators": INDICATOR_SCORES_EXAMPLE,
    "incentive": True,
    "short_board": SHORT_BOARD_EXAMPLE,
    "data_incomplete": False,
    "movement": 2,
}


class IndicatorScoreRead(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [INDICATOR_SCORES_EXAMPLE["rd_intensity"]]}
    }

    value: Decimal | None = Field(description="null: missing (counts as the lowest)")
    percentile: Decimal = Field(description="100 × percent_rank within the cohort")


class IndicatorScores(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [INDICATOR_SCORES_EXAMPLE]}
    }

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
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [DIMENSION_SCORES_EXAMPLE]}
    }

    innovation: Decimal
    growth: Decimal
    participation: Decimal


class ShortBoardRead(Schema):
    """The weakest dimension and, within it, the weakest indicator: where to help."""

    model_config = Schema.model_config | {"json_schema_extra": {"examples": [SHORT_BOARD_EXAMPLE]}}

    dimension: Dimension
    indicator: Indicator
    score: Decimal = Field(description="The indicator's percentile")
    value: Decimal | None
    cohort_median: Decimal | None = Field(description="Median of the cohort's present values")


class RankingEntryRead(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [RANKING_ENTRY_EXAMPLE]}
    }

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
    model_config = Page.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "items": [RANKING_ENTRY_EXAMPLE],
                    "next_cursor": "WzNd.zDIQgdPFXiKcnEvC5vKoag",
                    "has_more": True,
                    "total": 69,
                    "total_is_estimate": False,
                }
            ]
        }
    }


class EnterpriseRankingRead(RankingEntryRead):
    # Its own example, not the entry's it would inherit (which lacks the run's fields).
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                RANKING_ENTRY_EXAMPLE
                | {
                    "run_id": "fffc3436-d523-483b-9567-24d0f9507c87",
                    "pool": "hte",
                    "year": 2025,
                    "cohort_size": 69,
                    "published_at": "2026-04-10T08:00:00Z",
                }
            ]
        }
    }

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
