"""The audit trail for administrators: the HTTP face of app.audit, here because reading it
takes an administrator, and app.audit itself sits below auth (auth records its changes)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app import errors
from app.audit import service
from app.audit.schemas import AuditEventPage, AuditFilter
from app.auth.dependencies import AdminPrincipal
from app.db import SessionDep
from app.pagination import PageParamsDep
from app.schemas import CalendarDateTime

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=errors.responses(401, 403, 422, 503))


@router.get("/audit-events", operation_id="listAuditEvents", response_model=AuditEventPage)
async def list_audit_events(
    principal: AdminPrincipal,
    session: SessionDep,
    page: PageParamsDep,
    resource_type: Annotated[str | None, Query(max_length=64)] = None,
    resource_id: Annotated[str | None, Query(max_length=64)] = None,
    actor_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    occurred_from: CalendarDateTime | None = None,
    occurred_to: CalendarDateTime | None = None,
) -> AuditEventPage:
    """The audit trail, newest first (administrators only)."""
    where = AuditFilter(
        resource_type=resource_type,
        resource_id=resource_id,
        actor_id=actor_id,
        action=action,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
    )
    return await service.list_events(session, where, page)
