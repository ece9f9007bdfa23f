from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from app.enterprises.enums import QualificationKind, TechField
from app.pagination import Page
from app.policies.enums import PolicyCriterion, PolicyLevel
from app.pools.enums import Pool
from app.schemas import NON_BLANK, CalendarDate, Money, Schema, Settable, WholeNumber, inconsistent

Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NON_BLANK
]
Issuer = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NON_BLANK
]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000), NON_BLANK
]


class PolicyCriteria(Schema):
    """Whom the policy is for; an empty list or a null limit asks nothing."""

    # Written and read back in the same shape: one schema for both directions (a client's
    # generated model is one class), its defaults optional in both.
    model_config = Schema.model_config | {"json_schema_serialization_defaults_required": False}

    pools: list[Pool] = Field(
        default_factory=list, max_length=3, description="Active member of any of these pools"
    )
    tech_fields: list[TechField] = Field(
        default_factory=list, max_length=8, description="In any of these high-tech fields"
    )
    max_employees: Annotated[int, Field(ge=0, le=10_000_000), WholeNumber] | None = Field(
        default=None, description="At most this many employees (latest annual report)"
    )
    max_revenue: Money | None = Field(
        default=None, description="At most this operating revenue, yuan (latest annual report)"
    )
    qualification_required: QualificationKind | None = Field(
        default=None, description="Holds this qualification, valid on the day"
    )


EXAMPLE: dict[str, Any] = {
    "title": "克拉玛依高新区支持高新技术企业发展若干措施",
    "issuer": "克拉玛依高新区科技局",
    "level": "district",
    "valid_from": "2025-01-01",
    "valid_to": "2027-12-31",
    "summary": "对首次认定的高新技术企业给予一次性奖励",
    "interpretation": "首次通过认定的企业奖励30万元；培育库内企业优先推荐申报。",
    "criteria": {
        "pools": ["hte"],
        "tech_fields": [],
        "max_employees": 300,
        "max_revenue": None,
        "qualification_required": None,
    },
}


class PolicyCreate(Schema):
    model_config = Schema.model_config | {"json_schema_extra": {"examples": [EXAMPLE]}}

    title: Title
    issuer: Issuer
    level: PolicyLevel
    valid_from: CalendarDate
    valid_to: CalendarDate | None = Field(default=None, description="null: open-ended")
    summary: Text | None = None
    interpretation: Text | None = Field(default=None, description="The bureau's reading (政策解读)")
    criteria: PolicyCriteria = Field(default_factory=PolicyCriteria)

    @model_validator(mode="after")
    def _period(self) -> PolicyCreate:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise inconsistent("valid_to is before valid_from")
        return self


class PolicyUpdate(Schema):
    """Only what is sent changes; the validity is checked as it ends up."""

    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [{"valid_to": "2028-12-31"}]}
    }

    title: Settable[Title] = None
    issuer: Settable[Issuer] = None
    level: Settable[PolicyLevel] = None
    valid_from: Settable[CalendarDate] = None
    valid_to: CalendarDate | None = Field(default=None, description="null: open-ended")
    summary: Text | None = None
    interpretation: Text | None = None
    criteria: Settable[PolicyCriteria] = Field(
        default=None, description="Replaces every criterion; {} asks nothing"
    )


class PolicyRead(Schema):
    id: uuid.UUID
    title: str
    issuer: str
    level: PolicyLevel
    valid_from: date
    valid_to: date | None
    summary: str | None
    interpretation: str | None
    criteria: PolicyCriteria
    created_at: datetime
    updated_at: datetime


class PolicyPage(Page[PolicyRead]):
    pass


class CriterionCheck(Schema):
    criterion: PolicyCriterion
    met: bool
    actual: str | None = Field(description="The enterprise's value; null when unknown")
    required: str
    message: str


class PolicyMatch(Schema):
    policy: PolicyRead
    reasons: list[CriterionCheck] = Field(
        description="Every criterion the policy sets, each met; empty: open to every enterprise"
    )


class PolicyMatchPage(Page[PolicyMatch]):
    pass


class PolicyReachRead(Schema):
    policy_id: uuid.UUID
    as_of: date
    eligible: int = Field(description="Active enterprises that meet the criteria on the day")
    told: int = Field(description="Of them, presented the policy in at least one visit")
    awareness_percent: Decimal | None = Field(description="told / eligible; null when none")


# What a list may be narrowed by, as the router reads it from the query and the repository
# turns it into SQL.
@dataclass(frozen=True)
class PolicyFilter:
    level: str | None = None
    valid_on: date | None = None
    pool: str | None = None
