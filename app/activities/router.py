from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from app import errors
from app.activities import service
from app.activities.enums import ActivityKind
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
)
from app.auth.dependencies import CurrentPrincipal, ScopeRequired, SettingsDep, StaffPrincipal
from app.auth.scopes import Scope
from app.db import SessionDep
from app.http import IfMatchHeader, set_etag, set_location
from app.pagination import PageParams, PageParamsDep, sorted_page
from app.schemas import CalendarDate

router = APIRouter(
    dependencies=[Depends(ScopeRequired(Scope.READ_ACTIVITIES))],
    prefix="/api/v1/activities",
    tags=["activities"],
    responses=errors.responses(401, 403, 422, 503),
)


@router.post(
    "",
    operation_id="createActivity",
    status_code=status.HTTP_201_CREATED,
    response_model=ActivityRead,
)
async def create_activity(
    data: ActivityCreate, principal: StaffPrincipal, session: SessionDep, response: Response
) -> ActivityRead:
    """Record a cultivation activity (training, policy briefing, matchmaking, …)."""
    activity, version = await service.create_activity(session, principal, data)
    set_location(response, f"/api/v1/activities/{activity.id}")
    set_etag(response, version)
    return activity


@router.get("", operation_id="listActivities", response_model=ActivityPage)
async def list_activities(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: Annotated[PageParams, sorted_page(service.ACTIVITY_SORTS)],
    kind: ActivityKind | None = None,
    held_from: Annotated[CalendarDate | None, Query(alias="from")] = None,
    held_to: Annotated[CalendarDate | None, Query(alias="to")] = None,
    enterprise_id: Annotated[
        uuid.UUID | None, Query(description="Only the activities it was invited to")
    ] = None,
) -> ActivityPage:
    """Activities, latest first (an enterprise user sees those it was invited to)."""
    where = ActivityFilter(
        kind=kind.value if kind else None,
        held_from=held_from,
        held_to=held_to,
        enterprise_id=enterprise_id,
    )
    return await service.list_activities(session, principal, where, page)


@router.get(
    "/{activity_id}",
    operation_id="getActivity",
    response_model=ActivityRead,
    responses=errors.responses(404),
)
async def get_activity(
    activity_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> ActivityRead:
    """One activity with its invitation and attendance counts."""
    activity, version = await service.get_activity(session, principal, activity_id)
    set_etag(response, version)
    return activity


@router.patch(
    "/{activity_id}",
    operation_id="updateActivity",
    response_model=ActivityRead,
    responses=errors.responses(404, 412),
)
async def update_activity(
    activity_id: uuid.UUID,
    data: ActivityUpdate,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ActivityRead:
    """Change an activity's details."""
    activity, version = await service.update_activity(
        session, principal, settings, activity_id, data, if_match
    )
    set_etag(response, version)
    return activity


@router.delete(
    "/{activity_id}",
    operation_id="deleteActivity",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors.responses(404, 409, 412),
)
async def delete_activity(
    activity_id: uuid.UUID,
    principal: StaffPrincipal,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> None:
    """Delete an activity recorded by mistake (409 once anyone attended it)."""
    await service.delete_activity(session, principal, activity_id, if_match)


@router.post(
    "/{activity_id}/invitations",
    operation_id="createActivityInvitations",
    status_code=status.HTTP_201_CREATED,
    response_model=InvitationBatchRead,
    responses=errors.responses(404, 409),
)
async def create_invitations(
    activity_id: uuid.UUID,
    data: InvitationCreate,
    principal: StaffPrincipal,
    session: SessionDep,
    response: Response,
) -> InvitationBatchRead:
    """Invite enterprises (all or none: 409 when one is invited already)."""
    batch = await service.invite(session, principal, activity_id, data)
    set_location(response, f"/api/v1/activities/{activity_id}/invitations")
    return batch


@router.get(
    "/{activity_id}/invitations",
    operation_id="listActivityInvitations",
    response_model=InvitationPage,
    responses=errors.responses(404),
)
async def list_invitations(
    activity_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageParamsDep,
    attended: bool | None = None,
) -> InvitationPage:
    """The invited enterprises in the order they were invited, with whether they came."""
    return await service.list_invitations(session, principal, activity_id, attended, page)


@router.delete(
    "/{activity_id}/invitations/{enterprise_id}",
    operation_id="deleteActivityInvitation",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors.responses(404, 409),
)
async def delete_invitation(
    activity_id: uuid.UUID,
    enterprise_id: uuid.UUID,
    principal: StaffPrincipal,
    session: SessionDep,
) -> None:
    """Withdraw an invitation (409 when the enterprise attended)."""
    await service.uninvite(session, principal, activity_id, enterprise_id)


@router.get(
    "/{activity_id}/attendance",
    operation_id="getActivityAttendance",
    response_model=AttendanceRead,
    responses=errors.responses(404),
)
async def get_attendance(
    activity_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> AttendanceRead:
    """The attendance sheet: invited, attended and the rate."""
    attendance, version = await service.get_attendance(session, principal, activity_id)
    set_etag(response, version)
    return attendance


@router.put(
    "/{activity_id}/attendance",
    operation_id="putActivityAttendance",
    response_model=AttendanceRead,
    responses=errors.responses(404, 412),
)
async def put_attendance(
    activity_id: uuid.UUID,
    data: AttendanceWrite,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> AttendanceRead:
    """Record the sign-in sheet once the activity has been held: exactly these invited
    enterprises attended."""
    attendance, version = await service.put_attendance(
        session, principal, settings, activity_id, data, if_match
    )
    set_etag(response, version)
    return attendance
