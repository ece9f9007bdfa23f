from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from app.pagination import Page
from app.schemas import (
    NON_BLANK,
    CalendarDate,
    CalendarDateTime,
    Named,
    Phone,
    Schema,
    WholeNumber,
    inconsistent,
)
from app.visits.rules import DemandCategory, DemandStatus, VisitChannel, VisitKind

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), NON_BLANK
]
Team = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NON_BLANK
]


class SpecialistCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "user_id": "5d1c1c7e-6f0e-4d0a-9a51-2b7f9c3e8a11",
                    "name": "李专员",
                    "phone": "13899901234",
                    "team": "科技专员服务队一组",
                }
            ]
        }
    }

    user_id: uuid.UUID = Field(description="A user with the role `specialist`")
    name: Name
    phone: Phone | None = None
    team: Team | None = None


class SpecialistRead(Schema):
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    phone: str | None = Field(description="Masked for integrations")
    team: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class SpecialistPage(Page[SpecialistRead]):
    pass


class AssignmentWrite(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "specialist_id": "7a0b7c3e-1f2d-4e5f-8a9b-0c1d2e3f4a5b",
                    "reason": "2026年专员分片调整",
                }
            ]
        }
    }

    specialist_id: uuid.UUID
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    effective_on: CalendarDate | None = Field(default=None, description="Default: today")


class AssignmentRead(Schema):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    specialist_id: uuid.UUID
    assigned_on: date
    ended_on: date | None = Field(description="null while the specialist is responsible")
    reason: str | None
    actor_id: uuid.UUID | None
    created_at: datetime


class AssignmentPage(Page[AssignmentRead]):
    pass


Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NON_BLANK
]
Note = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), NON_BLANK
]
# A rejection's note is kept as the demand's reason (500 characters): every move takes that bound,
# so the document states one length and a long note is refused before anything is stored.
MoveNote = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), NON_BLANK
]


class DemandCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "enterprise_id": "0b7e4a52-6a1f-4f0e-9d8e-1d2c3b4a5f60",
                    "category": "qualification_recognition",
                    "title": "咨询高新技术企业认定研发费用归集口径",
                    "description": "2025年研发费用中委托外部研发部分如何计入",
                }
            ]
        }
    }

    enterprise_id: uuid.UUID
    category: DemandCategory
    title: Title
    description: Note | None = None


# A row of the overdue list at 10:00 Beijing time on 15 June 2026: raised two days before,
# still unanswered 23.5 hours past its due time.
SLA_EXAMPLE: dict[str, Any] = {
    "due_at": "2026-06-14T02:30:00Z",
    "responded_at": None,
    "breached": True,
    "remaining_seconds": -84600,
}
DEMAND_EXAMPLE: dict[str, Any] = {
    "id": "fc45228f-4bd5-41b0-b41b-5669a0729b23",
    "enterprise_id": "017f9ee6-725e-409d-ba05-62d56abd685a",
    "enterprise_name": "新疆华油新材料股份有限公司",
    "specialist_id": "7a0b7c3e-1f2d-4e5f-8a9b-0c1d2e3f4a5b",
    "specialist_name": "李专员",
    "category": "financing",
    "title": "知识产权质押融资对接",
    "description": "拟以两项发明专利质押，申请流动资金贷款500万元",
    "status": "open",
    "raised_by": "5c9dc8b6-4f4e-48e5-885b-d78d396e0d55",
    "raised_by_role": "enterprise",
    "raised_at": "2026-06-13T02:30:00Z",
    "response_due_at": "2026-06-14T02:30:00Z",
    "first_response_at": None,
    "resolved_at": None,
    "rejection_reason": None,
    "sla": SLA_EXAMPLE,
    "created_at": "2026-06-13T02:30:00Z",
    "updated_at": "2026-06-13T02:30:00Z",
}


class Sla(Schema):
    model_config = Schema.model_config | {"json_schema_extra": {"examples": [SLA_EXAMPLE]}}

    due_at: datetime = Field(description="24 hours after the demand was raised")
    responded_at: datetime | None
    breached: bool = Field(description="Answered late, or still unanswered past due")
    remaining_seconds: int | None = Field(
        description="Seconds left to respond (negative when overdue); null once answered"
    )


class DemandRead(Schema):
    model_config = Schema.model_config | {"json_schema_extra": {"examples": [DEMAND_EXAMPLE]}}

    id: uuid.UUID
    enterprise_id: uuid.UUID
    enterprise_name: str
    specialist_id: uuid.UUID | None = Field(description="The responsible specialist when raised")
    specialist_name: str | None
    category: DemandCategory
    title: str
    description: str | None
    status: DemandStatus
    raised_by: uuid.UUID | None
    raised_by_role: str
    raised_at: datetime
    response_due_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    rejection_reason: str | None
    sla: Sla
    created_at: datetime
    updated_at: datetime


