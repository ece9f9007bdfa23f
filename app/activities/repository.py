from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import Select

from app.activities.models import Activity, ActivityInvitation
from app.activities.schemas import ActivityFilter
from app.db import driver_connection
from app.enterprises.models import Enterprise
from app.pagination import SortKey, Sorts, after_clause, order_by, orders

ACTIVITY_SORTS = Sorts(
    "ActivitySort",
    orders({"held_on": Activity.held_on}, Activity.id, newest_first=True),
)
INVITATION_ORDER = (SortKey(ActivityInvitation.created_at), SortKey(ActivityInvitation.id))


class Counts(NamedTuple):
    invited: int
    attended: int


InvitationRow = tuple[ActivityInvitation, str, str]


async def add(session: AsyncSession, activity: Activity) -> Activity:
    session.add(activity)
    await session.flush()
    return activity


async def get(
    session: AsyncSession, activity_id: uuid.UUID, *, lock: bool = False
) -> Activity | None:
    stmt = select(Activity).where(Activity.id == activity_id)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def flush(session: AsyncSession) -> None:
    await session.flush()


async def delete_activity(session: AsyncSession, activity: Activity) -> None:
    await session.delete(activity)
    await session.flush()


def activities(where: ActivityFilter) -> Select[Activity]:
    """What the list shows, filtered (ordered and paged by `PageParams.fetch`)."""
    stmt = select(Activity)
    if where.kind is not None:
        stmt = stmt.where(Activity.kind == where.kind)
    if where.held_from is not None:
        stmt = stmt.where(Activity.held_on >= where.held_from)
    if where.held_to is not None:
        stmt = stmt.where(Activity.held_on <= where.held_to)
    if where.enterprise_id is not None:
        invited = select(ActivityInvitation.activity_id).where(
            ActivityInvitation.enterprise_id == where.enterprise_id
        )
        stmt = stmt.where(Activity.id.in_(invited))
    return stmt


async def counts(
    session: AsyncSession, activity_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Counts]:
    """Invited and attended per activity (activities with no invitation are absent)."""
    if not activity_ids:
        return {}
    stmt = (
        select(
            ActivityInvitation.activity_id,
            func.count(),
            func.count().filter(ActivityInvitation.attended),
        )
        .where(ActivityInvitation.activity_id.in_(activity_ids))
        .group_by(ActivityInvitation.activity_id)
    )
    rows = await session.execute(stmt)
    return {activity_id: Counts(invited, attended) for activity_id, invited, attended in rows}


