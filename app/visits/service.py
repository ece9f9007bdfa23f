"""Specialists (科技专员) and who is responsible for which enterprise."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit import service as audit
from app.auth import service as auth_service
from app.auth.roles import Principal, Role
from app.config import Settings
from app.enterprises import service as enterprise_service
from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.events.bus import publish
from app.http import check_if_match
from app.pagination import PageParams
from app.pools import service as pool_service
from app.privacy import mask_phone
from app.visits import repository, rules
from app.visits.events import PoliciesPresented
from app.visits.models import (
    Demand,
    DemandAction,
    SatisfactionRating,
    Specialist,
    SpecialistAssignment,
    Visit,
)
from app.visits.schemas import (
    AssignmentPage,
    AssignmentRead,
    AssignmentWrite,
    DemandActionPage,
    DemandActionRead,
    DemandCreate,
    DemandFilter,
    DemandPage,
    DemandRead,
    DemandTransitionCreate,
    RateRead,
    RatingCreate,
    RatingRead,
    RoundCoverageRead,
    RoundPage,
    RoundRate,
    RoundRead,
    SatisfactionRead,
    Sla,
    SpecialistAssessmentPage,
    SpecialistAssessmentRead,
    SpecialistCoverage,
    SpecialistCreate,
    SpecialistPage,
    SpecialistRead,
    SpecialistSatisfaction,
    VisitCreate,
    VisitFilter,
    VisitPage,
    VisitRead,
)


class SpecialistNotFound(NotFound):
    code = "specialist_not_found"


def _read(specialist: Specialist, viewer: Principal | None) -> SpecialistRead:
    read = SpecialistRead.model_validate(specialist)
    if viewer is not None and viewer.masks_personal_data:
        read = read.model_copy(update={"phone": mask_phone(read.phone)})
    return read


async def create_specialist(
    session: AsyncSession, actor: Principal, data: SpecialistCreate
) -> SpecialistRead:
    try:
        user, _ = await auth_service.get_user(session, data.user_id)
    except NotFound as exc:
        raise Unprocessable(
            f"user {data.user_id} does not exist", code="unknown_user", loc=["body", "user_id"]
        ) from exc
    if user.role is not Role.SPECIALIST:
        raise Unprocessable(
            f"user {data.user_id} has the role {user.role.value}, not specialist",
            code="not_a_specialist",
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
    rows = await repository.list_specialists(session, team, page.after(2), page.limit)
    items, cursor = page.paginate(rows, lambda s: (s.name, s.id))
    return SpecialistPage(items=[_read(s, viewer) for s in items], next_cursor=cursor)


async def _load(session: AsyncSession, specialist_id: uuid.UUID) -> Specialist:
    specialist = await repository.get_specialist(session, specialist_id)
    if specialist is None:
        raise SpecialistNotFound(f"specialist {specialist_id} does not exist")
    return specialist


async def get_specialist(
    session: AsyncSession, viewer: Principal, specialist_id: uuid.UUID
) -> tuple[SpecialistRead, int]:
    specialist = await _load(session, specialist_id)
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
    specialist = await _load(session, data.specialist_id)
    if not specialist.is_active:
        raise Unprocessable(
            "The specialist is inactive.", code="specialist_inactive", loc=["body", "specialist_id"]
        )
    today = clock.today(settings.zone)
    effective = data.effective_on or today
    current = await repository.current_assignment(session, enterprise_id)
    if current is not None:
        if current.specialist_id == specialist.id:
            return AssignmentRead.model_validate(current)
        if effective < current.assigned_on:
            raise Unprocessable(
                f"effective_on is before the current assignment ({current.assigned_on}).",
                code="effective_before_current",
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
    rows = await repository.assignments(session, enterprise_id, page.after(2), page.limit)
    items, cursor = page.paginate(rows, lambda a: (a.created_at, a.id))
    return AssignmentPage(
        items=[AssignmentRead.model_validate(a) for a in items], next_cursor=cursor
    )


async def is_responsible(session: AsyncSession, actor: Principal, enterprise_id: uuid.UUID) -> bool:
    """Whether the actor is the enterprise's responsible specialist right now."""
    if actor.role is not Role.SPECIALIST:
        return False
    return await repository.is_responsible(session, actor.id, enterprise_id)


# --- Demands and the 24-hour one-to-one rule -------------------------------------------------


class DemandNotFound(NotFound):
    code = "demand_not_found"


