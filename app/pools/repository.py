from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import Select

from app.db import constraint_name
from app.enterprises import repository as enterprise_repository
from app.enterprises.models import Enterprise
from app.errors import Conflict, ProblemCode
from app.i18n import _
from app.pagination import SortKey, Sorts, after_clause, order_by, orders
from app.pools.models import PoolMember, PoolTransition
from app.pools.schemas import MemberFilter

MEMBER_SORTS = Sorts(
    "PoolMemberSort",
    orders(
        {
            "created_at": PoolMember.created_at,
            "name": Enterprise.name,
            "entered_on": PoolMember.entered_on,
        },
        PoolMember.id,
    ),
)
TRANSITION_ORDER = (SortKey(PoolTransition.occurred_at), SortKey(PoolTransition.id))


class AlreadyInPool(Conflict):
    code = ProblemCode.ALREADY_IN_POOL


MemberRow = tuple[PoolMember, str, str]


def _with_enterprise() -> Select[PoolMember, str, str]:
    return select(PoolMember, Enterprise.uscc, Enterprise.name).join(
        Enterprise, Enterprise.id == PoolMember.enterprise_id
    )


async def add_member(session: AsyncSession, member: PoolMember) -> PoolMember:
    session.add(member)
    try:
        await session.flush()
    except IntegrityError as exc:
        if constraint_name(exc) in {
            "uq_pool_member_active_enterprise",
            "uq_pool_member_active_project",
        }:
            raise AlreadyInPool(
                _(
                    "project {id} is already active in the {pool} pool",
                    id=member.project_id,
                    pool=member.pool,
                )
                if member.project_id
                else _(
                    "enterprise {id} is already active in the {pool} pool",
                    id=member.enterprise_id,
                    pool=member.pool,
                )
            ) from exc
        raise
    return member


