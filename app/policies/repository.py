from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.pagination import Sorts, order_by, orders
from app.policies.models import Policy
from app.policies.schemas import PolicyFilter

POLICY_SORTS = Sorts(
    "PolicySort",
    orders({"valid_from": Policy.valid_from}, Policy.id, newest_first=True),
)


def _valid_on(day: date) -> Any:
    return (Policy.valid_from <= day) & or_(Policy.valid_to.is_(None), Policy.valid_to >= day)


async def add(session: AsyncSession, policy: Policy) -> None:
    session.add(policy)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    await session.flush()


async def get(session: AsyncSession, policy_id: uuid.UUID) -> Policy | None:
    return await session.get(Policy, policy_id)


def policies(where: PolicyFilter) -> Select[Policy]:
    """What the list shows, filtered (ordered and paged by `PageParams.fetch`)."""
    stmt = select(Policy)
    if where.level is not None:
        stmt = stmt.where(Policy.level == where.level)
    if where.valid_on is not None:
        stmt = stmt.where(_valid_on(where.valid_on))
    if where.pool is not None:
        stmt = stmt.where(Policy.pools.contains([where.pool]))
    return stmt


async def valid_on(session: AsyncSession, day: date) -> list[Policy]:
    """The policies valid on `day`, in the catalogue's order."""
    stmt = select(Policy).where(_valid_on(day)).order_by(*order_by(POLICY_SORTS.default_keys))
    return list(await session.scalars(stmt))


async def existing_ids(session: AsyncSession, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    return set(await session.scalars(select(Policy.id).where(Policy.id.in_(ids))))


async def all_ids(session: AsyncSession) -> list[uuid.UUID]:
    return list(
        await session.scalars(select(Policy.id).order_by(*order_by(POLICY_SORTS.default_keys)))
    )
