"""Roles and the principal a request acts as."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    SPECIALIST = "specialist"
    ENTERPRISE = "enterprise"
    INTEGRATION = "integration"


class LoginRole(StrEnum):
    """The roles of user accounts, which log in with a password (integrations use API keys)."""

    ADMIN = "admin"
    MANAGER = "manager"
    SPECIALIST = "specialist"
    ENTERPRISE = "enterprise"


class StaffRole(StrEnum):
    """The roles an account may move among: an enterprise user belongs to its enterprise,
    fixed at creation (moving from it is the service's `enterprise_role_fixed`)."""

    ADMIN = "admin"
    MANAGER = "manager"
    SPECIALIST = "specialist"


STAFF = frozenset({Role.ADMIN, Role.MANAGER})


@dataclass(frozen=True)
class Principal:
    kind: Literal["user", "api_key"]
    id: uuid.UUID
    role: Role
    email: str | None = None
    enterprise_id: uuid.UUID | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def masks_personal_data(self) -> bool:
        return self.role is Role.INTEGRATION
