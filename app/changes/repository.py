from __future__ import annotations

from sqlalchemy import BigInteger, Text, cast, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.changes.models import ChangeEvent

# Transactions older than the oldest one still running in this statement's snapshot have all
# committed or aborted: every change they made is final and visible now. A later writer gets a
# larger transaction id. So a reader that serves only changes below this horizon, in (xid,
# seq) order, never passes over a change that commits after it has read.
HORIZON = cast(cast(func.pg_snapshot_xmin(func.pg_current_snapshot()), Text), BigInteger)


async def read(
    session: AsyncSession,
    *,
    after: tuple[int, int],
    resources: list[str],
    limit: int,
) -> list[ChangeEvent]:
    stmt = (
        select(ChangeEvent)
        .where(
            tuple_(ChangeEvent.xid, ChangeEvent.seq) > tuple_(*after),
            ChangeEvent.xid < HORIZON,
            ChangeEvent.resource.in_(resources),
        )
        .order_by(ChangeEvent.xid, ChangeEvent.seq)
        .limit(limit + 1)
    )
    return list(await session.scalars(stmt))
