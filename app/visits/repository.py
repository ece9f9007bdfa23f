from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import constraint_name, driver_connection
from app.enterprises import repository as enterprise_repository
from app.errors import Conflict, ProblemCode
from app.i18n import _
from app.pagination import SortKey, Sorts, orders
from app.visits import rules
from app.visits.models import (
    Demand,
    DemandAction,
    SatisfactionRating,
    Specialist,
    SpecialistAssignment,
    Visit,
)
from app.visits.schemas import DemandFilter, VisitFilter

SPECIALIST_SORTS = Sorts(
    "SpecialistSort", {"name": (SortKey(Specialist.name), SortKey(Specialist.id))}
)
ASSIGNMENT_ORDER = (
    SortKey(SpecialistAssignment.created_at, descending=True),
    SortKey(SpecialistAssignment.id, descending=True),
)


class DuplicateSpecialist(Conflict):
    code = ProblemCode.DUPLICATE_SPECIALIST


async def add_specialist(session: AsyncSession, specialist: Specialist) -> Specialist:
    session.add(specialist)
    try:
        await session.flush()
    except IntegrityError as exc:
        if constraint_name(exc) == "uq_specialist_user_id":
            raise DuplicateSpecialist(
                _("user {user_id} already has a profile", user_id=specialist.user_id)
            ) from exc
        raise
    return specialist


async def get_specialist(session: AsyncSession, specialist_id: uuid.UUID) -> Specialist | None:
    return await session.get(Specialist, specialist_id)


async def specialist_of_user(session: AsyncSession, user_id: uuid.UUID) -> Specialist | None:
    return await session.scalar(select(Specialist).where(Specialist.user_id == user_id))


def specialists(team: str | None) -> Select[Specialist]:
    """The specialists a list shows (ordered and paged by `PageParams.fetch`)."""
    stmt = select(Specialist)
    if team is not None:
        stmt = stmt.where(Specialist.team == team)
    return stmt


async def current_assignment(
    session: AsyncSession, enterprise_id: uuid.UUID
) -> SpecialistAssignment | None:
    stmt = select(SpecialistAssignment).where(
        SpecialistAssignment.enterprise_id == enterprise_id, SpecialistAssignment.ended_on.is_(None)
    )
    return await session.scalar(stmt.with_for_update())


async def add_assignment(session: AsyncSession, assignment: SpecialistAssignment) -> None:
    session.add(assignment)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    await session.flush()


def enterprise_assignments(enterprise_id: uuid.UUID) -> Select[SpecialistAssignment]:
    """What the list shows (ordered and paged by `PageParams.fetch` in ASSIGNMENT_ORDER)."""
    stmt = select(SpecialistAssignment).where(SpecialistAssignment.enterprise_id == enterprise_id)
    return stmt


async def is_responsible(
    session: AsyncSession, user_id: uuid.UUID, enterprise_id: uuid.UUID
) -> bool:
    stmt = (
        select(SpecialistAssignment.id)
        .join(Specialist, Specialist.id == SpecialistAssignment.specialist_id)
        .where(
            Specialist.user_id == user_id,
            Specialist.is_active.is_(True),
            SpecialistAssignment.enterprise_id == enterprise_id,
            SpecialistAssignment.ended_on.is_(None),
        )
    )
    return (await session.scalar(stmt)) is not None


DEMAND_SORTS = Sorts(
    "DemandSort",
    orders(
        {"raised_at": Demand.raised_at, "response_due_at": Demand.response_due_at},
        Demand.id,
        newest_first=True,
    ),
)
ACTION_ORDER = (SortKey(DemandAction.occurred_at), SortKey(DemandAction.id))


async def responsible_specialist(
    session: AsyncSession, enterprise_id: uuid.UUID
) -> uuid.UUID | None:
    stmt = select(SpecialistAssignment.specialist_id).where(
        SpecialistAssignment.enterprise_id == enterprise_id, SpecialistAssignment.ended_on.is_(None)
    )
    return await session.scalar(stmt)


async def add_demand(session: AsyncSession, demand: Demand) -> None:
    session.add(demand)
    await session.flush()


