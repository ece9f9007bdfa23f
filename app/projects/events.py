"""What the projects tell the domains that build on them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from app.auth.roles import Principal
from app.events.bus import DomainEvent


@dataclass(frozen=True)
class ProjectDecided(DomainEvent):
    """A project left `applying`: approved, or another way out (its status says which)."""

    name = "project.decided"
    actor: Principal
    project_id: uuid.UUID
    approved: bool
    status: str
    decided_on: date


@dataclass(frozen=True)
class ProjectApprovalRevoked(DomainEvent):
    """A project's approval was withdrawn: it is `applying` again."""

    name = "project.approval_revoked"
    actor: Principal
    project_id: uuid.UUID
    reason: str
    revoked_on: date
