from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from app import errors
from app.auth.dependencies import ScopeRequired, SettingsDep, SharingPrincipal
from app.auth.scopes import Scope
from app.changes import service
from app.changes.registry import FeedResourceName
from app.changes.schemas import ChangePage
from app.db import SessionDep
from app.errors import ProblemCode, Unprocessable
from app.i18n import _
from app.pagination import MAX_LIMIT, request_signer

router = APIRouter(
    prefix="/api/v1",
    tags=["changes"],
    responses=errors.responses(401, 403, 422, 429, 503),
    dependencies=[Depends(ScopeRequired(Scope.READ_CHANGES))],
)


@router.get(
    "/changes",
    operation_id="listChanges",
    response_model=ChangePage,
    responses=errors.responses(410),
)
async def list_changes(
    request: Request,
    principal: SharingPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    after: Annotated[
        str | None,
        Query(max_length=1024, description="`next_cursor` (or an item's `cursor`) already read"),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(max_length=1024, description="The same as `after`, the name every list uses"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many")] = 100,
    resource: Annotated[
        list[FeedResourceName] | None,
        Query(description="Only these resources (repeat the parameter); default: all you may"),
    ] = None,
) -> ChangePage:
    """Committed changes after a cursor, in commit-safe order: a consumer that follows
    `next_cursor` sees every change exactly once, even when transactions commit out of order.
    An API key sees the resources its scopes cover. Changes are kept for
    CHANGE_FEED_RETENTION_DAYS; a cursor older than that is 410 `cursor_expired`."""
    if after is not None and cursor is not None and after != cursor:
        raise Unprocessable(
            _("Send the position as `after` or `cursor`, not two different ones."),
            code=ProblemCode.CONFLICTING_CURSORS,
            loc=["query", "cursor"],
        )
    return await service.read_changes(
        session,
        principal,
        settings,
        # Bound to the feed, not to its `resource` filter: a consumer may widen or narrow it.
        request_signer(request, "/api/v1/changes", param="after"),
        after=after or cursor,
        limit=limit,
        resources=[r.value for r in resource] if resource else None,
    )
