from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints

from app.activities.enums import ActivityKind
from app.pagination import Page
from app.schemas import NON_BLANK, CalendarDate, Schema, Settable

Text200 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NON_BLANK
]
MAX_BATCH = 500
EnterpriseIds = Annotated[list[uuid.UUID], Field(min_length=1, max_length=MAX_BATCH)]


class ActivityCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "kind": "policy_briefing",
                    "title": "2026年高新技术企业认定政策宣讲会",
                    "held_on": "2026-03-18",
                    "organiser": "克拉玛依高新区科技局",
                    "location": "高新区创新创业服务中心",
                }
            ]
        }
    }

    kind: ActivityKind
    title: Text200
    held_on: CalendarDate
    organiser: Text200
    location: Text200 | None = None
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None


class ActivityUpdate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [{"held_on": "2026-03-25", "location": "线上"}]}
    }

    kind: Settable[ActivityKind] = None
    title: Settable[Text200] = None
    held_on: Settable[CalendarDate] = None
    organiser: Settable[Text200] = None
    location: Text200 | None = None
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None


class ActivityRead(Schema):
    id: uuid.UUID
    kind: ActivityKind
    title: str
    held_on: date
    organiser: str
    location: str | None
    description: str | None
    invited: int = Field(description="Enterprises invited")
    attended: int = Field(description="Invited enterprises that attended")
    created_at: datetime
    updated_at: datetime


class ActivityPage(Page[ActivityRead]):
    pass


class InvitationCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [{"enterprise_ids": ["0b7e2f4c-3d1a-4c55-9a0e-6f1b2c3d4e5f"]}]
        }
    }

    enterprise_ids: EnterpriseIds = Field(
        description=f"1 to {MAX_BATCH} enterprises, none of them invited already"
    )


class InvitationRead(Schema):
    activity_id: uuid.UUID
    enterprise_id: uuid.UUID
    uscc: str
    name: str
    attended: bool
    attendance_recorded_at: datetime | None
    created_at: datetime


class InvitationPage(Page[InvitationRead]):
    pass


class InvitationBatchRead(Schema):
    items: list[InvitationRead]


class AttendanceWrite(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [{"attended_enterprise_ids": ["0b7e2f4c-3d1a-4c55-9a0e-6f1b2c3d4e5f"]}]
        }
    }

    attended_enterprise_ids: Annotated[list[uuid.UUID], Field(max_length=10_000)] = Field(
        description="The sign-in sheet: every invited enterprise that attended (the others "
        "did not); each must have been invited"
    )


class AttendanceRead(Schema):
    activity_id: uuid.UUID
    held_on: date
    invited: int
    attended: int
    rate_percent: Decimal | None = Field(description="attended / invited × 100; null if none")
    attended_enterprise_ids: list[uuid.UUID]


# What a list may be narrowed by, as the router reads it from the query and the repository
# turns it into SQL.
@dataclass(frozen=True)
class ActivityFilter:
    kind: str | None = None
    held_from: date | None = None
    held_to: date | None = None
    enterprise_id: uuid.UUID | None = None
