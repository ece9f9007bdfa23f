from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.pagination import Page
from app.schemas import Schema


class AuditEventRead(Schema):
    id: uuid.UUID
    occurred_at: datetime
    actor_kind: str
    actor_id: uuid.UUID | None
    actor_role: str | None
    action: str
    resource_type: str
    resource_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None


class AuditEventPage(Page[AuditEventRead]):
    pass


# What a list may be narrowed by, as the router reads it from the query and the repository
# turns it into SQL.
@dataclass(frozen=True)
class AuditFilter:
    resource_type: str | None = None
    resource_id: str | None = None
    actor_id: uuid.UUID | None = None
    action: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
