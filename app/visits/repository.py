from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import constraint_name
from app.errors import Conflict
from app.pagination import SortKey, after_clause, order_by
from app.visits.models import Specialist, SpecialistAssignment

SPECIALIST_ORDER = (SortKey(Specialist.name), SortKey(Specialist.id))
ASSIGNMENT_ORDER = (
    SortKey(SpecialistAssignment.created_at, descending=True),
    SortKey(SpecialistAssignment.id, descending=True),
)


class DuplicateSpecialist(Conflict):
    code = "duplicate_specialist"


async def add_specialist(session: AsyncSession, specialist: Specialist) -> Specialist:
    session.add(specialist)
    try:
        await session.flush()
    except IntegrityError as exc:
        if constraint_name(exc) == "uq_specialist_user_id":
            raise DuplicateSpecialist(f"user {specialist.user_id} already has a profile") from exc
        raise
    return specialist


async def get_specialist(session: AsyncSession, specialist_id: uuid.UUID) -> Specialist | None:
    return await session.get(Specialist, specialist_id)


async def specialist_of_user(session: AsyncSession, user_id: uuid.UUID) -> Specialist | None:
    return await session.scalar(select(Specialist).where(Specialist.user_id == user_id))


async def list_specialists(
    session: AsyncSession, team: str | None, after: tuple[Any, ...] | None, limit: int
) -> list[Specialist]:
    stmt = select(Specialist)
    if team is not None:
        stmt = stmt.where(Specialist.team == team)
    if after is not None:
        stmt = stmt.where(after_clause(SPECIALIST_ORDER, after))
    return list(await session.scalars(stmt.order_by(*order_by(SPECIALIST_ORDER)).limit(limit + 1)))


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


async def assignments(
    session: AsyncSession, enterprise_id: uuid.UUID, after: tuple[Any, ...] | None, limit: int
) -> list[SpecialistAssignment]:
    stmt = select(SpecialistAssignment).where(SpecialistAssignment.enterprise_id == enterprise_id)
    if after is not None:
        stmt = stmt.where(after_clause(ASSIGNMENT_ORDER, after))
    return list(await session.scalars(stmt.order_by(*order_by(ASSIGNMENT_ORDER)).limit(limit + 1)))


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
