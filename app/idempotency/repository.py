from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.idempotency.models import IdempotencyRecord


async def claim(
    session: AsyncSession, scope: str, key: str, fingerprint: str, now: datetime
) -> bool:
    """Insert a pending record; False when one exists already."""
    stmt = (
        insert(IdempotencyRecord)
        .values(scope=scope, key=key, fingerprint=fingerprint, created_at=now)
        .on_conflict_do_nothing(index_elements=["scope", "key"])
        .returning(IdempotencyRecord.key)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def get(session: AsyncSession, scope: str, key: str) -> IdempotencyRecord | None:
    return await session.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    )


async def complete(
    session: AsyncSession,
    scope: str,
    key: str,
    *,
    status_code: int,
    headers: list[Any],
    body: bytes,
    now: datetime,
) -> None:
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
        .values(status_code=status_code, headers=headers, body=body, completed_at=now)
    )


async def release(session: AsyncSession, scope: str, key: str) -> None:
    await session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
        )
    )


async def purge_older_than(session: AsyncSession, cutoff: datetime) -> None:
    await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
