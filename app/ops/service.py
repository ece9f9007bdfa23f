from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import ProblemCode, ServiceUnavailable
from app.i18n import _
from app.migrations import head_revisions
from app.ops import repository


async def readiness(session: AsyncSession) -> str:
    revision = await repository.current_revision(session)
    if revision not in head_revisions():
        raise ServiceUnavailable(
            _(
                "The database schema is at {revision}, not at the head; run the migrations.",
                revision=revision,
            )
            if revision
            else _("The database has no schema yet; run the migrations."),
            code=ProblemCode.MIGRATIONS_PENDING,
            headers={"Retry-After": "5"},
        )
    return revision or ""
