"""Demands and the 24-hour one-to-one rule."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit import service as audit
from app.auth.roles import Principal, Role, may_read, own_records_only
from app.config import Settings
from app.enterprises import service as enterprise_service
from app.errors import Conflict, Forbidden, NotFound, ProblemCode
from app.http import check_if_match
from app.i18n import _
from app.pagination import PageParams, Sorts
from app.visits import repository, rules
from app.visits.models import (
    Demand,
    DemandAction,
)
from app.visits.schemas import (
    DemandActionPage,
    DemandActionRead,
    DemandCreate,
    DemandFilter,
    DemandPage,
    DemandRead,
    DemandTransitionCreate,
    Sla,
)
from app.visits.service.names import Names, names_of
from app.visits.service.specialists import is_responsible


class DemandNotFound(NotFound):
    code = ProblemCode.DEMAND_NOT_FOUND


NAMED = {"sla", "enterprise_name", "specialist_name"}


def _demand_read(demand: Demand, now: datetime, names: Names) -> DemandRead:
    measured = rules.sla(demand.raised_at, demand.first_response_at, now)
    values = {name: getattr(demand, name) for name in DemandRead.model_fields if name not in NAMED}
    values["enterprise_name"] = names.enterprise(demand.enterprise_id)
    values["specialist_name"] = names.specialist(demand.specialist_id)
    values["sla"] = Sla(
        due_at=measured.due_at,
        responded_at=measured.responded_at,
        breached=measured.breached,
        remaining_seconds=measured.remaining_seconds,
    )
    return DemandRead.model_validate(values)


async def _names(session: AsyncSession, demands: list[Demand]) -> Names:
    return await names_of(
        session, (d.enterprise_id for d in demands), (d.specialist_id for d in demands)
    )


async def may_act_for(session: AsyncSession, actor: Principal, enterprise_id: uuid.UUID) -> None:
    """Staff act for any enterprise, a specialist for those in their care, a user for its own."""
    await enterprise_service.ensure_visible(session, actor, enterprise_id)
    if actor.role is Role.SPECIALIST and not await is_responsible(session, actor, enterprise_id):
        raise Forbidden(
            _("Only the enterprise's responsible specialist may act on its demands."),
            code=ProblemCode.NOT_RESPONSIBLE,
        )


async def raise_demand(
    session: AsyncSession, settings: Settings, actor: Principal, data: DemandCreate
) -> DemandRead:
    await may_act_for(session, actor, data.enterprise_id)
    now = clock.now()
    demand = Demand(
        enterprise_id=data.enterprise_id,
        specialist_id=await repository.responsible_specialist(session, data.enterprise_id),
        category=data.category.value,
        title=data.title,
        description=data.description,
        status=rules.DemandStatus.OPEN.value,
        raised_by=actor.id,
        raised_by_role=actor.role.value,
        raised_at=now,
        response_due_at=now + rules.RESPONSE_WINDOW,
    )
    await repository.add_demand(session, demand)
    await repository.add_action(
        session,
        DemandAction(
            demand_id=demand.id,
            from_status=None,
            to_status=demand.status,
            note=None,
            actor_id=actor.id,
            actor_role=actor.role.value,
            occurred_at=now,
        ),
    )
    read = _demand_read(demand, now, await _names(session, [demand]))
    await audit.commit_change(session, actor, "demand.create", "demand", demand.id, after=read)
    return read


async def list_demands(
    session: AsyncSession, viewer: Principal, where: DemandFilter, page: PageParams
) -> DemandPage:
    now = clock.now()
    stmt = repository.demands(own_records_only(where, viewer), now)
    fetched = await page.fetch(session, stmt, repository.DEMAND_SORTS)
    names = await _names(session, fetched.items)
    return DemandPage(
        items=[_demand_read(d, now, names) for d in fetched.items], **fetched.page_fields()
    )


async def _load_demand(session: AsyncSession, viewer: Principal, demand_id: uuid.UUID) -> Demand:
    demand = await repository.get_demand(session, demand_id)
    if demand is None or not may_read(viewer, demand.enterprise_id):
        raise DemandNotFound(_("demand {demand_id} does not exist", demand_id=demand_id))
    return demand


async def get_demand(
    session: AsyncSession, viewer: Principal, demand_id: uuid.UUID
) -> tuple[DemandRead, int]:
    demand = await _load_demand(session, viewer, demand_id)
    return _demand_read(demand, clock.now(), await _names(session, [demand])), demand.version


async def move_demand(
    session: AsyncSession,
    actor: Principal,
    demand_id: uuid.UUID,
    data: DemandTransitionCreate,
    if_match: str | None,
) -> tuple[DemandRead, int]:
    demand = await _load_demand(session, actor, demand_id)
    check_if_match(if_match, demand.version)
    wanted = data.to_status
    if actor.role is Role.ENTERPRISE and wanted is not rules.DemandStatus.CLOSED:
        raise Forbidden(
            _("An enterprise may only close its resolved demands."),
            code=ProblemCode.ROLE_NOT_ALLOWED,
        )
    if actor.role is not Role.ENTERPRISE:
        await may_act_for(session, actor, demand.enterprise_id)
    if not rules.can_move(demand.status, wanted):
        raise Conflict(
            _(
                "A demand cannot go from {status} to {wanted}.",
                status=demand.status,
                wanted=wanted.value,
            ),
            code=ProblemCode.INVALID_STATUS_TRANSITION,
        )
    now = clock.now()
    names = await _names(session, [demand])
    before = _demand_read(demand, now, names)
    from_status = demand.status
    demand.status = wanted
    # Any first move out of `open` answers the enterprise: that is the 24-hour response.
    if demand.first_response_at is None:
        demand.first_response_at = now
    if wanted in (rules.DemandStatus.RESOLVED, rules.DemandStatus.REJECTED):
        demand.resolved_at = now
    if wanted is rules.DemandStatus.REJECTED:
        demand.rejection_reason = data.note
    await repository.add_action(
        session,
        DemandAction(
            demand_id=demand.id,
            from_status=from_status,
            to_status=wanted.value,
            note=data.note,
            actor_id=actor.id,
            actor_role=actor.role.value,
            occurred_at=now,
        ),
    )
    after = _demand_read(demand, now, names)
    await audit.commit_change(
        session,
        actor,
        "demand.transition",
        "demand",
        demand.id,
        before=before,
        after=after,
    )
    return after, demand.version


async def demand_history(
    session: AsyncSession, viewer: Principal, demand_id: uuid.UUID, page: PageParams
) -> DemandActionPage:
    await _load_demand(session, viewer, demand_id)
    fetched = await page.fetch(
        session, repository.demand_actions(demand_id), Sorts.single(repository.ACTION_ORDER)
    )
    items = fetched.items
    return DemandActionPage(
        items=[DemandActionRead.model_validate(a) for a in items], **fetched.page_fields()
    )
