"""What the visits ask of the domains that build on them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.events.bus import DomainEvent


@dataclass(frozen=True)
class PoliciesPresented(DomainEvent):
    """Asked before a visit is stored with the policies it presented: the catalogue refuses
    ids it does not hold."""

    name = "visit.presenting_policies"
    recorded = False
    policy_ids: tuple[uuid.UUID, ...]
