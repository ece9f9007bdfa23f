"""Roles and the principal a request acts as."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    Where = TypeVar("Where", bound=DataclassInstance)
else:
    Where = TypeVar("Where")


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


def own_records_only(where: Where, viewer: Principal, field: str = "enterprise_id") -> Where:
    """A list's filter as the viewer may use it: an enterprise user's narrowed to its own
    enterprise (the one rule every list of enterprise-owned records keeps), anyone else's as
    given."""
    if viewer.role is Role.ENTERPRISE:
        return dataclasses.replace(where, **{field: viewer.enterprise_id})
    return where


def may_read(viewer: Principal, enterprise_id: uuid.UUID) -> bool:
    """Whether the viewer may read a record of this enterprise: an enterprise user only its
    own (another's is answered as not existing, 404, never as forbidden); anyone else, any.
    The single-record side of `own_records_only`."""
    return viewer.role is not Role.ENTERPRISE or enterprise_id == viewer.enterprise_id
