"""The change feed: every committed write to the followed resources, in an order a consumer
can resume from without ever missing one (see repository.HORIZON and registry.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.roles import Principal
from app.changes import repository
from app.changes.registry import RESOURCES, ChangeOperation, FeedResourceName
from app.changes.schemas import ChangePage, ChangeRead
from app.config import Settings
from app.db import AdvisoryLock, try_advisory_lock
from app.errors import Forbidden, Gone, ProblemCode, Unprocessable
from app.i18n import _
from app.pagination import CursorSigner

START = (0, 0)
PRUNE_BATCH = 10_000


class CursorExpired(Gone):
    code = ProblemCode.CURSOR_EXPIRED


def _not_handed_out() -> Unprocessable:
    return Unprocessable(
        _("The cursor is not one this feed handed out."),
        code=ProblemCode.INVALID_CURSOR,
        loc=["query", "after"],
    )


def _position(signer: CursorSigner, after: str | None) -> tuple[int, int]:
    if after is None:
        return START
    values = signer.decode(after, 2)
    # Transaction ids and sequence numbers are bigints: anything else was not handed out.
    if not all(type(value) is int and 0 <= value < 2**63 for value in values):
        raise _not_handed_out()
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
                _(
                    "The API key lacks the scope to follow {resources}.",
                    resources=", ".join(refused),
                ),
                code=ProblemCode.SCOPE_MISSING,
            )
        names = [name for name in names if name in wanted]
    return names


async def read_changes(
    session: AsyncSession,
    viewer: Principal,
    settings: Settings,
    signer: CursorSigner,
    *,
    after: str | None,
    limit: int,
    resources: list[str] | None,
) -> ChangePage:
    position = _position(signer, after)
    names = _visible(viewer, resources)
    pruned = await repository.pruned_up_to(session)
    if position != START and position > max(await repository.head(session), pruned or START):
        # Signed by this secret but not from this feed (another zone's, or a restored
        # database): reading on would silently skip whatever this feed writes before it.
        raise _not_handed_out()
    if pruned is not None:
        if position == START:
            # A new consumer starts from what is kept (it takes the older state from the
            # exports).
            position = pruned
        elif position < pruned:
            raise CursorExpired(
                _(
                    "The changes after this cursor have been pruned (the feed keeps {days} "
                    "days); copy the resources again from /api/v1/exports and follow the "
                    "feed from a fresh read.",
                    days=settings.change_feed_retention_days,
                ),
            )
    rows = await repository.read(session, after=position, resources=names, limit=limit)
    items = [
        ChangeRead(
            cursor=signer.encode([row.xid, row.seq]),
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
        next_cursor=items[-1].cursor if items else signer.encode(list(position)),
        has_more=len(rows) > limit,
    )


async def prune(session: AsyncSession, settings: Settings) -> int:
    """Drop the changes older than the retention, in batches, and move the watermark that
    tells a lagging consumer its cursor has expired. One replica at a time; how many went."""
    if settings.change_feed_retention_days == 0:
        return 0
    if not await try_advisory_lock(session, AdvisoryLock.CHANGE_FEED_PRUNE):
        return 0
    now = clock.now()
    limit = await repository.prune_limit(
        session, now - timedelta(days=settings.change_feed_retention_days)
    )
    if limit is None:
        await session.commit()
        return 0
    # The watermark first: from this commit on, a cursor before it is refused, so no reader
    # can take the gap the deletions leave for the end of the feed.
    await repository.record_pruned(session, limit, now)
    await session.commit()
    removed = 0
    while True:
        # The lock went with the last commit; another replica holding it now carries on.
        if not await try_advisory_lock(session, AdvisoryLock.CHANGE_FEED_PRUNE):
            return removed
        deleted = await repository.delete_up_to(session, limit, PRUNE_BATCH)
        # Short transactions: the feed's horizon waits for the oldest running one.
        await session.commit()
        removed += deleted
        if deleted < PRUNE_BATCH:
            return removed
