"""How the outcomes ledger answers the domains below it: every qualification granted and
every project approved has its entry, written with the change, and loses it with the grant."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.enterprises.enums import QualificationKind
from app.events.bus import subscribe
from app.outcomes import service
from app.pools.events import QualificationGranted, QualificationRevoked
from app.projects import service as project_service
from app.projects.events import ProjectApprovalRevoked, ProjectDecided


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


@subscribe(ProjectDecided)
async def approvals_into_the_ledger(session: AsyncSession, event: ProjectDecided) -> None:
    if not event.approved:
        return
    project = await project_service.project_for_pool(session, event.actor, event.project_id)
    await service.record_approval(session, event.actor, project, event.decided_on)


@subscribe(QualificationRevoked)
async def revoked_out_of_the_ledger(session: AsyncSession, event: QualificationRevoked) -> None:
    await service.remove_entries_of_qualification(session, event.actor, event.qualification_id)


@subscribe(ProjectApprovalRevoked)
async def approval_out_of_the_ledger(session: AsyncSession, event: ProjectApprovalRevoked) -> None:
    await service.remove_entries_of_project(session, event.actor, event.project_id)
