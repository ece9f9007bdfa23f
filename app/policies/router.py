from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from app import errors
from app.auth.dependencies import (
    CurrentPrincipal,
    ScopeRequired,
    SettingsDep,
    StaffPrincipal,
    ZoneFiguresPrincipal,
)
from app.auth.scopes import Scope
from app.db import SessionDep
from app.http import IfMatchHeader, set_etag, set_location
from app.pagination import PageParams, PageParamsDep, sorted_page
from app.policies import service
from app.policies.enums import PolicyLevel
from app.policies.schemas import (
    PolicyCreate,
    PolicyFilter,
    PolicyMatchPage,
    PolicyPage,
    PolicyReachRead,
    PolicyRead,
    PolicyUpdate,
)
from app.pools.enums import Pool
from app.schemas import CalendarDate

router = APIRouter(
    dependencies=[Depends(ScopeRequired(Scope.READ_POLICIES))],
    prefix="/api/v1",
    tags=["policies"],
    responses=errors.responses(401, 403, 422, 503),
)

AsOf = Annotated[CalendarDate | None, Query(description="Default: today")]


@router.post(
    "/policies",
    operation_id="createPolicy",
    status_code=status.HTTP_201_CREATED,
    response_model=PolicyRead,
)
async def create_policy(
    data: PolicyCreate, principal: StaffPrincipal, session: SessionDep, response: Response
) -> PolicyRead:
    """Add a policy to the catalogue, with its interpretation and whom it is for."""
    policy, version = await service.create_policy(session, principal, data)
    set_location(response, f"/api/v1/policies/{policy.id}")
    set_etag(response, version)
    return policy


@router.get("/policies", operation_id="listPolicies", response_model=PolicyPage)
async def list_policies(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: Annotated[PageParams, sorted_page(service.POLICY_SORTS)],
    level: PolicyLevel | None = None,
    valid_on: Annotated[
        CalendarDate | None, Query(description="Only the policies valid on this day")
    ] = None,
    pool: Annotated[Pool | None, Query(description="Only the policies for this pool")] = None,
) -> PolicyPage:
    """The policy catalogue, newest validity first."""
    where = PolicyFilter(
        level=level.value if level else None, valid_on=valid_on, pool=pool.value if pool else None
    )
    return await service.list_policies(session, where, page)


@router.get(
    "/policies/{policy_id}",
    operation_id="getPolicy",
    response_model=PolicyRead,
    responses=errors.responses(404),
)
async def get_policy(
    policy_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> PolicyRead:
    """One policy with its interpretation and criteria."""
    policy, version = await service.get_policy(session, policy_id)
    set_etag(response, version)
    return policy


@router.patch(
    "/policies/{policy_id}",
    operation_id="updatePolicy",
    response_model=PolicyRead,
    responses=errors.responses(404, 412),
)
async def update_policy(
    policy_id: uuid.UUID,
    data: PolicyUpdate,
    principal: StaffPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> PolicyRead:
    """Change a policy (criteria are replaced as a whole)."""
    policy, version = await service.update_policy(session, principal, policy_id, data, if_match)
    set_etag(response, version)
    return policy


@router.get(
    "/policies/{policy_id}/reach",
    operation_id="getPolicyReach",
    response_model=PolicyReachRead,
    responses=errors.responses(404),
)
async def get_policy_reach(
    policy_id: uuid.UUID,
    principal: ZoneFiguresPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    as_of: AsOf = None,
) -> PolicyReachRead:
    """Policy awareness: the enterprises it applies to, and how many were told in a visit."""
    return await service.reach(session, settings, policy_id, as_of)


@router.get(
    "/enterprises/{enterprise_id}/policy-matches",
    operation_id="listEnterprisePolicyMatches",
    response_model=PolicyMatchPage,
    responses=errors.responses(404),
)
async def list_enterprise_policy_matches(
    enterprise_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    page: PageParamsDep,
    as_of: AsOf = None,
) -> PolicyMatchPage:
    """The policies valid on the day that apply to the enterprise, each with why."""
    return await service.matches(session, settings, principal, enterprise_id, as_of, page)
