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
