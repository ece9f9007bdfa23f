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


STAFF = frozenset({Role.ADMIN, Role.MANAGER})
ALL_ROLES = frozenset(Role)
USER_ROLES = frozenset(Role) - {Role.INTEGRATION}


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
