"""Visits and the coverage rounds."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit import service as audit
from app.auth.roles import Principal, Role, may_read, own_records_only
from app.config import Settings
from app.enterprises import service as enterprise_service
from app.errors import Conflict, Forbidden, NotFound, ProblemCode, Unprocessable
from app.events.bus import publish
from app.i18n import _
from app.pagination import PageParams
from app.pools import service as pool_service
from app.visits import repository, rules
from app.visits.events import PoliciesPresented
from app.visits.models import (
    Demand,
    DemandAction,
    Visit,
)
from app.visits.schemas import (
    RoundCoverageRead,
    RoundPage,
    RoundRead,
    SpecialistCoverage,
    VisitCreate,
    VisitFilter,
    VisitPage,
    VisitRead,
)
from app.visits.service.demands import may_act_for
from app.visits.service.names import Names, names_of


class VisitNotFound(NotFound):
    code = ProblemCode.VISIT_NOT_FOUND


def _visit_read(
    visit: Visit, demand_ids: list[uuid.UUID], settings: Settings, names: Names
) -> VisitRead:
    values = {
        name: getattr(visit, name)
        for name in VisitRead.model_fields
        if name not in {"round", "demand_ids", "enterprise_name", "specialists"}
    }
    values["enterprise_name"] = names.enterprise(visit.enterprise_id)
    values["specialists"] = names.named_specialists(visit.specialist_ids)
    values["round"] = rules.round_of(visit.visited_at, settings.zone, settings.round_windows).number
    values["demand_ids"] = demand_ids
    return VisitRead.model_validate(values)


def _new_demand_action(
    demand: Demand, from_status: str | None, actor: Principal, at: datetime, note: str | None
) -> DemandAction:
    return DemandAction(
        demand_id=demand.id,
        from_status=from_status,
        to_status=demand.status,
        note=note,
        actor_id=actor.id,
        actor_role=actor.role.value,
        occurred_at=at,
    )


async def _records_in_own_name(
    session: AsyncSession, actor: Principal, specialist_ids: list[uuid.UUID]
) -> None:
    """A specialist records visits in their own name (colleagues may be added beside them),
    so that nobody's coverage and assessment count visits they did not make; staff record
    any."""
    if actor.role is not Role.SPECIALIST:
        return
    own = await repository.specialist_of_user(session, actor.id)
    if own is None or own.id not in specialist_ids:
        raise Forbidden(
            _(
                "A specialist records visits in their own name: put your own specialist id in "
                "specialist_ids (colleagues who came along may be added beside it)."
            ),
            code=ProblemCode.VISIT_NOT_IN_OWN_NAME,
        )


async def record_visit(
    session: AsyncSession, settings: Settings, actor: Principal, data: VisitCreate
) -> VisitRead:
    """Record a visit with the demands raised during it and the open demands it answered."""
    await may_act_for(session, actor, data.enterprise_id)
    now = clock.now()
    if data.visited_at > now:
        raise Unprocessable(
            _("A visit cannot be in the future."),
            code=ProblemCode.VISIT_IN_FUTURE,
            loc=["body", "visited_at"],
        )
    specialist_ids = list(dict.fromkeys(data.specialist_ids))
    if await repository.count_specialists(session, specialist_ids) != len(specialist_ids):
        raise Unprocessable(
            _("specialist_ids names an unknown specialist."),
            code=ProblemCode.UNKNOWN_SPECIALIST,
            loc=["body", "specialist_ids"],
        )
    await _records_in_own_name(session, actor, specialist_ids)
    policy_ids = list(dict.fromkeys(data.policies_presented))
    if policy_ids:
        await publish(session, PoliciesPresented(policy_ids=tuple(policy_ids)))
    visit = Visit(
        enterprise_id=data.enterprise_id,
        specialist_ids=specialist_ids,
        visited_at=data.visited_at,
        kind=data.kind.value,
        channel=data.channel.value,
        policies_presented=policy_ids,
        resources_linked=data.resources_linked,
        notes=data.notes,
        recorded_by=actor.id,
    )
    await repository.add_visit(session, visit)
    demand_ids = []
    for raised in data.demands:
        demand = Demand(
            enterprise_id=data.enterprise_id,
            specialist_id=await repository.responsible_specialist(session, data.enterprise_id),
            visit_id=visit.id,
            category=raised.category.value,
            title=raised.title,
            description=raised.description,
            status=rules.DemandStatus.OPEN.value,
            raised_by=actor.id,
            raised_by_role=actor.role.value,
            # Raised when the enterprise said it, so the 24 hours run from the visit.
            raised_at=data.visited_at,
            response_due_at=data.visited_at + rules.RESPONSE_WINDOW,
        )
        await repository.add_demand(session, demand)
        await repository.add_action(session, _new_demand_action(demand, None, actor, now, None))
        demand_ids.append(demand.id)
    for demand_id in dict.fromkeys(data.responded_demand_ids):
        answered = await repository.get_demand(session, demand_id)
        if answered is None or answered.enterprise_id != data.enterprise_id:
            raise Unprocessable(
                _("demand {demand_id} is not one of this enterprise's.", demand_id=demand_id),
                code=ProblemCode.UNKNOWN_DEMAND,
                loc=["body", "responded_demand_ids"],
            )
        if answered.status != rules.DemandStatus.OPEN.value:
            raise Conflict(
                _("demand {demand_id} was already answered.", demand_id=demand_id),
                code=ProblemCode.DEMAND_NOT_OPEN,
            )
        if data.visited_at < answered.raised_at:
            raise Unprocessable(
                _("the visit is before demand {demand_id} was raised.", demand_id=demand_id),
                code=ProblemCode.VISIT_BEFORE_DEMAND,
                loc=["body", "responded_demand_ids"],
            )
        answered.status = rules.DemandStatus.RESPONDED
        answered.first_response_at = data.visited_at
        await repository.add_action(
            session,
            _new_demand_action(
                answered, rules.DemandStatus.OPEN.value, actor, now, "answered in a visit"
            ),
        )
    read = (await _visit_reads(session, [visit], settings, {visit.id: demand_ids}))[0]
    await audit.commit_change(session, actor, "visit.create", "visit", visit.id, after=read)
    return read


async def _visit_reads(
    session: AsyncSession,
    visits: list[Visit],
    settings: Settings,
    raised: dict[uuid.UUID, list[uuid.UUID]] | None = None,
) -> list[VisitRead]:
    """The visits as read, with the demands raised in them (`raised` when the caller knows
    them) and the names of their enterprises and specialists."""
    if raised is None:
        raised = defaultdict(list)
        for visit_id, demand_id in await repository.demand_ids_of_visits(
            session, [v.id for v in visits]
        ):
            raised[visit_id].append(demand_id)
    names = await names_of(
        session,
        (v.enterprise_id for v in visits),
        (s for v in visits for s in v.specialist_ids),
    )
    return [_visit_read(v, raised.get(v.id, []), settings, names) for v in visits]


async def list_visits(
    session: AsyncSession,
    settings: Settings,
    viewer: Principal,
    where: VisitFilter,
    page: PageParams,
) -> VisitPage:
    where = own_records_only(where, viewer)
    fetched = await page.fetch(session, repository.visits(where), repository.VISIT_SORTS)
    reads = await _visit_reads(session, fetched.items, settings)
    return VisitPage(items=reads, **fetched.page_fields())


async def get_visit(
    session: AsyncSession, settings: Settings, viewer: Principal, visit_id: uuid.UUID
) -> VisitRead:
    visit = await repository.get_visit(session, visit_id)
    if visit is None or not may_read(viewer, visit.enterprise_id):
        raise VisitNotFound(_("visit {visit_id} does not exist", visit_id=visit_id))
    return (await _visit_reads(session, [visit], settings))[0]


async def round_population(session: AsyncSession, day: date) -> set[uuid.UUID]:
    """The tech enterprises a round must cover: active in the hte or sme pool, or holding a
    valid HTE or SME qualification, at the round's start."""
    return await pool_service.tech_enterprises_in_pools(
        session, day
    ) | await enterprise_service.qualified_on(session, day)


