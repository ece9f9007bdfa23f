from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import ProblemCode, ServiceUnavailable
from app.migrations import head_revisions
from app.ops import repository


async def readiness(session: AsyncSession) -> str:
    revision = await repository.current_revision(session)
    if revision not in head_revisions():
        raise ServiceUnavailable(
            f"The database schema is at {revision or 'nothing'}, not at the head; "
            "run the migrations.",
            code=ProblemCode.MIGRATIONS_PENDING,
            headers={"Retry-After": "5"},
        )
    return revision or ""
