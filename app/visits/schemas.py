from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from app.pagination import Page
from app.schemas import CalendarDate, Schema

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Team = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


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
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None
    team: Team | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not PHONE.match(value):
            raise ValueError("a mobile number (13899901234) or a landline (0990-6881234)")
        return value


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
