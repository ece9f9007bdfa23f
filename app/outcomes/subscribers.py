"""How the outcomes ledger answers the pools: every qualification granted has its entry."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.enterprises.enums import QualificationKind
from app.events.bus import subscribe
from app.outcomes import service
from app.pools.events import QualificationGranted


@subscribe(QualificationGranted)
async def into_the_ledger(session: AsyncSession, event: QualificationGranted) -> None:
    if event.source == "achievement":
        return  # the ledger recorded it first, with its own entry
    await service.record_granted(
        session,
        event.actor,
        event.qualification_id,
        event.enterprise_id,
        QualificationKind(event.kind),
        event.reference,
        event.issued_on,
    )