class DemandPage(Page[DemandRead]):
    model_config = Page.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "items": [DEMAND_EXAMPLE],
                    "next_cursor": None,
                    "has_more": False,
                    "total": 1,
                    "total_is_estimate": False,
                }
            ]
        }
    }


class DemandTransitionCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {"to_status": "responded", "note": "已电话联系企业，明日上门讲解归集口径"},
                {"to_status": "rejected", "note": "不属于科技部门职责，已转交发改委"},
            ]
        }
    }

    to_status: DemandStatus
    note: MoveNote | None = Field(default=None, description="Required when rejecting: the reason")

    @model_validator(mode="after")
    def _rejection_says_why(self) -> DemandTransitionCreate:
        if self.to_status is DemandStatus.REJECTED and self.note is None:
            raise inconsistent("say why the demand is rejected (note)")
        return self


class DemandActionRead(Schema):
    id: uuid.UUID
    demand_id: uuid.UUID
    from_status: DemandStatus | None
    to_status: DemandStatus
    note: str | None
    actor_id: uuid.UUID | None
    actor_role: str | None
    occurred_at: datetime


class DemandActionPage(Page[DemandActionRead]):
    pass


Item = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NON_BLANK
]


class VisitDemand(Schema):
    category: DemandCategory
    title: Title
    description: Note | None = None


class VisitCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "enterprise_id": "0b7e4a52-6a1f-4f0e-9d8e-1d2c3b4a5f60",
                    "specialist_ids": ["7a0b7c3e-1f2d-4e5f-8a9b-0c1d2e3f4a5b"],
                    "visited_at": "2026-03-18T10:00:00+08:00",
                    "kind": "coverage",
                    "channel": "onsite",
                    "policies_presented": ["9c1e6f0a-2b3d-4e5f-8a7b-6c5d4e3f2a1b"],
                    "resources_linked": ["克拉玛依中试基地"],
                    "notes": "了解2026年研发计划，讲解研发费用加计扣除",
                    "demands": [{"category": "financing", "title": "知识产权质押融资对接"}],
                    "responded_demand_ids": [],
                }
            ]
        }
    }

    enterprise_id: uuid.UUID
    specialist_ids: list[uuid.UUID] = Field(min_length=1, max_length=10)
    visited_at: CalendarDateTime = Field(description="Not in the future")
    kind: VisitKind
    channel: VisitChannel
    policies_presented: list[uuid.UUID] = Field(
        default_factory=list, max_length=50, description="Ids of the policies presented"
    )
    resources_linked: list[Item] = Field(default_factory=list, max_length=50)
    notes: Note | None = None
    demands: list[VisitDemand] = Field(
        default_factory=list, max_length=20, description="Demands the enterprise raised"
    )
    responded_demand_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=20,
        description="Open demands of the enterprise this visit answered",
    )


class VisitRead(Schema):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    enterprise_name: str
    specialist_ids: list[uuid.UUID]
    specialists: list[Named] = Field(description="The specialists who visited, with their names")
    visited_at: datetime
    kind: VisitKind
    channel: VisitChannel
    policies_presented: list[uuid.UUID] = Field(description="Ids of the policies presented")
    resources_linked: list[str]
    notes: str | None
    round: int = Field(description="The coverage round (1-3) the visit falls in")
    demand_ids: list[uuid.UUID] = Field(description="Demands raised during the visit")
    created_at: datetime


class VisitPage(Page[VisitRead]):
    pass


# The dashboard's round so far: the second of three (May to August), a month and a half in.
ROUND_EXAMPLE: dict[str, Any] = {
    "year": 2026,
    "round": 2,
    "starts_on": "2026-05-01",
    "ends_on": "2026-08-31",
    "population": 124,
    "covered": 57,
    "coverage_percent": "45.97",
}


class RoundRead(Schema):
    model_config = Schema.model_config | {"json_schema_extra": {"examples": [ROUND_EXAMPLE]}}

    year: int
    round: int
    starts_on: date
    ends_on: date
    population: int = Field(description="Tech enterprises at the round's start")
    covered: int = Field(description="Of them, visited at least once in the window")
    coverage_percent: Decimal | None


class RoundPage(Page[RoundRead]):
    pass


SPECIALIST_COVERAGE_EXAMPLES: list[dict[str, Any]] = [
    {
        "specialist_id": "7a0b7c3e-1f2d-4e5f-8a9b-0c1d2e3f4a5b",
        "specialist_name": "李专员",
        "population": 41,
        "covered": 40,
        "coverage_percent": "97.56",
    },
    {
        "specialist_id": "d09e0492-4d52-4c61-8bed-ce030297c5e5",
        "specialist_name": "王专员",
        "population": 42,
        "covered": 41,
        "coverage_percent": "97.62",
    },
    {
        "specialist_id": "f3a16071-2456-4e76-aaad-d6b855c6b62b",
        "specialist_name": "赵专员",
        "population": 41,
        "covered": 40,
        "coverage_percent": "97.56",
    },
]


