from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEvent
from app.audit.schemas import AuditFilter
from app.pagination import SortKey, Sorts

SORTS = Sorts(
    "AuditSort",
    {
        "-occurred_at": (
            SortKey(AuditEvent.occurred_at, descending=True),
            SortKey(AuditEvent.id, descending=True),
        )
    },
)


def add(session: AsyncSession, event: AuditEvent) -> None:
    session.add(event)


def events(where: AuditFilter) -> Select[AuditEvent]:
    """The events a list shows, filtered (ordered and paged by `PageParams.fetch`)."""
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
    return stmt