async def get_member(session: AsyncSession, pool: str, member_id: uuid.UUID) -> MemberRow | None:
    row = (
        await session.execute(
            _with_enterprise().where(PoolMember.id == member_id, PoolMember.pool == pool)
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def members(pool: str, where: MemberFilter) -> Select[PoolMember, str, str]:
    """The members a list shows with their enterprise's code and name, filtered (ordered and
    paged by `PageParams.fetch`)."""
    stmt = _with_enterprise().where(PoolMember.pool == pool)
    if where.tier is not None:
        stmt = stmt.where(PoolMember.tier == where.tier)
    if where.status is not None:
        stmt = stmt.where(PoolMember.status == where.status)
    if where.suggested_tier is not None:
        stmt = stmt.where(PoolMember.suggested_tier == where.suggested_tier)
    if where.mismatch is True:
        stmt = stmt.where(PoolMember.suggested_tier.is_not(None))
        stmt = stmt.where(PoolMember.suggested_tier != PoolMember.tier)
    elif where.mismatch is False:
        stmt = stmt.where(PoolMember.suggested_tier == PoolMember.tier)
    if where.enterprise_id is not None:
        stmt = stmt.where(PoolMember.enterprise_id == where.enterprise_id)
    return stmt


async def active_project_membership(
    session: AsyncSession, project_id: uuid.UUID
) -> PoolMember | None:
    stmt = select(PoolMember).where(
        PoolMember.project_id == project_id, PoolMember.status == "active"
    )
    return await session.scalar(stmt)


async def active_membership(
    session: AsyncSession, pool: str, enterprise_id: uuid.UUID
) -> PoolMember | None:
    stmt = select(PoolMember).where(
        PoolMember.pool == pool,
        PoolMember.enterprise_id == enterprise_id,
        PoolMember.project_id.is_(None),
        PoolMember.status == "active",
    )
    return await session.scalar(stmt.with_for_update())


async def certified_by(session: AsyncSession, qualification_id: uuid.UUID) -> PoolMember | None:
    stmt = select(PoolMember).where(PoolMember.qualification_id == qualification_id)
    return await session.scalar(stmt.with_for_update())


async def certified_project_membership(
    session: AsyncSession, project_id: uuid.UUID
) -> PoolMember | None:
    """The membership the project's approval ended (its latest certified one)."""
    stmt = (
        select(PoolMember)
        .where(PoolMember.project_id == project_id, PoolMember.status == "certified")
        .order_by(PoolMember.exited_on.desc(), PoolMember.id.desc())
        .limit(1)
    )
    return await session.scalar(stmt.with_for_update())


async def active_memberships(session: AsyncSession, enterprise_id: uuid.UUID) -> list[PoolMember]:
    stmt = select(PoolMember).where(
        PoolMember.enterprise_id == enterprise_id, PoolMember.status == "active"
    )
    return list(await session.scalars(stmt))


async def members_among(
    session: AsyncSession, enterprise_ids: Sequence[uuid.UUID], pools: Sequence[str]
) -> set[uuid.UUID]:
    """Which of the enterprises are active in one of the pools (asked in chunks: a bulk load
    names up to 100k enterprises, over PostgreSQL's limit of bind parameters)."""
    found: set[uuid.UUID] = set()
    for start in range(0, len(enterprise_ids), 5_000):
        stmt = select(PoolMember.enterprise_id).where(
            PoolMember.enterprise_id.in_(enterprise_ids[start : start + 5_000]),
            PoolMember.pool.in_(pools),
            PoolMember.status == "active",
        )
        found.update(await session.scalars(stmt))
    return found


async def counts(session: AsyncSession) -> tuple[list[Any], list[Any]]:
    """(pool, tier, n) for active members, and (pool, status, n) for all."""
    tiers = await session.execute(
        select(PoolMember.pool, PoolMember.tier, func.count())
        .where(PoolMember.status == "active")
        .group_by(PoolMember.pool, PoolMember.tier)
    )
    statuses = await session.execute(
        select(PoolMember.pool, PoolMember.status, func.count()).group_by(
            PoolMember.pool, PoolMember.status
        )
    )
    return list(tiers.all()), list(statuses.all())


async def add_transition(session: AsyncSession, transition: PoolTransition) -> PoolTransition:
    session.add(transition)
    await session.flush()
    return transition


async def list_transitions(
    session: AsyncSession, member_id: uuid.UUID, after: tuple[Any, ...] | None, limit: int
) -> list[PoolTransition]:
    stmt = select(PoolTransition).where(PoolTransition.member_id == member_id)
    if after is not None:
        stmt = stmt.where(after_clause(TRANSITION_ORDER, after))
    stmt = stmt.order_by(*order_by(TRANSITION_ORDER)).limit(limit + 1)
    return list(await session.scalars(stmt))


async def any_member(session: AsyncSession) -> bool:
    return (await session.scalar(select(PoolMember.id).limit(1))) is not None


async def flush(session: AsyncSession) -> None:
    await session.flush()


async def enterprises_active_on(
    session: AsyncSession, pools: list[str], day: date
) -> set[uuid.UUID]:
    stmt = select(PoolMember.enterprise_id).where(
        PoolMember.pool.in_(pools),
        PoolMember.entered_on <= day,
        or_(PoolMember.exited_on.is_(None), PoolMember.exited_on > day),
    )
    return set(await session.scalars(stmt))


async def active_pools(
    session: AsyncSession, enterprise_id: uuid.UUID | None
) -> list[tuple[uuid.UUID, str]]:
    """(enterprise, pool) of every active membership (of one enterprise when named)."""
    stmt = select(PoolMember.enterprise_id, PoolMember.pool).where(PoolMember.status == "active")
    if enterprise_id is not None:
        stmt = stmt.where(PoolMember.enterprise_id == enterprise_id)
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


def stream_members(
    session: AsyncSession, updated_since: datetime | None
) -> AsyncIterator[Sequence[Row[Any]]]:
    """Every membership, past ones included, with the enterprise's USCC, in id order, in
    batches (the exports)."""
    return enterprise_repository.stream_with_uscc(session, PoolMember, updated_since)
