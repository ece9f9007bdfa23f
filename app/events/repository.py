from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.events.models import OutboxMessage


async def undispatched(session: AsyncSession, limit: int) -> list[OutboxMessage]:
    """The oldest messages not yet dispatched that no other dispatcher holds, locked for this
    transaction: a dispatcher that dies lets go of them with its connection."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.dispatched_at.is_(None))
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(await session.scalars(stmt))


async def prune(session: AsyncSession, older_than_days: int) -> int:
    """Remove messages dispatched more than `older_than_days` ago (by the database's clock)."""
    stmt = delete(OutboxMessage).where(
        OutboxMessage.dispatched_at < func.now() - timedelta(days=older_than_days)
    )
    result = await session.execute(stmt)
    return int(result.rowcount)  # type: ignore[attr-defined]
