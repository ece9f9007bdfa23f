"""What the pools tell the domains that build on them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from app.auth.roles import Principal
from app.events.bus import DomainEvent


@dataclass(frozen=True)
class MemberExited(DomainEvent):
    """A member left its pool: certified, withdrawn or disqualified (`outcome`)."""

    name = "pool_member.exited"
    actor: Principal
    member_id: uuid.UUID
    pool: str
    enterprise_id: uuid.UUID
    outcome: str
    effective_on: date


@dataclass(frozen=True)
class QualificationGranted(DomainEvent):
    """A high-tech or SME qualification was granted (`source`: `pool_exit` for a certified
    exit, `achievement` when the outcomes ledger recorded it first)."""

    name = "qualification.granted"
    actor: Principal
    qualification_id: uuid.UUID
    enterprise_id: uuid.UUID
    kind: str
    reference: str | None
    issued_on: date
    source: str


@dataclass(frozen=True)
class QualificationRevoked(DomainEvent):
    """A granted qualification was taken back: the approval that brought it was withdrawn."""

    name = "qualification.revoked"
    actor: Principal
    qualification_id: uuid.UUID
    enterprise_id: uuid.UUID
    kind: str