def _demand_read(demand: Demand, now: datetime) -> DemandRead:
    measured = rules.sla(demand.raised_at, demand.first_response_at, now)
    values = {name: getattr(demand, name) for name in DemandRead.model_fields if name != "sla"}
    values["sla"] = Sla(
        due_at=measured.due_at,
        responded_at=measured.responded_at,
        breached=measured.breached,
        remaining_seconds=measured.remaining_seconds,
    )
    return DemandRead.model_validate(values)


async def _may_act_for(session: AsyncSession, actor: Principal, enterprise_id: uuid.UUID) -> None:
    """Staff act for any enterprise, a specialist for those in their care, a user for its own."""
    await enterprise_service.ensure_visible(session, actor, enterprise_id)
    if actor.role is Role.SPECIALIST and not await is_responsible(session, actor, enterprise_id):
        raise Forbidden(
            "Only the enterprise's responsible specialist may act on its demands.",
            code="not_responsible",
        )


async def raise_demand(
    session: AsyncSession, settings: Settings, actor: Principal, data: DemandCreate
) -> DemandRead:
    await _may_act_for(session, actor, data.enterprise_id)
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
    read = _demand_read(demand, now)
    await audit.commit_change(session, actor, "demand.create", "demand", demand.id, after=read)
    return read


def _scoped(where: DemandFilter, viewer: Principal) -> DemandFilter:
    if viewer.role is Role.ENTERPRISE:
        return DemandFilter(**{**where.__dict__, "enterprise_id": viewer.enterprise_id})
    return where


async def list_demands(
    session: AsyncSession, viewer: Principal, where: DemandFilter, page: PageParams
) -> DemandPage:
    now = clock.now()
    rows = await repository.list_demands(
        session, _scoped(where, viewer), now, page.after(2), page.limit
    )
    items, cursor = page.paginate(rows, lambda d: (d.raised_at, d.id))
    return DemandPage(items=[_demand_read(d, now) for d in items], next_cursor=cursor)


async def _load_demand(session: AsyncSession, viewer: Principal, demand_id: uuid.UUID) -> Demand:
    demand = await repository.get_demand(session, demand_id)
    if demand is None or (
        viewer.role is Role.ENTERPRISE and demand.enterprise_id != viewer.enterprise_id
    ):
        raise DemandNotFound(f"demand {demand_id} does not exist")
    return demand


async def get_demand(
    session: AsyncSession, viewer: Principal, demand_id: uuid.UUID
) -> tuple[DemandRead, int]:
    demand = await _load_demand(session, viewer, demand_id)
    return _demand_read(demand, clock.now()), demand.version


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
            "An enterprise may only close its resolved demands.", code="role_not_allowed"
        )
    if actor.role is not Role.ENTERPRISE:
        await _may_act_for(session, actor, demand.enterprise_id)
    if not rules.can_move(demand.status, wanted):
        raise Conflict(
            f"A demand cannot go from {demand.status} to {wanted.value}.",
            code="invalid_status_transition",
        )
    now = clock.now()
    before = _demand_read(demand, now)
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
    after = _demand_read(demand, now)
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
    rows = await repository.list_actions(session, demand_id, page.after(2), page.limit)
    items, cursor = page.paginate(rows, lambda a: (a.occurred_at, a.id))
    return DemandActionPage(
        items=[DemandActionRead.model_validate(a) for a in items], next_cursor=cursor
    )


# --- Visits and the coverage rounds -----------------------------------------------------------


class VisitNotFound(NotFound):
    code = "visit_not_found"


def _visit_read(visit: Visit, demand_ids: list[uuid.UUID], settings: Settings) -> VisitRead:
    values = {
        name: getattr(visit, name)
        for name in VisitRead.model_fields
        if name not in {"round", "demand_ids"}
    }
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
            "A specialist records visits in their own name: put your own specialist id in "
            "specialist_ids (colleagues who came along may be added beside it).",
            code="visit_not_in_own_name",
        )


