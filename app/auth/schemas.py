from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.auth.roles import LoginRole, Role, StaffRole
from app.auth.scopes import Scope
from app.pagination import Page
from app.schemas import CalendarDateTime, Email, JsonBool, Schema, Settable, inconsistent

Password = Annotated[str, StringConstraints(min_length=10, max_length=256)]
DisplayName = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class UserCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "email": "li.ming@kmy-hitech.gov.cn",
                    "password": "correct-horse-battery",
                    "role": "specialist",
                    "display_name": "李明",
                }
            ]
        }
    }

    email: Email
    password: Password
    role: LoginRole = Field(description="One of the roles that log in with a password")
    display_name: DisplayName | None = None
    enterprise_id: uuid.UUID | None = Field(
        default=None, description="Required for, and only for, the role `enterprise`"
    )

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @model_validator(mode="after")
    def _enterprise_for_enterprise_role(self) -> UserCreate:
        if (self.role is LoginRole.ENTERPRISE) != (self.enterprise_id is not None):
            raise inconsistent("enterprise_id is required for role enterprise and only for it")
        return self


class UserUpdate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [{"is_active": False}, {"display_name": "王芳"}]}
    }

    display_name: DisplayName | None = Field(default=None, description="`null` clears it")
    password: Settable[Password] = None
    is_active: Settable[JsonBool] = None
    role: Settable[StaffRole] = Field(
        default=None,
        description="Another staff role (`admin`, `manager`, `specialist`); `enterprise` is"
        " fixed at creation",
    )


class UserRead(Schema):
    id: uuid.UUID
    email: str
    role: Role
    display_name: str | None
    enterprise_id: uuid.UUID | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class UserPage(Page[UserRead]):
    pass


class MeRead(Schema):
    kind: str = Field(description="`user` or `api_key`")
    id: uuid.UUID
    role: Role
    email: str | None
    enterprise_id: uuid.UUID | None
    scopes: list[str]


class TokenRequest(Schema):
    """The OAuth2 password grant, as a form (other form fields are ignored, as OAuth2 asks)."""

    model_config = Schema.model_config | {"extra": "ignore"}

    grant_type: Literal["password"] | None = None
    username: Annotated[str, StringConstraints(min_length=1, max_length=254)] = Field(
        description="The user's e-mail"
    )
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    scope: str = ""


class TokenRead(Schema):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int = Field(description="Seconds until the token expires")


class ApiKeyCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "name": "自治区政务数据共享平台",
                    "scopes": ["read:enterprises"],
                    "expires_at": "2027-12-31T16:00:00Z",
                }
            ]
        }
    }

    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    scopes: list[Scope] = Field(
        default_factory=list,
        max_length=32,
        description="What the key may read; a read without its scope answers 403",
    )
    expires_at: CalendarDateTime | None = Field(
        default=None,
        description="When the key stops working (401 `api_key_expired`); null: until revoked",
    )


class ApiKeyRead(Schema):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret, shown only in this answer; send it as a Bearer token")


class ApiKeyPage(Page[ApiKeyRead]):
    pass
