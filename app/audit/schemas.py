from __future__ import annotations

import uuid
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