async def record_visit(
    session: AsyncSession, settings: Settings, actor: Principal, data: VisitCreate
) -> VisitRead:
    """Record a visit with the demands raised during it and the open demands it answered."""
    await _may_act_for(session, actor, data.enterprise_id)
    now = clock.now()
    if data.visited_at > now:
        raise Unprocessable(
            "A visit cannot be in the future.", code="visit_in_future", loc=["body", "visited_at"]
        )
    specialist_ids = list(dict.fromkeys(data.specialist_ids))
    if await repository.count_specialists(session, specialist_ids) != len(specialist_ids):
        raise Unprocessable(
            "specialist_ids names an unknown specialist.",
            code="unknown_specialist",
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
                f"demand {demand_id} is not one of this enterprise's.",
                code="unknown_demand",
                loc=["body", "responded_demand_ids"],
            )
        if answered.status != rules.DemandStatus.OPEN.value:
            raise Conflict(f"demand {demand_id} was already answered.", code="demand_not_open")
        if data.visited_at < answered.raised_at:
            raise Unprocessable(
                f"the visit is before demand {demand_id} was raised.",
                code="visit_before_demand",
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
    read = _visit_read(visit, demand_ids, settings)
    await audit.commit_change(session, actor, "visit.create", "visit", visit.id, after=read)
    return read


async def _visit_reads(
    session: AsyncSession, visits: list[Visit], settings: Settings
) -> list[VisitRead]:
    raised: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for visit_id, demand_id in await repository.demand_ids_of_visits(
        session, [v.id for v in visits]
    ):
        raised[visit_id].append(demand_id)
    return [_visit_read(v, raised[v.id], settings) for v in visits]


async def list_visits(
    session: AsyncSession,
    settings: Settings,
    viewer: Principal,
    where: VisitFilter,
    page: PageParams,
) -> VisitPage:
    if viewer.role is Role.ENTERPRISE:
        where = VisitFilter(**{**where.__dict__, "enterprise_id": viewer.enterprise_id})
    rows = await repository.list_visits(session, where, page.after(2), page.limit)
    items, cursor = page.paginate(rows, lambda v: (v.visited_at, v.id))
    return VisitPage(items=await _visit_reads(session, items, settings), next_cursor=cursor)


async def get_visit(
    session: AsyncSession, settings: Settings, viewer: Principal, visit_id: uuid.UUID
) -> VisitRead:
    visit = await repository.get_visit(session, visit_id)
    if visit is None or (
        viewer.role is Role.ENTERPRISE and visit.enterprise_id != viewer.enterprise_id
    ):
        raise VisitNotFound(f"visit {visit_id} does not exist")
    return (await _visit_reads(session, [visit], settings))[0]


async def _population(session: AsyncSession, day: date) -> set[uuid.UUID]:
    """The tech enterprises a round must cover: active in the hte or sme pool, or holding a
    valid HTE or SME qualification, at the round's start."""
    return await pool_service.tech_enterprises_in_pools(
        session, day
    ) | await enterprise_service.qualified_on(session, day)


def _window(round_: rules.Round, settings: Settings) -> tuple[datetime, datetime]:
    zone = settings.zone
    return (
        datetime.combine(round_.starts_on, time.min, zone),
        datetime.combine(round_.ends_on + timedelta(days=1), time.min, zone),
    )


async def _round_read(
    session: AsyncSession, settings: Settings, round_: rules.Round
) -> tuple[RoundRead, set[uuid.UUID], list[tuple[uuid.UUID, list[uuid.UUID]]]]:
    population = await _population(session, round_.starts_on)
    visits = await repository.visited_between(session, *_window(round_, settings))
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
        raise NotFound(f"{year} has rounds 1 to {len(rounds)}", code="round_not_found")
    return rounds[number - 1]


async def rounds(
    session: AsyncSession, settings: Settings, year: int, page: PageParams
) -> RoundPage:
    after = page.after(1)
    reads = [
        (await _round_read(session, settings, r))[0]
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
    read, population, visits = await _round_read(session, settings, round_)
    in_care: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for enterprise_id, responsible in await repository.assignments_on(session, round_.starts_on):
        if enterprise_id in population:
            in_care[responsible].add(enterprise_id)
    visited_by: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for enterprise_id, specialists in visits:
        for visitor in specialists:
            visited_by[visitor].add(enterprise_id)
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
                population=mine.population,
                covered=mine.covered,
                coverage_percent=mine.percent,
            )
        )
    scope = in_care.get(specialist_id, set()) if specialist_id is not None else population
    not_visited = rules.coverage(scope, (e for e, _ in visits)).not_visited
    return RoundCoverageRead(
        **read.model_dump(), specialists=per_specialist, not_visited=not_visited
    )


# --- Satisfaction -----------------------------------------------------------------------------


