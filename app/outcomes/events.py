"""What the outcomes ledger tells the domains that build on it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from app.auth.roles import Principal
from app.events.bus import DomainEvent


@dataclass(frozen=True)
class AchievementRecorded(DomainEvent):
    """An entry was added to the outcomes ledger."""

    name = "achievement.recorded"
    actor: Principal
    achievement_id: uuid.UUID
    enterprise_id: uuid.UUID
    kind: str
    achieved_on: date


@dataclass(frozen=True)
class AchievementRemoved(DomainEvent):
    """An entry left the outcomes ledger: the approval that brought it was withdrawn."""

    name = "achievement.removed"
    actor: Principal
    achievement_id: uuid.UUID
    enterprise_id: uuid.UUID
    kind: str
