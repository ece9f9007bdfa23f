"""What the applications tell whoever follows them (notifications, webhooks)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from app.auth.roles import Principal
from app.events.bus import DomainEvent


@dataclass(frozen=True)
class ApplicationDecided(DomainEvent):
    """An application was approved or rejected, or its approval withdrawn (`status` is where
    it went: approved, rejected or publicized)."""

    name = "application.decided"
    actor: Principal
    application_id: uuid.UUID
    campaign_id: uuid.UUID
    enterprise_id: uuid.UUID
    kind: str
    status: str
    decided_on: date | None
    achievement_id: uuid.UUID | None
