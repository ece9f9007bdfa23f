from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, TypeAdapter, model_validator

from app.enterprises.enums import Grade
from app.pagination import Page
from app.pools.enums import (
    ConditionReason,
    ExitOutcome,
    MemberStatus,
    Pool,
    Tier,
    TransitionKind,
)
from app.schemas import NON_BLANK, CalendarDate, Money, Schema, SignedMoney, inconsistent

Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), NON_BLANK
]
Scalar = int | Decimal | str | bool | None


class TierCounts(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [{"selected": 18, "cultivating": 35, "mature": 12, "applying": 4}]
        }
    }

    selected: int = 0
    cultivating: int = 0
    mature: int = 0
    applying: int = 0


class StatusCounts(Schema):
    active: int = 0
    certified: int = 0
    withdrawn: int = 0
    disqualified: int = 0


class PoolRead(Schema):
    pool: Pool
    name: str
    tiers: TierCounts = Field(description="Active members by tier")
    statuses: StatusCounts = Field(description="Every membership, past and present, by status")


class PoolPage(Page[PoolRead]):
    pass


class PoolMemberCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "enterprise_id": "0b7e4a52-6a1f-4f0e-9d8e-1d2c3b4a5f60",
                    "tier": "selected",
                    "reason": "2026年第一批优选企业",
                    "effective_on": "2026-03-01",
                }
            ]
        }
    }

    enterprise_id: uuid.UUID | None = Field(default=None, description="For the hte and sme pools")
    project_id: uuid.UUID | None = Field(
        default=None, description="For the project pool: a project in `applying`"
    )
    tier: Tier
    reason: Reason
    effective_on: CalendarDate | None = Field(
        default=None, description="When the entry took effect (default: today); for loading history"
    )

    @model_validator(mode="after")
    def _one_subject(self) -> PoolMemberCreate:
        if (self.enterprise_id is None) == (self.project_id is None):
            raise inconsistent("give exactly one of enterprise_id and project_id")
        return self


POOL_MEMBER_EXAMPLE: dict[str, Any] = {
    "id": "994395a7-74f0-447f-b6f8-7a640701ad82",
    "pool": "hte",
    "enterprise_id": "0b7e4a52-6a1f-4f0e-9d8e-1d2c3b4a5f60",
    "project_id": None,
    "uscc": "91650200MA77XKQ4XB",
    "name": "克拉玛依市正诚有限公司",
    "tier": "cultivating",
    "status": "active",
    "suggested_tier": "mature",
    "assessed_year": 2025,
    "entered_on": "2025-03-01",
    "exited_on": None,
    "created_at": "2025-03-01T03:20:00Z",
    "updated_at": "2026-05-20T06:48:31Z",
}


class PoolMemberRead(Schema):
    model_config = Schema.model_config | {"json_schema_extra": {"examples": [POOL_MEMBER_EXAMPLE]}}

    id: uuid.UUID
    pool: Pool
    enterprise_id: uuid.UUID
    project_id: uuid.UUID | None = Field(description="Members of the project pool are projects")
    uscc: str
    name: str
    tier: Tier
    status: MemberStatus
    suggested_tier: Tier | None = Field(
        description="What the latest assessment advises; staff decide the tier"
    )
    assessed_year: int | None = Field(description="The report year the suggestion comes from")
    entered_on: date
    exited_on: date | None
    created_at: datetime
    updated_at: datetime


class PoolMemberPage(Page[PoolMemberRead]):
    model_config = Page.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "items": [
                        POOL_MEMBER_EXAMPLE,
                        {
                            "id": "a1865506-aadb-4831-9b25-f81fcec1496e",
                            "pool": "hte",
                            "enterprise_id": "48f165d5-7b00-47f4-b81e-f86f5c8cc1ab",
                            "project_id": None,
                            "uscc": "91650200MA78K3L21D",
                            "name": "克拉玛依昆仑数智科技有限公司",
                            "tier": "cultivating",
                            "status": "active",
                            "suggested_tier": "cultivating",
                            "assessed_year": 2025,
                            "entered_on": "2025-03-01",
                            "exited_on": None,
                            "created_at": "2025-03-01T03:20:00Z",
                            "updated_at": "2026-05-20T06:48:31Z",
                        },
                    ],
                    "next_cursor": (
                        "W3siZHQiOiIyMDI1LTAzLTAxVDAzOjIwOjAwKzAwOjAwIn0seyJ1IjoiYTE4NjU1"
                        "MDYtYWFkYi00ODMxLTliMjUtZjgxZmNlYzE0OTZlIn1d.VV0FrguQou1rjOStrnOqFw"
                    ),
                    "has_more": True,
                    "total": 35,
                    "total_is_estimate": False,
                }
            ]
        }
    }


class PoolTransitionCreate(Schema):
    """Either `to_tier` (a tier change) or `exit_outcome` (leaving the pool)."""

    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {"to_tier": "mature", "reason": "研发投入达标，转入成熟一批"},
                {
                    "exit_outcome": "certified",
                    "reason": "通过2026年高新技术企业认定",
                    "certificate_no": "GR202665000123",
                    "issued_on": "2026-11-20",
                },
            ]
        }
    }

    to_tier: Tier | None = None
    exit_outcome: ExitOutcome | None = None
    reason: Reason
    effective_on: CalendarDate | None = Field(default=None, description="Default: today")
    certificate_no: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        default=None, description="For a `certified` exit: the certificate or registration number"
    )
    issued_on: CalendarDate | None = Field(
        default=None, description="For a `certified` exit: the issue date (default: effective_on)"
    )

    @model_validator(mode="after")
    def _one_move(self) -> PoolTransitionCreate:
        if (self.to_tier is None) == (self.exit_outcome is None):
            raise inconsistent("give exactly one of to_tier and exit_outcome")
        certified = self.exit_outcome is ExitOutcome.CERTIFIED
        if not certified and (self.certificate_no is not None or self.issued_on is not None):
            raise inconsistent("certificate_no and issued_on go only with a certified exit")
        return self


