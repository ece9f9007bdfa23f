from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app import errors
from app.auth.dependencies import CurrentPrincipal, SettingsDep, StaffPrincipal
from app.db import SessionDep
from app.http import set_etag, set_location
from app.pagination import PageParamsDep
from app.visits import service
from app.visits.schemas import (
    AssignmentPage,
    AssignmentRead,
    AssignmentWrite,
    SpecialistCreate,
    SpecialistPage,
    SpecialistRead,
)

router = APIRouter(
    prefix="/api/v1", tags=["visits"], responses=errors.responses(401, 403, 422, 503)
)


@router.post(
    "/specialists",
    operation_id="createSpecialist",
    status_code=status.HTTP_201_CREATED,
    response_model=SpecialistRead,
    responses=errors.responses(409),
)
async def create_specialist(
    data: SpecialistCreate, principal: StaffPrincipal, session: SessionDep, response: Response
) -> SpecialistRead:
    """Give a user with the role `specialist` a profile on the service team."""
    specialist = await service.create_specialist(session, principal, data)
    set_location(response, f"/api/v1/specialists/{specialist.id}")
    set_etag(response, 1)
    return specialist


@router.get("/specialists", operation_id="listSpecialists", response_model=SpecialistPage)
async def list_specialists(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageParamsDep,
    team: Annotated[str | None, Query(max_length=100)] = None,
) -> SpecialistPage:
    """The service team by name (phones masked for integrations)."""
    return await service.list_specialists(session, principal, team, page)


@router.get(
    "/specialists/{specialist_id}",
    operation_id="getSpecialist",
    response_model=SpecialistRead,
    responses=errors.responses(404),
)
async def get_specialist(
    specialist_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> SpecialistRead:
    """One specialist."""
    specialist, version = await service.get_specialist(session, principal, specialist_id)
    set_etag(response, version)
    return specialist


@router.put(
    "/enterprises/{enterprise_id}/specialist",
    operation_id="putEnterpriseSpecialist",
    response_model=AssignmentRead,
    responses=errors.responses(404),
)
async def put_enterprise_specialist(
    enterprise_id: uuid.UUID,
    data: AssignmentWrite,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> AssignmentRead:
    """Make a specialist responsible for the enterprise (the previous assignment ends)."""
    return await service.assign(session, settings, principal, enterprise_id, data)


@router.get(
    "/enterprises/{enterprise_id}/specialist-history",
    operation_id="listEnterpriseSpecialistHistory",
    response_model=AssignmentPage,
    responses=errors.responses(404),
)
async def list_enterprise_specialist_history(
    enterprise_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, page: PageParamsDep
) -> AssignmentPage:
    """Who was responsible for the enterprise, newest first (ended_on null: the current one)."""
    return await service.assignment_history(session, principal, enterprise_id, page)
