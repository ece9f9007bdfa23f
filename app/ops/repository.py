from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def current_revision(session: AsyncSession) -> str | None:
    # Asked before reading, not caught after: a failed statement would end the transaction
    # of a session that has one, and a read's session has none to keep a savepoint in.
    if not await session.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL")):
        return None  # never migrated
    revision = await session.scalar(text("SELECT version_num FROM alembic_version"))
    return revision if isinstance(revision, str) else None