class PoolTransitionRead(Schema):
    id: uuid.UUID
    member_id: uuid.UUID
    kind: TransitionKind
    from_tier: Tier | None
    to_tier: Tier | None
    outcome: ExitOutcome | None
    reason: str
    effective_on: date
    actor_id: uuid.UUID | None
    actor_role: str | None
    occurred_at: datetime


class PoolTransitionPage(Page[PoolTransitionRead]):
    pass


class RuleSetRead(Schema):
    name: str
    version: str
    applies_from: int


class PointsRead(Schema):
    min: int
    max: int


class IpInputs(Schema):
    """What the HTE intellectual-property part (知识产权) scores: the experts' grades and the
    counts of the assessed year's report."""

    tech_advancement: Grade | None = Field(description="Expert grade; null: not graded")
    core_support: Grade | None = Field(description="Expert grade; null: not graded")
    ip_class1: int
    ip_class2: int
    ip_class2_used: int = Field(description="Of ip_class2, those already used for a recognition")
    ip_self_developed: bool | None = Field(
        description="false: only transferred IP; null: no IP or not known"
    )
    standards_drafted: int


class TransformationInputs(Schema):
    """What the HTE transformation part (科技成果转化能力) scores: achievements transformed in
    each year of the window, and their yearly average."""

    years: list[int]
    achievements_transformed: list[int]
    average: Decimal | None = Field(description="null: an operating year's report is missing")


class RdOrganisationInputs(Schema):
    """The yes/no answers the HTE R&D organisation part (研究开发组织管理水平) scores; null: an
    item the rule set does not score."""

    rd_accounting: bool | None
    rd_institution: bool | None
    transformation_incentives: bool | None
    talent_programs: bool | None


class GrowthInputs(Schema):
    """What the HTE growth part (企业成长性) scores: net assets and revenue over the window
    (yuan), and the growth rates (null: under three years of data, scored 0)."""

    years: list[int]
    net_assets: list[SignedMoney]
    revenue: list[Money]
    net_asset_growth: Decimal | None
    sales_growth: Decimal | None


class StaffInputs(Schema):
    """What the SME S&T staff part scores (null ratio: no employees reported)."""

    st_staff: int
    employees: int
    ratio: Decimal | None


class SmeRdInputs(Schema):
    """What the SME R&D part scores: R&D expense against revenue and total cost, the better
    of the two bands counting."""

    rd_expense: Money
    revenue: Money
    total_cost: Money
    rd_to_revenue: Decimal | None
    rd_to_total_cost: Decimal | None
    revenue_points: int
    total_cost_points: int


class AchievementsInputs(Schema):
    """What the SME achievements part scores: class I and II IP owned."""

    ip_class1: int
    ip_class2: int


class _PartRead(Schema):
    points: PointsRead
    max_points: int


class IpPart(_PartRead):
    code: Literal["ip"]
    inputs: IpInputs


class TransformationPart(_PartRead):
    code: Literal["transformation"]
    inputs: TransformationInputs


class RdOrganisationPart(_PartRead):
    code: Literal["rd_organisation"]
    inputs: RdOrganisationInputs


class GrowthPart(_PartRead):
    code: Literal["growth"]
    inputs: GrowthInputs


class StaffPart(_PartRead):
    code: Literal["st_staff"]
    inputs: StaffInputs


class SmeRdPart(_PartRead):
    code: Literal["rd"]
    inputs: SmeRdInputs


class AchievementsPart(_PartRead):
    code: Literal["achievements"]
    inputs: AchievementsInputs


# A part of an assessment, told by its `code`: each part says what it scored.
PartRead = Annotated[
    IpPart
    | TransformationPart
    | RdOrganisationPart
    | GrowthPart
    | StaffPart
    | SmeRdPart
    | AchievementsPart,
    Field(discriminator="code"),
]
PART_READ: TypeAdapter[PartRead] = TypeAdapter(PartRead)


class ConditionRead(Schema):
    code: str
    met: bool
    actual: Scalar = Field(description="The measured value; null when the data is missing")
    required: Scalar
    reason: ConditionReason | None = Field(
        description="Why it is unmet when its figures cannot say (report_missing: an "
        "operating year has no annual report); null otherwise"
    )


class GapRead(Schema):
    code: str
    message: str
    needed: int | Decimal | None = Field(
        description="How much is missing: yuan, people, points or years; null when not a quantity"
    )


class AssessmentRead(Schema):
    enterprise_id: uuid.UUID
    year: int
    rule_set: RuleSetRead
    passed: bool
    score: PointsRead
    parts: list[PartRead]
    conditions: list[ConditionRead]
    gaps: list[GapRead]
    suggested_tier: Tier
    apply_on: date = Field(
        description="The application the assessment is for (default: 30 June after the "
        "assessed year); its year chooses the rule set"
    )


# What a list may be narrowed by, as the router reads it from the query and the repository
# turns it into SQL.
@dataclass(frozen=True)
class MemberFilter:
    tier: str | None = None
    status: str | None = None
    suggested_tier: str | None = None
    mismatch: bool | None = None
    enterprise_id: uuid.UUID | None = None