def round_window(round_: rules.Round, settings: Settings) -> tuple[datetime, datetime]:
    zone = settings.zone
    return (
        datetime.combine(round_.starts_on, time.min, zone),
        datetime.combine(round_.ends_on + timedelta(days=1), time.min, zone),
    )


async def round_read(
    session: AsyncSession, settings: Settings, round_: rules.Round
) -> tuple[RoundRead, set[uuid.UUID], list[tuple[uuid.UUID, list[uuid.UUID]]]]:
    population = await round_population(session, round_.starts_on)
    visits = await repository.visited_between(session, *round_window(round_, settings))
    measured = rules.coverage(population, (enterprise for enterprise, _ in visits))
    read = RoundRead(
        year=round_.year,
        round=round_.number,
        starts_on=round_.starts_on,
        ends_on=round_.ends_on,
        population=measured.population,
        covered=measured.covered,
        coverage_percent=measured.percent,
    )
    return read, population, visits


def _round(year: int, number: int, windows: tuple[tuple[int, int], ...]) -> rules.Round:
    rounds = rules.rounds_of(year, windows)
    if not 1 <= number <= len(rounds):
        raise NotFound(
            _("{year} has rounds 1 to {count}", year=year, count=len(rounds)),
            code=ProblemCode.ROUND_NOT_FOUND,
        )
    return rounds[number - 1]


async def rounds(
    session: AsyncSession, settings: Settings, year: int, page: PageParams
) -> RoundPage:
    after = page.after(1)
    reads = [
        (await round_read(session, settings, r))[0]
        for r in rules.rounds_of(year, settings.round_windows)
        if after is None or r.number > after[0]
    ]
    items, cursor = page.paginate(reads, lambda r: (r.round,))
    return RoundPage(items=items, next_cursor=cursor)


async def round_coverage(
    session: AsyncSession,
    settings: Settings,
    year: int,
    number: int,
    specialist_id: uuid.UUID | None,
) -> RoundCoverageRead:
    round_ = _round(year, number, settings.round_windows)
    read, population, visits = await round_read(session, settings, round_)
    in_care: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for enterprise_id, responsible in await repository.assignments_on(session, round_.starts_on):
        if enterprise_id in population:
            in_care[responsible].add(enterprise_id)
    visited_by: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for enterprise_id, specialists in visits:
        for visitor in specialists:
            visited_by[visitor].add(enterprise_id)
    scope = in_care.get(specialist_id, set()) if specialist_id is not None else population
    not_visited = rules.coverage(scope, (e for e, _ in visits)).not_visited
    names = await names_of(session, not_visited, in_care)
    per_specialist = []
    for specialist in sorted(in_care, key=str):
        if specialist_id is not None and specialist != specialist_id:
            continue
        # A specialist covers the enterprises in their care that anyone on the team visited:
        # the round is about the enterprise being reached.
        mine = rules.coverage(in_care[specialist], (e for e, _ in visits))
        per_specialist.append(
            SpecialistCoverage(
                specialist_id=specialist,
                specialist_name=names.specialist(specialist) or "",
                population=mine.population,
                covered=mine.covered,
                coverage_percent=mine.percent,
            )
        )
    return RoundCoverageRead(
        **read.model_dump(),
        specialists=per_specialist,
        not_visited=not_visited,
        not_visited_enterprises=names.named_enterprises(not_visited),
    )