class SpecialistCoverage(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [SPECIALIST_COVERAGE_EXAMPLES[0]]}
    }

    specialist_id: uuid.UUID
    specialist_name: str
    population: int
    covered: int
    coverage_percent: Decimal | None


class RoundCoverageRead(RoundRead):
    # Its own example, not the round's it would inherit: the closed first round, each of the
    # three specialists one enterprise short.
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "year": 2026,
                    "round": 1,
                    "starts_on": "2026-01-01",
                    "ends_on": "2026-04-30",
                    "population": 124,
                    "covered": 121,
                    "coverage_percent": "97.58",
                    "specialists": SPECIALIST_COVERAGE_EXAMPLES,
                    "not_visited": [
                        "05adb3fc-4f63-4127-9a23-bef7be506564",
                        "38f12d92-a28f-47d8-bce4-4e27424458b6",
                        "b6043106-a85f-48b6-9aa8-b2a668d605d4",
                    ],
                    "not_visited_enterprises": [
                        {
                            "id": "05adb3fc-4f63-4127-9a23-bef7be506564",
                            "name": "新疆准噶尔检测技术有限公司",
                        },
                        {
                            "id": "38f12d92-a28f-47d8-bce4-4e27424458b6",
                            "name": "克拉玛依天晟环保科技有限责任公司",
                        },
                        {
                            "id": "b6043106-a85f-48b6-9aa8-b2a668d605d4",
                            "name": "克拉玛依市博达石油装备有限公司",
                        },
                    ],
                }
            ]
        }
    }

    specialists: list[SpecialistCoverage] = Field(
        description="Per responsible specialist (assignments at the round's start)"
    )
    not_visited: list[uuid.UUID] = Field(description="Enterprises not yet visited")
    not_visited_enterprises: list[Named] = Field(
        description="The same enterprises with their names, in the same order"
    )


class RatingCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "visit_id": "3f0d2c1b-4a5e-4f60-8b7a-9c0d1e2f3a4b",
                    "score": 5,
                    "comment": "讲解细致",
                }
            ]
        }
    }

    visit_id: uuid.UUID | None = None
    demand_id: uuid.UUID | None = None
    score: Annotated[int, Field(ge=1, le=5), WholeNumber]
    comment: Note | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> RatingCreate:
        if (self.visit_id is None) == (self.demand_id is None):
            raise inconsistent("rate exactly one of visit_id and demand_id")
        return self


class RatingRead(Schema):
    id: uuid.UUID
    visit_id: uuid.UUID | None
    demand_id: uuid.UUID | None
    enterprise_id: uuid.UUID
    score: int
    comment: str | None
    rated_at: datetime


class RateRead(Schema):
    numerator: int
    denominator: int
    percent: Decimal | None


class SpecialistSatisfaction(Schema):
    specialist_id: uuid.UUID
    ratings: int
    satisfied: int
    rate_percent: Decimal | None


class SatisfactionRead(Schema):
    period_from: date
    period_to: date
    ratings: int
    satisfied: int = Field(description="Ratings of 4 or 5")
    rate_percent: Decimal | None
    specialists: list[SpecialistSatisfaction]


class RoundRate(Schema):
    round: int
    numerator: int = Field(description="Enterprises in the specialist's care visited in the round")
    denominator: int = Field(description="Tech enterprises in the specialist's care at its start")
    percent: Decimal | None


class SpecialistScoresRead(Schema):
    """A specialist's year as the visits measure it (the applications add their coaching)."""

    specialist_id: uuid.UUID
    name: str
    year: int
    position: int | None = Field(description="Place in the team ranking")
    rounds: list[RoundRate]
    coverage_percent: Decimal | None = Field(description="Mean of the rounds' coverage")
    visits: int
    on_time: RateRead = Field(description="Responded within 24 h / responses due in the year")
    resolution: RateRead = Field(description="Resolved or closed / demands raised in the year")
    satisfaction: RateRead = Field(description="Ratings of 4 or 5 / ratings in the year")
    composite: Decimal = Field(
        description="0.3 coverage + 0.3 on-time + 0.2 resolution + 0.2 satisfaction"
    )


class SpecialistScoresPage(Page[SpecialistScoresRead]):
    pass


# What a list may be narrowed by, as the router reads it from the query and the repository
# turns it into SQL.
@dataclass(frozen=True)
class DemandFilter:
    status: str | None = None
    overdue: bool | None = None
    breached: bool | None = None
    specialist_id: uuid.UUID | None = None
    enterprise_id: uuid.UUID | None = None
    category: str | None = None


@dataclass(frozen=True)
class VisitFilter:
    enterprise_id: uuid.UUID | None = None
    specialist_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    kind: str | None = None