async def rate(session: AsyncSession, actor: Principal, data: RatingCreate) -> RatingRead:
    """The enterprise rates a visit or a demand of its own, once."""
    if data.visit_id is not None:
        visit = await repository.get_visit(session, data.visit_id)
        if visit is None or visit.enterprise_id != actor.enterprise_id:
            raise VisitNotFound(f"visit {data.visit_id} does not exist")
        enterprise_id, credited = visit.enterprise_id, list(visit.specialist_ids)
    else:
        assert data.demand_id is not None
        demand = await repository.get_demand(session, data.demand_id)
        if demand is None or demand.enterprise_id != actor.enterprise_id:
            raise DemandNotFound(f"demand {data.demand_id} does not exist")
        enterprise_id = demand.enterprise_id
        credited = [demand.specialist_id] if demand.specialist_id else []
    rating = SatisfactionRating(
        visit_id=data.visit_id,
        demand_id=data.demand_id,
        enterprise_id=enterprise_id,
        specialist_ids=credited,
        score=data.score,
        comment=data.comment,
        rated_by=actor.id,
        rated_at=clock.now(),
    )
    await repository.add_rating(session, rating)
    read = RatingRead.model_validate(rating)
    await audit.commit_change(
        session,
        actor,
        "rating.create",
        "satisfaction_rating",
        rating.id,
        after=read,
    )
    return read


async def satisfaction(
    session: AsyncSession, settings: Settings, period_from: date | None, period_to: date | None
) -> SatisfactionRead:
    today = clock.today(settings.zone)
    end = period_to or today
    start = period_from or date(end.year, 1, 1)
    if start > end:
        raise Unprocessable(
            "period_from is after period_to.", code="invalid_period", loc=["query", "period_from"]
        )
    zone = settings.zone
    rated = await repository.ratings_between(
        session,
        datetime.combine(start, time.min, zone),
        datetime.combine(end + timedelta(days=1), time.min, zone),
    )
    overall = rules.satisfaction(score for score, _ in rated)
    by_specialist: dict[uuid.UUID, list[int]] = defaultdict(list)
    for score, credited in rated:
        for specialist in credited:
            by_specialist[specialist].append(score)
    specialists = []
    for specialist in sorted(by_specialist, key=str):
        rate_ = rules.satisfaction(by_specialist[specialist])
        specialists.append(
            SpecialistSatisfaction(
                specialist_id=specialist,
                ratings=rate_.denominator,
                satisfied=rate_.numerator,
                rate_percent=rate_.percent,
            )
        )
    return SatisfactionRead(
        period_from=start,
        period_to=end,
        ratings=overall.denominator,
        satisfied=overall.numerator,
        rate_percent=overall.percent,
        specialists=specialists,
    )


# --- Specialist assessment (科技专员业绩考核) --------------------------------------------------


def _rate_read(rate_: rules.Rate) -> RateRead:
    return RateRead(numerator=rate_.numerator, denominator=rate_.denominator, percent=rate_.percent)


