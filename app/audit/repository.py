from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.pagination import SortKey, after_clause, order_by

ORDER = (SortKey(AuditEvent.occurred_at, descending=True), SortKey(AuditEvent.id, descending=True))


@dataclass(frozen=True)
class AuditFilter:
    resource_type: str | None = None
    resource_id: str | None = None
    actor_id: uuid.UUID | None = None
    action: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None


def add(session: AsyncSession, event: AuditEvent) -> None:
    session.add(event)


async def list_events(
    session: AsyncSession, where: AuditFilter, after: tuple[Any, ...] | None, limit: int
) -> list[AuditEvent]:
    stmt = select(AuditEvent)
    if where.resource_type is not None:
        stmt = stmt.where(AuditEvent.resource_type == where.resource_type)
    if where.resource_id is not None:
        stmt = stmt.where(AuditEvent.resource_id == where.resource_id)
    if where.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == where.actor_id)
    if where.action is not None:
        stmt = stmt.where(AuditEvent.action == where.action)
    if where.occurred_from is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= where.occurred_from)
    if where.occurred_to is not None:
        stmt = stmt.where(AuditEvent.occurred_at < where.occurred_to)
    if after is not None:
        stmt = stmt.where(after_clause(ORDER, after))
    result = await session.scalars(stmt.order_by(*order_by(ORDER)).limit(limit + 1))
    return list(result)
