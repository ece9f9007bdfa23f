"""Every write leaves an audit event in the same transaction as the write itself."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import repository
from app.audit.models import AuditEvent
from app.audit.schemas import AuditEventPage, AuditEventRead, AuditFilter
from app.modelkit import utcnow
from app.ops.context import request_id_var
from app.pagination import PageParams


class Actor(Protocol):
    """Who acts, as the trail records it (auth's Principal is one; the trail sits below auth,
    which records its own changes here)."""

    @property
    def kind(self) -> str: ...

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def role(self) -> StrEnum: ...


def snapshot(model: BaseModel | None) -> dict[str, Any] | None:
    return None if model is None else model.model_dump(mode="json")


def record(
    session: AsyncSession,
    actor: Actor | None,
    action: str,
    resource_type: str,
    resource_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    repository.add(
        session,
        AuditEvent(
            occurred_at=utcnow(),
            actor_kind=actor.kind if actor else "system",
            actor_id=actor.id if actor else None,
            actor_role=actor.role.value if actor else None,
            action=action,
            resource_type=resource_type,
            resource_id=None if resource_id is None else str(resource_id),
            before=before,
            after=after,
            request_id=request_id_var.get(),
        ),
    )


async def commit_change(
    session: AsyncSession,
    actor: Actor | None,
    action: str,
    resource_type: str,
    resource_id: object,
    *,
    before: BaseModel | None = None,
    after: BaseModel | None = None,
) -> None:
    """How every audited use case ends: its audit event, from the resource as it was read
    before and after the change, and the commit that makes both durable together (before the
    response goes out)."""
    record(
        session,
        actor,
        action,
        resource_type,
        resource_id,
        before=snapshot(before),
        after=snapshot(after),
    )
    await session.commit()


async def list_events(
    session: AsyncSession, where: AuditFilter, page: PageParams
) -> AuditEventPage:
    fetched = await page.fetch(session, repository.events(where), repository.SORTS)
    return AuditEventPage(
        items=[AuditEventRead.model_validate(e) for e in fetched.items], **fetched.page_fields()
    )
