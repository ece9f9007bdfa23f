from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession


async def current_revision(session: AsyncSession) -> str | None:
    try:
        async with session.begin_nested():
            revision = await session.scalar(text("SELECT version_num FROM alembic_version"))
    except ProgrammingError:
        return None  # no alembic_version table: never migrated
    return revision if isinstance(revision, str) else None
