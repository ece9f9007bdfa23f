from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from app.outcomes.enums import AchievementKind, AchievementLevel, unfit
from app.pagination import Page
from app.schemas import CalendarDate, Money, Schema, Settable, WholeNumber, inconsistent

Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
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


class KindFigures(Schema):
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
    grade: int
    count: int
    previous_count: int


class FirstRecord(Schema):
    kind: AchievementKind
    level: AchievementLevel | None = Field(
        description="null: the zone's first of the kind at any level; else its first at this level"
    )
    achievement_id: uuid.UUID
    enterprise_id: uuid.UUID
    achieved_on: date


class OutcomeStatisticsRead(Schema):
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