async def existing_enterprises(
    session: AsyncSession, enterprise_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    stmt = select(Enterprise.id).where(Enterprise.id.in_(enterprise_ids))
    return set(await session.scalars(stmt))


async def invited_among(
    session: AsyncSession, activity_id: uuid.UUID, enterprise_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    stmt = select(ActivityInvitation.enterprise_id).where(
        ActivityInvitation.activity_id == activity_id,
        ActivityInvitation.enterprise_id.in_(enterprise_ids),
    )
    return set(await session.scalars(stmt))


async def invite(
    session: AsyncSession,
    activity_id: uuid.UUID,
    enterprise_ids: Sequence[uuid.UUID],
    invited_by: uuid.UUID | None,
    now: datetime,
) -> set[uuid.UUID]:
    """Invite the enterprises not yet invited; answers the ones this call invited (a
    concurrent call may have invited the others first)."""
    stmt = (
        pg_insert(ActivityInvitation)
        .values(
            [
                {
                    "id": uuid.uuid4(),
                    "activity_id": activity_id,
                    "enterprise_id": enterprise_id,
                    "invited_by": invited_by,
                    "attended": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for enterprise_id in enterprise_ids
            ]
        )
        .on_conflict_do_nothing(index_elements=["activity_id", "enterprise_id"])
        .returning(ActivityInvitation.enterprise_id)
    )
    return set(await session.scalars(stmt))


def _invitations() -> Select[ActivityInvitation, str, str]:
    return select(ActivityInvitation, Enterprise.uscc, Enterprise.name).join(
        Enterprise, Enterprise.id == ActivityInvitation.enterprise_id
    )


async def invitations_of(
    session: AsyncSession, activity_id: uuid.UUID, enterprise_ids: Sequence[uuid.UUID]
) -> list[InvitationRow]:
    stmt = _invitations().where(
        ActivityInvitation.activity_id == activity_id,
        ActivityInvitation.enterprise_id.in_(enterprise_ids),
    )
    rows = await session.execute(stmt.order_by(*order_by(INVITATION_ORDER)))
    return [(invitation, uscc, name) for invitation, uscc, name in rows]


async def list_invitations(
    session: AsyncSession,
    activity_id: uuid.UUID,
    attended: bool | None,
    enterprise_id: uuid.UUID | None,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[InvitationRow]:
    stmt = _invitations().where(ActivityInvitation.activity_id == activity_id)
    if attended is not None:
        stmt = stmt.where(ActivityInvitation.attended.is_(attended))
    if enterprise_id is not None:
        stmt = stmt.where(ActivityInvitation.enterprise_id == enterprise_id)
    if after is not None:
        stmt = stmt.where(after_clause(INVITATION_ORDER, after))
    rows = await session.execute(stmt.order_by(*order_by(INVITATION_ORDER)).limit(limit + 1))
    return [(invitation, uscc, name) for invitation, uscc, name in rows]


async def get_invitation(
    session: AsyncSession, activity_id: uuid.UUID, enterprise_id: uuid.UUID
) -> ActivityInvitation | None:
    stmt = select(ActivityInvitation).where(
        ActivityInvitation.activity_id == activity_id,
        ActivityInvitation.enterprise_id == enterprise_id,
    )
    return await session.scalar(stmt)


async def remove_invitation(session: AsyncSession, invitation: ActivityInvitation) -> None:
    await session.execute(delete(ActivityInvitation).where(ActivityInvitation.id == invitation.id))


async def attendees(session: AsyncSession, activity_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = (
        select(ActivityInvitation.enterprise_id)
        .where(ActivityInvitation.activity_id == activity_id, ActivityInvitation.attended)
        .order_by(ActivityInvitation.enterprise_id)
    )
    return list(await session.scalars(stmt))


async def set_attendance(
    session: AsyncSession, activity_id: uuid.UUID, attended: Sequence[uuid.UUID], now: datetime
) -> None:
    """The sign-in sheet: exactly these invitations attended (recorded now unless they
    already were), the others did not."""
    await session.execute(
        update(ActivityInvitation)
        .where(
            ActivityInvitation.activity_id == activity_id,
            ActivityInvitation.enterprise_id.in_(attended),
            ActivityInvitation.attended.is_(False),
        )
        .values(attended=True, attendance_recorded_at=now, updated_at=now)
    )
    await session.execute(
        update(ActivityInvitation)
        .where(
            ActivityInvitation.activity_id == activity_id,
            ActivityInvitation.enterprise_id.not_in(attended),
            ActivityInvitation.attended.is_(True),
        )
        .values(attended=False, attendance_recorded_at=None, updated_at=now)
    )


PARTICIPATION_ROWS = """
    SELECT i.enterprise_id, count(*), count(*) FILTER (WHERE i.attended)
    FROM unnest($1::uuid[]) AS cohort(enterprise_id)
    JOIN activity_invitation AS i ON i.enterprise_id = cohort.enterprise_id
    JOIN activity AS a ON a.id = i.activity_id
    WHERE a.held_on BETWEEN $2 AND $3
    GROUP BY i.enterprise_id
"""


async def participation(
    session: AsyncSession, enterprise_ids: Sequence[uuid.UUID], first: date, last: date
) -> dict[uuid.UUID, Counts]:
    """Invitations and attendance per enterprise for activities held within first..last;
    enterprises with no invitation are absent. Joined through unnest so that a cohort of
    100k costs a hash join, not 100k lookups."""
    driver = await driver_connection(session)
    rows = await driver.fetch(PARTICIPATION_ROWS, list(enterprise_ids), first, last)
    return {row[0]: Counts(row[1], row[2]) for row in rows}