async def _assessments(
    session: AsyncSession, settings: Settings, year: int
) -> list[SpecialistAssessmentRead]:
    """Every specialist's year, ranked by the composite (ties: on-time, then id)."""
    zone = settings.zone
    since = datetime.combine(date(year, 1, 1), time.min, zone)
    until = datetime.combine(date(year + 1, 1, 1), time.min, zone)
    period_end = min(until, clock.now())
    specialists = await repository.all_specialists(session)
    round_rates: dict[uuid.UUID, list[rules.Rate]] = defaultdict(list)
    visits_of: dict[uuid.UUID, int] = defaultdict(int)
    for round_ in rules.rounds_of(year, settings.round_windows):
        population = await _population(session, round_.starts_on)
        visited = await repository.visited_between(session, *_window(round_, settings))
        reached = {enterprise for enterprise, _ in visited}
        for _, visitors in visited:
            for visitor in visitors:
                visits_of[visitor] += 1
        in_care: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        for enterprise_id, responsible in await repository.assignments_on(
            session, round_.starts_on
        ):
            if enterprise_id in population:
                in_care[responsible].add(enterprise_id)
        for specialist in specialists:
            round_rates[specialist.id].append(rules.coverage(in_care[specialist.id], reached).rate)
    demands: dict[uuid.UUID, list[tuple[datetime, datetime | None, str]]] = defaultdict(list)
    for specialist_id, raised_at, responded_at, status in await repository.demands_raised_between(
        session, since, until
    ):
        if specialist_id is not None:
            demands[specialist_id].append((raised_at, responded_at, status))
    scores_of: dict[uuid.UUID, list[int]] = defaultdict(list)
    for score, credited in await repository.ratings_between(session, since, until):
        for specialist_id in credited:
            scores_of[specialist_id].append(score)
    scores = [
        rules.SpecialistScores(
            specialist_id=str(specialist.id),
            rounds=tuple(round_rates[specialist.id]),
            on_time=rules.on_time_rate(
                (rules.DemandTimes(r, a) for r, a, _ in demands[specialist.id]), period_end
            ),
            resolution=rules.resolution_rate(status for _, _, status in demands[specialist.id]),
            satisfaction=rules.satisfaction(scores_of[specialist.id]),
        )
        for specialist in specialists
    ]
    names = {str(s.id): s.name for s in specialists}
    return [
        SpecialistAssessmentRead(
            specialist_id=uuid.UUID(ranked.specialist_id),
            name=names[ranked.specialist_id],
            year=year,
            position=ranked.position,
            rounds=[
                RoundRate(
                    round=number,
                    numerator=rate_.numerator,
                    denominator=rate_.denominator,
                    percent=rate_.percent,
                )
                for number, rate_ in enumerate(ranked.scores.rounds, start=1)
            ],
            coverage_percent=ranked.scores.coverage,
            visits=visits_of[uuid.UUID(ranked.specialist_id)],
            on_time=_rate_read(ranked.scores.on_time),
            resolution=_rate_read(ranked.scores.resolution),
            satisfaction=_rate_read(ranked.scores.satisfaction),
            composite=ranked.composite,
        )
        for ranked in rules.rank_specialists(scores)
    ]


async def assessment(
    session: AsyncSession, settings: Settings, specialist_id: uuid.UUID, year: int
) -> SpecialistAssessmentRead:
    await _load(session, specialist_id)
    return next(
        a for a in await _assessments(session, settings, year) if a.specialist_id == specialist_id
    )


async def team_ranking(
    session: AsyncSession, settings: Settings, year: int, page: PageParams
) -> SpecialistAssessmentPage:
    after = page.after(1)
    ranked = [
        a
        for a in await _assessments(session, settings, year)
        if after is None or (a.position or 0) > after[0]
    ]
    items, cursor = page.paginate(ranked, lambda a: (a.position,))
    return SpecialistAssessmentPage(items=items, next_cursor=cursor)


async def visits_in_year(
    session: AsyncSession, settings: Settings, enterprise_ids: Sequence[uuid.UUID], year: int
) -> dict[uuid.UUID, int]:
    """For the ranking: visits per enterprise in the calendar year (the zone's calendar);
    enterprises with none are absent."""
    zone = settings.zone
    since = datetime.combine(date(year, 1, 1), time.min, zone)
    until = datetime.combine(date(year + 1, 1, 1), time.min, zone)
    return await repository.visit_counts(session, enterprise_ids, since, until)


async def enterprises_told(session: AsyncSession, policy_id: uuid.UUID) -> set[uuid.UUID]:
    """For policy awareness: the enterprises a visit presented the policy to."""
    return await repository.enterprises_told(session, policy_id)


async def current_round(session: AsyncSession, settings: Settings) -> RoundRead:
    """The coverage round today falls in, as covered so far."""
    round_ = rules.round_of(clock.now(), settings.zone, settings.round_windows)
    return (await _round_read(session, settings, round_))[0]


async def demand_counts(session: AsyncSession, settings: Settings) -> tuple[int, int, int]:
    """(unsettled, overdue now, breached among those raised this year) for dashboards."""
    now = clock.now()
    zone = settings.zone
    year_start = datetime.combine(date(now.astimezone(zone).year, 1, 1), time.min, zone)
    return await repository.demand_counts(session, now, year_start)


def stream_visits(
    session: AsyncSession, settings: Settings, updated_since: datetime | None
) -> AsyncIterator[Sequence[Any]]:
    """For the exports: every visit."""
    return repository.stream_visits(session, updated_since)


def stream_demands(
    session: AsyncSession, settings: Settings, updated_since: datetime | None
) -> AsyncIterator[Sequence[Any]]:
    """For the exports: every demand."""
    return repository.stream_demands(session, updated_since)
