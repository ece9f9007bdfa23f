"""The change feed: every committed write to the followed resources, in an order a consumer
can resume from without ever missing one (see repository.HORIZON and registry.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Principal
from app.changes import repository
from app.changes.registry import RESOURCES, ChangeOperation, FeedResourceName
from app.changes.schemas import ChangePage, ChangeRead
from app.errors import Forbidden, Unprocessable
from app.pagination import decode_cursor, encode_cursor

START = (0, 0)


def _position(after: str | None) -> tuple[int, int]:
    if after is None:
        return START
    values = decode_cursor(after, 2)
    # Transaction ids and sequence numbers are bigints: anything else was not handed out.
    if not all(type(value) is int and 0 <= value < 2**63 for value in values):
        raise Unprocessable(
            "The cursor is not one this feed handed out.",
            code="invalid_cursor",
            loc=["query", "after"],
        )
    return values[0], values[1]


def _visible(viewer: Principal, wanted: list[str] | None) -> list[str]:
    """The resources the viewer may follow: an API key sees those its scopes cover."""
    names = [
        r.name.value
        for r in RESOURCES
        if viewer.kind != "api_key" or r.scope.value in viewer.scopes
    ]
    if wanted is not None:
        refused = sorted(set(wanted) - set(names))
        if refused:
            raise Forbidden(
                f"The API key lacks the scope to follow {', '.join(refused)}.",
                code="scope_missing",
            )
        names = [name for name in names if name in wanted]
    return names


async def read_changes(
    session: AsyncSession,
    viewer: Principal,
    *,
    after: str | None,
    limit: int,
    resources: list[str] | None,
) -> ChangePage:
    position = _position(after)
    names = _visible(viewer, resources)
    rows = await repository.read(session, after=position, resources=names, limit=limit)
    items = [
        ChangeRead(
            cursor=encode_cursor([row.xid, row.seq]),
            resource=FeedResourceName(row.resource),
            id=row.resource_id,
            operation=ChangeOperation(row.operation),
            version=row.version,
            changed_at=row.changed_at,
        )
        for row in rows[:limit]
    ]
    return ChangePage(
        items=items,
        next_cursor=items[-1].cursor if items else encode_cursor(list(position)),
        has_more=len(rows) > limit,
    )