async def get_demand(session: AsyncSession, demand_id: uuid.UUID) -> Demand | None:
    return await session.get(Demand, demand_id)


def demands(where: DemandFilter, now: datetime) -> Select[Demand]:
    """The demands a list shows, filtered (ordered and paged by `PageParams.fetch`)."""
    stmt = select(Demand)
    if where.status is not None:
        stmt = stmt.where(Demand.status == where.status)
    if where.specialist_id is not None:
        stmt = stmt.where(Demand.specialist_id == where.specialist_id)
    if where.enterprise_id is not None:
        stmt = stmt.where(Demand.enterprise_id == where.enterprise_id)
    if where.category is not None:
        stmt = stmt.where(Demand.category == where.category)
    overdue = and_(Demand.first_response_at.is_(None), Demand.response_due_at < now)
    if where.overdue is not None:
        stmt = stmt.where(overdue if where.overdue else ~overdue)
    late = and_(
        Demand.first_response_at.is_not(None), Demand.first_response_at > Demand.response_due_at
    )
    breached = or_(overdue, late)
    if where.breached is not None:
        stmt = stmt.where(breached if where.breached else ~breached)
    return stmt


async def add_action(session: AsyncSession, action: DemandAction) -> None:
    session.add(action)
    await session.flush()


def demand_actions(demand_id: uuid.UUID) -> Select[DemandAction]:
    """What the list shows (ordered and paged by `PageParams.fetch` in ACTION_ORDER)."""
    stmt = select(DemandAction).where(DemandAction.demand_id == demand_id)
    return stmt


VISIT_SORTS = Sorts(
    "VisitSort", orders({"visited_at": Visit.visited_at}, Visit.id, newest_first=True)
)


async def count_specialists(session: AsyncSession, ids: list[uuid.UUID]) -> int:
    stmt = select(Specialist.id).where(Specialist.id.in_(ids))
    return len(list(await session.scalars(stmt)))


async def add_visit(session: AsyncSession, visit: Visit) -> None:
    session.add(visit)
    await session.flush()


async def get_visit(session: AsyncSession, visit_id: uuid.UUID) -> Visit | None:
    return await session.get(Visit, visit_id)


async def demand_ids_of_visits(session: AsyncSession, visit_ids: list[uuid.UUID]) -> list[Any]:
    stmt = select(Demand.visit_id, Demand.id).where(Demand.visit_id.in_(visit_ids))
    return list((await session.execute(stmt.order_by(Demand.raised_at, Demand.id))).all())


def visits(where: VisitFilter) -> Select[Visit]:
    """The visits a list shows, filtered (ordered and paged by `PageParams.fetch`)."""
    stmt = select(Visit)
    if where.enterprise_id is not None:
        stmt = stmt.where(Visit.enterprise_id == where.enterprise_id)
    if where.specialist_id is not None:
        stmt = stmt.where(Visit.specialist_ids.contains([where.specialist_id]))
    if where.since is not None:
        stmt = stmt.where(Visit.visited_at >= where.since)
    if where.until is not None:
        stmt = stmt.where(Visit.visited_at < where.until)
    if where.kind is not None:
        stmt = stmt.where(Visit.kind == where.kind)
    return stmt


async def visited_between(
    session: AsyncSession, since: datetime, until: datetime
) -> list[tuple[uuid.UUID, list[uuid.UUID]]]:
    """(enterprise, specialists) of every visit in [since, until)."""
    stmt = select(Visit.enterprise_id, Visit.specialist_ids).where(
        Visit.visited_at >= since, Visit.visited_at < until
    )
    return [(row[0], list(row[1])) for row in (await session.execute(stmt)).all()]


VISIT_COUNT_ROWS = """
    SELECT v.enterprise_id, count(*)
    FROM unnest($1::uuid[]) AS wanted(id)
    JOIN visit AS v ON v.enterprise_id = wanted.id
    WHERE v.visited_at >= $2 AND v.visited_at < $3
    GROUP BY v.enterprise_id
"""


