"""How the pools react to the register and the projects."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.enterprises.events import ReportsFiled
from app.events.bus import subscribe
from app.pools import service
from app.pools.enums import ExitOutcome
from app.projects.events import ProjectApprovalRevoked, ProjectDecided


@subscribe(ReportsFiled)
async def readvise_tiers(session: AsyncSession, event: ReportsFiled) -> None:
    """The pools advise tiers from the reports."""
    if len(event.enterprise_ids) == 1:
        await service.refresh_suggestions(session, event.enterprise_ids[0])
    else:
        await service.refresh_suggestions_of(session, list(event.enterprise_ids))


@subscribe(ProjectDecided)
async def end_project_membership(session: AsyncSession, event: ProjectDecided) -> None:
    """A decided project leaves the project pool: approval is `certified`."""
    await service.project_decided(
        session,
        event.actor,
        event.project_id,
        ExitOutcome.CERTIFIED if event.approved else ExitOutcome.WITHDRAWN,
        "项目获批立项" if event.approved else f"项目{event.status}",
        event.decided_on,
    )


@subscribe(ProjectApprovalRevoked)
async def reinstate_project_membership(
    session: AsyncSession, event: ProjectApprovalRevoked
) -> None:
    """A withdrawn approval puts the project back in the pool it left certified."""
    await service.project_approval_revoked(
        session, event.actor, event.project_id, event.reason, event.revoked_on
    )
