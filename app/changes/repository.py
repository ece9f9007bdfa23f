from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Text, cast, delete, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.changes.models import ChangeEvent, ChangeFeedPruned

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


async def head(session: AsyncSession) -> tuple[int, int]:
    """The last change written (visible or not yet), (0, 0) on an empty feed."""
    row = (
        await session.execute(
            select(ChangeEvent.xid, ChangeEvent.seq)
            .order_by(ChangeEvent.xid.desc(), ChangeEvent.seq.desc())
            .limit(1)
        )
    ).first()
    return (0, 0) if row is None else (row[0], row[1])


async def pruned_up_to(session: AsyncSession) -> tuple[int, int] | None:
    row = (await session.execute(select(ChangeFeedPruned.xid, ChangeFeedPruned.seq))).first()
    return None if row is None else (row[0], row[1])


async def prune_limit(session: AsyncSession, before: datetime) -> tuple[int, int] | None:
    """The last (xid, seq) among the final changes written before `before`: everything up to
    it may go. Two aggregates, so that the changed_at index finds the night's old rows rather
    than a walk down the whole window in (xid, seq) order."""
    xid = await session.scalar(
        select(func.max(ChangeEvent.xid)).where(
            ChangeEvent.changed_at < before, ChangeEvent.xid < HORIZON
        )
    )
    if xid is None:
        return None
    seq = await session.scalar(select(func.max(ChangeEvent.seq)).where(ChangeEvent.xid == xid))
    return None if seq is None else (int(xid), int(seq))


async def delete_up_to(session: AsyncSession, limit: tuple[int, int], batch: int) -> int:
    """Delete up to `batch` changes at or before `limit`, oldest first; how many went."""
    oldest = (
        select(ChangeEvent.seq)
        .where(tuple_(ChangeEvent.xid, ChangeEvent.seq) <= tuple_(*limit))
        .order_by(ChangeEvent.xid, ChangeEvent.seq)
        .limit(batch)
    )
    result = await session.execute(delete(ChangeEvent).where(ChangeEvent.seq.in_(oldest)))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def record_pruned(session: AsyncSession, limit: tuple[int, int], now: datetime) -> None:
    stmt = pg_insert(ChangeFeedPruned).values(id=1, xid=limit[0], seq=limit[1], pruned_at=now)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[ChangeFeedPruned.id],
            set_={"xid": limit[0], "seq": limit[1], "pruned_at": now},
            # The watermark only moves forward.
            where=tuple_(ChangeFeedPruned.xid, ChangeFeedPruned.seq) < tuple_(*limit),
        )
    )
