"""What the register tells the domains that build on it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.auth.roles import Principal
from app.events.bus import DomainEvent


@dataclass(frozen=True)
class EnterpriseUpdating(DomainEvent):
    """Asked before an enterprise's record changes: a subscriber may refuse the actor (the
    visits: a specialist changes only the enterprises in their care)."""

    name = "enterprise.updating"
    recorded = False
    actor: Principal
    enterprise_id: uuid.UUID


@dataclass(frozen=True)
class ReportsFiled(DomainEvent):
    """Annual reports were filed or replaced (one by PUT, many by an import)."""

    name = "annual_reports.filed"
    enterprise_ids: tuple[uuid.UUID, ...]
