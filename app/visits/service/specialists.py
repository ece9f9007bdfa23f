"""Specialists (科技专员) and who is responsible for which enterprise."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit import service as audit
from app.auth import service as auth_service
from app.auth.roles import Principal, Role
from app.config import Settings
from app.enterprises import service as enterprise_service
from app.errors import NotFound, ProblemCode, Unprocessable
from app.i18n import _
from app.pagination import PageParams, Sorts
from app.privacy import mask_phone
from app.visits import repository
from app.visits.models import (
    Specialist,
    SpecialistAssignment,
)
from app.visits.schemas import (
    AssignmentPage,
    AssignmentRead,
    AssignmentWrite,
    SpecialistCreate,
    SpecialistPage,
    SpecialistRead,
)


class SpecialistNotFound(NotFound):
    code = ProblemCode.SPECIALIST_NOT_FOUND


def _read(specialist: Specialist, viewer: Principal | None) -> SpecialistRead:
    read = SpecialistRead.model_validate(specialist)
    if viewer is not None and viewer.masks_personal_data:
        read = read.model_copy(update={"phone": mask_phone(read.phone)})
    return read


async def create_specialist(
    session: AsyncSession, actor: Principal, data: SpecialistCreate
) -> SpecialistRead:
    try:
        user, _version = await auth_service.get_user(session, data.user_id)
    except NotFound as exc:
        raise Unprocessable(
            _("user {user_id} does not exist", user_id=data.user_id),
            code=ProblemCode.UNKNOWN_USER,
            loc=["body", "user_id"],
        ) from exc
    if user.role is not Role.SPECIALIST:
        raise Unprocessable(
            _(
                "user {user_id} has the role {role}, not specialist",
                user_id=data.user_id,
                role=user.role.value,
            ),
            code=ProblemCode.NOT_A_SPECIALIST,
            loc=["body", "user_id"],
        )
    specialist = await repository.add_specialist(session, Specialist(**data.model_dump()))
    read = _read(specialist, None)
    await audit.commit_change(
        session, actor, "specialist.create", "specialist", read.id, after=read
    )
    return read


async def list_specialists(
    session: AsyncSession, viewer: Principal, team: str | None, page: PageParams
) -> SpecialistPage:
    fetched = await page.fetch(session, repository.specialists(team), repository.SPECIALIST_SORTS)
    return SpecialistPage(items=[_read(s, viewer) for s in fetched.items], **fetched.page_fields())


async def load_specialist(session: AsyncSession, specialist_id: uuid.UUID) -> Specialist:
    specialist = await repository.get_specialist(session, specialist_id)
    if specialist is None:
        raise SpecialistNotFound(
            _("specialist {specialist_id} does not exist", specialist_id=specialist_id)
        )
    return specialist


async def get_specialist(
    session: AsyncSession, viewer: Principal, specialist_id: uuid.UUID
) -> tuple[SpecialistRead, int]:
    specialist = await load_specialist(session, specialist_id)
    return _read(specialist, viewer), specialist.version


async def assign(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    enterprise_id: uuid.UUID,
    data: AssignmentWrite,
) -> AssignmentRead:
    """Make a specialist responsible for the enterprise; the previous assignment ends."""
    await enterprise_service.ensure_visible(session, actor, enterprise_id)
    specialist = await load_specialist(session, data.specialist_id)
    if not specialist.is_active:
        raise Unprocessable(
            _("The specialist is inactive."),
            code=ProblemCode.SPECIALIST_INACTIVE,
            loc=["body", "specialist_id"],
        )
    today = clock.today(settings.zone)
    effective = data.effective_on or today
    current = await repository.current_assignment(session, enterprise_id)
    if current is not None:
        if current.specialist_id == specialist.id:
            return AssignmentRead.model_validate(current)
        if effective < current.assigned_on:
            raise Unprocessable(
                _(
                    "effective_on is before the current assignment ({assigned_on}).",
                    assigned_on=current.assigned_on,
                ),
                code=ProblemCode.EFFECTIVE_BEFORE_CURRENT,
                loc=["body", "effective_on"],
            )
        current.ended_on = effective
        await repository.flush(session)
    assignment = SpecialistAssignment(
        enterprise_id=enterprise_id,
        specialist_id=specialist.id,
        assigned_on=effective,
        reason=data.reason,
        actor_id=actor.id,
        created_at=clock.now(),
    )
    await repository.add_assignment(session, assignment)
    read = AssignmentRead.model_validate(assignment)
    await audit.commit_change(
        session, actor, "specialist.assign", "enterprise", enterprise_id, after=read
    )
    return read


async def assignment_history(
    session: AsyncSession, viewer: Principal, enterprise_id: uuid.UUID, page: PageParams
) -> AssignmentPage:
    await enterprise_service.ensure_visible(session, viewer, enterprise_id)
    fetched = await page.fetch(
        session,
        repository.enterprise_assignments(enterprise_id),
        Sorts.single(repository.ASSIGNMENT_ORDER),
    )
    items = fetched.items
    return AssignmentPage(
        items=[AssignmentRead.model_validate(a) for a in items], **fetched.page_fields()
    )


async def responsible_specialist(
    session: AsyncSession, enterprise_id: uuid.UUID
) -> uuid.UUID | None:
    """The specialist responsible for the enterprise now, if one is."""
    return await repository.responsible_specialist(session, enterprise_id)


async def is_responsible(session: AsyncSession, actor: Principal, enterprise_id: uuid.UUID) -> bool:
    """Whether the actor is the enterprise's responsible specialist right now."""
    if actor.role is not Role.SPECIALIST:
        return False
    return await repository.is_responsible(session, actor.id, enterprise_id)