async def visit_counts(
    session: AsyncSession, enterprise_ids: Sequence[uuid.UUID], since: datetime, until: datetime
) -> dict[uuid.UUID, int]:
    """Visits per enterprise in [since, until); enterprises with none are absent."""
    driver = await driver_connection(session)
    rows = await driver.fetch(VISIT_COUNT_ROWS, list(enterprise_ids), since, until)
    return {row[0]: row[1] for row in rows}


async def assignments_on(session: AsyncSession, day: date) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(enterprise, specialist) of the assignments in force on `day`."""
    stmt = select(SpecialistAssignment.enterprise_id, SpecialistAssignment.specialist_id).where(
        SpecialistAssignment.assigned_on <= day,
        or_(SpecialistAssignment.ended_on.is_(None), SpecialistAssignment.ended_on > day),
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


class AlreadyRated(Conflict):
    code = ProblemCode.ALREADY_RATED


async def add_rating(session: AsyncSession, rating: SatisfactionRating) -> None:
    session.add(rating)
    try:
        await session.flush()
    except IntegrityError as exc:
        if constraint_name(exc) in {
            "uq_satisfaction_rating_visit_id",
            "uq_satisfaction_rating_demand_id",
        }:
            raise AlreadyRated(_("this visit or demand has been rated already")) from exc
        raise


async def ratings_between(
    session: AsyncSession, since: datetime, until: datetime
) -> list[tuple[int, list[uuid.UUID]]]:
    stmt = select(SatisfactionRating.score, SatisfactionRating.specialist_ids).where(
        SatisfactionRating.rated_at >= since, SatisfactionRating.rated_at < until
    )
    return [(row[0], list(row[1])) for row in (await session.execute(stmt)).all()]


async def demands_raised_between(
    session: AsyncSession, since: datetime, until: datetime
) -> list[tuple[uuid.UUID | None, datetime, datetime | None, str]]:
    """(specialist, raised_at, first_response_at, status) of demands raised in [since, until)."""
    stmt = select(
        Demand.specialist_id, Demand.raised_at, Demand.first_response_at, Demand.status
    ).where(Demand.raised_at >= since, Demand.raised_at < until)
    return [(row[0], row[1], row[2], row[3]) for row in (await session.execute(stmt)).all()]


async def all_specialists(session: AsyncSession) -> list[Specialist]:
    return list(await session.scalars(select(Specialist).order_by(Specialist.id)))


async def enterprises_told(session: AsyncSession, policy_id: uuid.UUID) -> set[uuid.UUID]:
    """Enterprises that were presented the policy in at least one visit."""
    stmt = select(Visit.enterprise_id).where(Visit.policies_presented.contains([policy_id]))
    return set(await session.scalars(stmt.distinct()))


async def demand_counts(
    session: AsyncSession, now: datetime, since: datetime
) -> tuple[int, int, int]:
    """Demands not yet settled (resolved, closed or rejected); unanswered past their due
    time; and, of those raised since `since`, breached (answered late, or unanswered past due)."""
    overdue = and_(Demand.first_response_at.is_(None), Demand.response_due_at < now)
    late = and_(
        Demand.first_response_at.is_not(None), Demand.first_response_at > Demand.response_due_at
    )
    stmt = select(
        func.count().filter(Demand.status.in_([s.value for s in rules.UNSETTLED_STATUSES])),
        func.count().filter(overdue),
        func.count().filter(Demand.raised_at >= since, or_(overdue, late)),
    )
    row = (await session.execute(stmt)).one()
    return row[0], row[1], row[2]


def stream_visits(
    session: AsyncSession, updated_since: datetime | None
) -> AsyncIterator[Sequence[Row[Any]]]:
    """Visits with the enterprise's USCC, in id order, in batches (the exports)."""
    return enterprise_repository.stream_with_uscc(session, Visit, updated_since)


def stream_demands(
    session: AsyncSession, updated_since: datetime | None
) -> AsyncIterator[Sequence[Row[Any]]]:
    """Demands with the enterprise's USCC, in id order, in batches (the exports)."""
    return enterprise_repository.stream_with_uscc(session, Demand, updated_since)


async def specialist_names(
    session: AsyncSession, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, str]:
    stmt = select(Specialist.id, Specialist.name).where(Specialist.id.in_(list(ids)))
    return {row.id: row.name for row in await session.execute(stmt)}
