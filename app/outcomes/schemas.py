from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from app.outcomes.enums import AchievementKind, AchievementLevel, unfit
from app.pagination import Page
from app.schemas import NON_BLANK, CalendarDate, Money, Schema, Settable, WholeNumber, inconsistent

Reference = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), NON_BLANK
]
Note = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), NON_BLANK
]
Grade = Annotated[int, Field(ge=1, le=3), WholeNumber]


class AchievementCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "kind": "competition_award",
                    "enterprise_id": "0b7e4a52-6a1f-4f0e-9d8e-1d2c3b4a5f60",
                    "achieved_on": "2025-09-20",
                    "level": "regional",
                    "amount": "500000.00",
                    "grade": 1,
                    "reference": "XJCX-2025-017",
                    "note": "自治区创新创业大赛一等奖",
                },
                {
                    "kind": "hte_certified",
                    "enterprise_id": "0b7e4a52-6a1f-4f0e-9d8e-1d2c3b4a5f60",
                    "achieved_on": "2025-11-30",
                    "level": "national",
                    "reference": "GR202565000123",
                },
            ]
        }
    }

    kind: AchievementKind
    enterprise_id: uuid.UUID
    achieved_on: CalendarDate = Field(description="Not in the future")
    level: AchievementLevel | None = None
    amount: Money | None = Field(
        default=None,
        description="Yuan: required for funding_awarded and ip_pledge_loan; the prize of a "
        "competition_award or the funding of a project_approved; absent for the other kinds",
    )
    grade: Grade | None = Field(
        default=None, description="competition_award only, and required there: 1, 2 or 3"
    )
    reference: Reference | None = Field(default=None, description="Certificate or approval number")
    note: Note | None = None

    @model_validator(mode="after")
    def _fits_the_kind(self) -> AchievementCreate:
        problem = unfit(self.kind, self.amount is not None, self.grade)
        if problem is not None:
            raise inconsistent(problem)
        return self


class AchievementUpdate(Schema):
    """A correction: only what is sent changes (null clears an optional field; the date is never
    cleared). The kind and enterprise are fixed; so are the date and reference of an entry that
    recorded a qualification."""

    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [{"amount": "520000.00", "note": "奖金以拨付为准"}]}
    }

    achieved_on: Settable[CalendarDate] = None
    level: AchievementLevel | None = None
    amount: Money | None = None
    grade: Grade | None = None
    reference: Reference | None = None
    note: Note | None = None


class AchievementRead(Schema):
    id: uuid.UUID
    kind: AchievementKind
    enterprise_id: uuid.UUID
    achieved_on: date
    level: AchievementLevel | None
    amount: Decimal | None
    grade: int | None
    reference: str | None
    note: str | None
    qualification_id: uuid.UUID | None = Field(
        description="The qualification recorded with an hte_certified or sme_registered entry"
    )
    created_at: datetime
    updated_at: datetime


class AchievementPage(Page[AchievementRead]):
    pass


def _kind(
    kind: str,
    count: int,
    amount: str,
    previous_count: int,
    previous_amount: str,
    count_growth: str | None,
    amount_growth: str | None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "count": count,
        "amount": amount,
        "previous_count": previous_count,
        "previous_amount": previous_amount,
        "count_growth_percent": count_growth,
        "amount_growth_percent": amount_growth,
    }


