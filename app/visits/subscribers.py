"""How the visits answer the register."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.roles import Role
from app.enterprises.events import EnterpriseUpdating
from app.errors import Forbidden, ProblemCode
from app.events.bus import subscribe
from app.i18n import _
from app.visits import service


@subscribe(EnterpriseUpdating)
async def only_the_responsible_specialist(session: AsyncSession, event: EnterpriseUpdating) -> None:
    """A specialist changes only the enterprises in their care."""
    if event.actor.role is Role.SPECIALIST and not await service.is_responsible(
        session, event.actor, event.enterprise_id
    ):
        raise Forbidden(
            _("Only the enterprise's responsible specialist may change it."),
            code=ProblemCode.NOT_RESPONSIBLE,
        )
