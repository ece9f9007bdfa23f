"""Cultivation activities (培育活动): invitations and the attendance sheet, which feed the
ranking's participation score."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.activities import repository
from app.activities.models import Activity
from app.activities.repository import ACTIVITY_SORTS as ACTIVITY_SORTS
from app.activities.repository import Counts, InvitationRow
from app.activities.schemas import (
    ActivityCreate,
    ActivityFilter,
    ActivityPage,
    ActivityRead,
    ActivityUpdate,
    AttendanceRead,
    AttendanceWrite,
    InvitationBatchRead,
    InvitationCreate,
    InvitationPage,
    InvitationRead,
)
from app.audit import service as audit
from app.auth.roles import Principal, Role
from app.config import Settings
from app.errors import Conflict, NotFound, ProblemCode, Unprocessable, ValidationErrorItem
from app.http import check_if_match
from app.i18n import _
from app.modelkit import apply_changes
from app.pagination import PageParams
from app.visits.rules import Rate

__all__ = ["Counts", "participation"]


class ActivityNotFound(NotFound):
    code = ProblemCode.ACTIVITY_NOT_FOUND


class InvitationNotFound(NotFound):
    code = ProblemCode.INVITATION_NOT_FOUND


class AlreadyInvited(Conflict):
    code = ProblemCode.ALREADY_INVITED


class AttendanceRecorded(Conflict):
    code = ProblemCode.ATTENDANCE_RECORDED


def _read(activity: Activity, counts: Counts | None) -> ActivityRead:
    counts = counts or Counts(0, 0)
    return ActivityRead.model_validate(
        {
            **{c: getattr(activity, c) for c in ActivityRead.model_fields if hasattr(activity, c)},
            "invited": counts.invited,
            "attended": counts.attended,
        }
    )


def _invitation_read(row: InvitationRow) -> InvitationRead:
    invitation, uscc, name = row
    return InvitationRead(
        activity_id=invitation.activity_id,
        enterprise_id=invitation.enterprise_id,
        uscc=uscc,
        name=name,
        attended=invitation.attended,
        attendance_recorded_at=invitation.attendance_recorded_at,
        created_at=invitation.created_at,
    )


async def _load(
    session: AsyncSession, viewer: Principal, activity_id: uuid.UUID, *, lock: bool = False
) -> Activity:
    activity = await repository.get(session, activity_id, lock=lock)
    # An enterprise user knows only the activities it was invited to.
    if activity is not None and viewer.role is Role.ENTERPRISE:
        own = [viewer.enterprise_id] if viewer.enterprise_id else []
        if not own or not await repository.invited_among(session, activity.id, own):
            activity = None
    if activity is None:
        raise ActivityNotFound(_("activity {activity_id} does not exist", activity_id=activity_id))
    return activity


async def _read_one(session: AsyncSession, activity: Activity) -> ActivityRead:
    counts = await repository.counts(session, [activity.id])
    return _read(activity, counts.get(activity.id))


def _check_held(activity: Activity, settings: Settings, loc: list[str | int]) -> None:
    if activity.held_on > clock.today(settings.zone):
        raise Unprocessable(
            _(
                "The activity is held on {held_on}; attendance is recorded once it has been held.",
                held_on=activity.held_on,
            ),
            code=ProblemCode.ACTIVITY_NOT_HELD,
            loc=loc,
        )


async def create_activity(
    session: AsyncSession, actor: Principal, data: ActivityCreate
) -> tuple[ActivityRead, int]:
    activity = Activity(**data.model_dump(), created_by=actor.id)
    activity.kind = data.kind
    await repository.add(session, activity)
    read = _read(activity, None)
    await audit.commit_change(
        session, actor, "activity.create", "activity", activity.id, after=read
    )
    return read, activity.version


async def list_activities(
    session: AsyncSession, viewer: Principal, where: ActivityFilter, page: PageParams
) -> ActivityPage:
    if viewer.role is Role.ENTERPRISE:
        where = ActivityFilter(
            kind=where.kind,
            held_from=where.held_from,
            held_to=where.held_to,
            enterprise_id=viewer.enterprise_id or uuid.UUID(int=0),
        )
    fetched = await page.fetch(session, repository.activities(where), repository.ACTIVITY_SORTS)
    counts = await repository.counts(session, [a.id for a in fetched.items])
    return ActivityPage(
        items=[_read(a, counts.get(a.id)) for a in fetched.items], **fetched.page_fields()
    )


async def get_activity(
    session: AsyncSession, viewer: Principal, activity_id: uuid.UUID
) -> tuple[ActivityRead, int]:
    activity = await _load(session, viewer, activity_id)
    return await _read_one(session, activity), activity.version


async def update_activity(
    session: AsyncSession,
    actor: Principal,
    settings: Settings,
    activity_id: uuid.UUID,
    data: ActivityUpdate,
    if_match: str | None,
) -> tuple[ActivityRead, int]:
    activity = await _load(session, actor, activity_id, lock=True)
    check_if_match(if_match, activity.version)
    before = await _read_one(session, activity)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    apply_changes(activity, changes)
    if before.attended and "held_on" in changes:
        _check_held(activity, settings, ["body", "held_on"])
    await repository.flush(session)
    after = await _read_one(session, activity)
    await audit.commit_change(
        session,
        actor,
        "activity.update",
        "activity",
        activity.id,
        before=before,
        after=after,
    )
    return after, activity.version


async def delete_activity(
    session: AsyncSession, actor: Principal, activity_id: uuid.UUID, if_match: str | None
) -> None:
    activity = await _load(session, actor, activity_id, lock=True)
    check_if_match(if_match, activity.version)
    before = await _read_one(session, activity)
    if before.attended:
        raise AttendanceRecorded(
            _(
                "{attended} enterprises attended this activity; it is part of their record and "
                "cannot be deleted.",
                attended=before.attended,
            ),
        )
    await repository.delete_activity(session, activity)
    await audit.commit_change(
        session, actor, "activity.delete", "activity", activity_id, before=before
    )


async def invite(
    session: AsyncSession, actor: Principal, activity_id: uuid.UUID, data: InvitationCreate
) -> InvitationBatchRead:
    activity = await _load(session, actor, activity_id, lock=True)
    wanted = list(dict.fromkeys(data.enterprise_ids))
    known = await repository.existing_enterprises(session, wanted)
    unknown = [
        ValidationErrorItem(
            loc=["body", "enterprise_ids", index],
            msg=f"enterprise {enterprise_id} does not exist",
            type="unknown_enterprise",
        )
        for index, enterprise_id in enumerate(data.enterprise_ids)
        if enterprise_id not in known
    ]
    if unknown:
        raise Unprocessable(
            _("{count} of the enterprises do not exist.", count=len(unknown)),
            code=ProblemCode.UNKNOWN_ENTERPRISE,
            errors=unknown,
        )
    now = clock.now()
    invited = await repository.invite(session, activity.id, wanted, actor.id, now)
    already = [e for e in wanted if e not in invited]
    if already:
        raise AlreadyInvited(
            _(
                "Already invited: {enterprises}; nothing was changed.",
                enterprises=", ".join(str(e) for e in already),
            )
        )
    activity.updated_at = now  # a new version: the activity's counts changed
    await repository.flush(session)
    rows = await repository.invitations_of(session, activity.id, wanted)
    items = [_invitation_read(row) for row in rows]
    audit.record(
        session,
        actor,
        "activity.invite",
        "activity",
        activity.id,
        after={"invited": [str(e) for e in wanted]},
    )
    await session.commit()
    return InvitationBatchRead(items=items)


async def list_invitations(
    session: AsyncSession,
    viewer: Principal,
    activity_id: uuid.UUID,
    attended: bool | None,
    page: PageParams,
) -> InvitationPage:
    activity = await _load(session, viewer, activity_id)
    own = viewer.enterprise_id if viewer.role is Role.ENTERPRISE else None
    rows = await repository.list_invitations(
        session, activity.id, attended, own, page.after(2), page.limit
    )
    items, cursor = page.paginate(rows, lambda r: (r[0].created_at, r[0].id))
    return InvitationPage(items=[_invitation_read(r) for r in items], next_cursor=cursor)


async def uninvite(
    session: AsyncSession, actor: Principal, activity_id: uuid.UUID, enterprise_id: uuid.UUID
) -> None:
    activity = await _load(session, actor, activity_id, lock=True)
    invitation = await repository.get_invitation(session, activity.id, enterprise_id)
    if invitation is None:
        raise InvitationNotFound(
            _(
                "enterprise {enterprise_id} is not invited to this activity",
                enterprise_id=enterprise_id,
            )
        )
    if invitation.attended:
        raise AttendanceRecorded(
            _(
                "enterprise {enterprise_id} attended; take it off the attendance sheet first.",
                enterprise_id=enterprise_id,
            )
        )
    await repository.remove_invitation(session, invitation)
    activity.updated_at = clock.now()
    await repository.flush(session)
    audit.record(
        session,
        actor,
        "activity.uninvite",
        "activity",
        activity.id,
        before={"invited": [str(enterprise_id)]},
    )
    await session.commit()


async def _attendance(session: AsyncSession, activity: Activity) -> AttendanceRead:
    counts = (await repository.counts(session, [activity.id])).get(activity.id, Counts(0, 0))
    return AttendanceRead(
        activity_id=activity.id,
        held_on=activity.held_on,
        invited=counts.invited,
        attended=counts.attended,
        rate_percent=Rate.of(counts.attended, counts.invited).percent,
        attended_enterprise_ids=await repository.attendees(session, activity.id),
    )


async def get_attendance(
    session: AsyncSession, viewer: Principal, activity_id: uuid.UUID
) -> tuple[AttendanceRead, int]:
    activity = await _load(session, viewer, activity_id)
    read = await _attendance(session, activity)
    if viewer.role is Role.ENTERPRISE:
        # Its own line of the sheet, not the other enterprises'.
        read.attended_enterprise_ids = [
            e for e in read.attended_enterprise_ids if e == viewer.enterprise_id
        ]
    return read, activity.version


async def put_attendance(
    session: AsyncSession,
    actor: Principal,
    settings: Settings,
    activity_id: uuid.UUID,
    data: AttendanceWrite,
    if_match: str | None,
) -> tuple[AttendanceRead, int]:
    activity = await _load(session, actor, activity_id, lock=True)
    check_if_match(if_match, activity.version)
    _check_held(activity, settings, ["path", "activity_id"])
    attended = list(dict.fromkeys(data.attended_enterprise_ids))
    invited = await repository.invited_among(session, activity.id, attended) if attended else set()
    strangers = [
        ValidationErrorItem(
            loc=["body", "attended_enterprise_ids", index],
            msg=f"enterprise {enterprise_id} was not invited; invite it first",
            type="not_invited",
        )
        for index, enterprise_id in enumerate(data.attended_enterprise_ids)
        if enterprise_id not in invited
    ]
    if strangers:
        raise Unprocessable(
            _("{count} of the enterprises were not invited.", count=len(strangers)),
            code=ProblemCode.NOT_INVITED,
            errors=strangers,
        )
    before = await _attendance(session, activity)
    now = clock.now()
    await repository.set_attendance(session, activity.id, attended, now)
    activity.updated_at = now
    await repository.flush(session)
    after = await _attendance(session, activity)
    await audit.commit_change(
        session,
        actor,
        "activity.attendance",
        "activity",
        activity.id,
        before=before,
        after=after,
    )
    return after, activity.version


async def participation(
    session: AsyncSession, enterprise_ids: Sequence[uuid.UUID], year: int
) -> dict[uuid.UUID, Counts]:
    """For the ranking: each enterprise's invitations and attendance for the activities held
    in the calendar year (absent: none)."""
    return await repository.participation(
        session, enterprise_ids, date(year, 1, 1), date(year, 12, 31)
    )