# The year so far (to 15 June 2026) against the 166 days before it: certifications come in
# the autumn, so the first half shows none against the previous period's batch.
KIND_FIGURES_EXAMPLES: list[dict[str, Any]] = [
    _kind("hte_certified", 0, "0.00", 14, "0.00", "-100.0000", None),
    _kind("sme_registered", 21, "0.00", 12, "0.00", "75.0000", None),
    _kind("little_giant", 2, "0.00", 0, "0.00", None, None),
    _kind("srdi_little_giant", 1, "0.00", 1, "0.00", "0.0000", None),
    _kind("project_approved", 3, "1800000.00", 2, "750000.00", "50.0000", "140.0000"),
    _kind("funding_awarded", 4, "5700000.00", 1, "6680000.00", "300.0000", "-14.6707"),
    _kind("competition_award", 1, "200000.00", 4, "1200000.00", "-75.0000", "-83.3333"),
    _kind("first_of_kind_product", 1, "0.00", 0, "0.00", None, None),
    _kind("ip_pledge_loan", 2, "8000000.00", 1, "3000000.00", "100.0000", "166.6667"),
]
GRADE_FIGURES_EXAMPLES: list[dict[str, Any]] = [
    {"grade": 1, "count": 0, "previous_count": 1},
    {"grade": 2, "count": 1, "previous_count": 1},
    {"grade": 3, "count": 0, "previous_count": 2},
]
FIRST_RECORD_EXAMPLES: list[dict[str, Any]] = [
    {
        "kind": "srdi_little_giant",
        "level": "national",
        "achievement_id": "1600314a-c9ae-49cf-ab97-8d7d421bb123",
        "enterprise_id": "48f165d5-7b00-47f4-b81e-f86f5c8cc1ab",
        "enterprise_name": "克拉玛依昆仑数智科技有限公司",
        "achieved_on": "2026-05-12",
    },
    {
        "kind": "first_of_kind_product",
        "level": None,
        "achievement_id": "900977a9-f2c9-4386-ac19-9bd3a49d1ce2",
        "enterprise_id": "b6043106-a85f-48b6-9aa8-b2a668d605d4",
        "enterprise_name": "克拉玛依市正诚有限公司",
        "achieved_on": "2026-04-20",
    },
]
OUTCOME_STATISTICS_EXAMPLE: dict[str, Any] = {
    "period_from": "2026-01-01",
    "period_to": "2026-06-15",
    "previous_from": "2025-07-19",
    "previous_to": "2025-12-31",
    "kinds": KIND_FIGURES_EXAMPLES,
    "award_grades": GRADE_FIGURES_EXAMPLES,
    "firsts": FIRST_RECORD_EXAMPLES,
}


class KindFigures(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [KIND_FIGURES_EXAMPLES[5]]}
    }

    kind: AchievementKind
    count: int
    amount: Decimal = Field(description="Sum of the amounts in the period, yuan")
    previous_count: int
    previous_amount: Decimal
    count_growth_percent: Decimal | None = Field(
        description="100 × (count − previous) / previous, four places; null when previous is 0"
    )
    amount_growth_percent: Decimal | None = Field(
        description="The same for the amounts; null when the previous amount is 0"
    )


class GradeFigures(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [GRADE_FIGURES_EXAMPLES[1]]}
    }

    grade: int
    count: int
    previous_count: int


class FirstRecord(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [FIRST_RECORD_EXAMPLES[0]]}
    }

    kind: AchievementKind
    level: AchievementLevel | None = Field(
        description="null: the zone's first of the kind at any level; else its first at this level"
    )
    achievement_id: uuid.UUID
    enterprise_id: uuid.UUID
    enterprise_name: str
    achieved_on: date


class OutcomeStatisticsRead(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [OUTCOME_STATISTICS_EXAMPLE]}
    }

    period_from: date
    period_to: date
    previous_from: date
    previous_to: date
    kinds: list[KindFigures] = Field(description="Every kind, in the ledger's order")
    award_grades: list[GradeFigures] = Field(description="competition_award counts by grade")
    firsts: list[FirstRecord] = Field(
        description="Kinds (and kind-levels) whose first record in the zone is in the period"
    )


# What a list may be narrowed by, as the router reads it from the query and the repository
# turns it into SQL.
@dataclass(frozen=True)
class AchievementFilter:
    kind: str | None = None
    enterprise_id: uuid.UUID | None = None
    level: str | None = None
    achieved_from: date | None = None
    achieved_to: date | None = None
