from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from app import errors
from app.auth.dependencies import CurrentPrincipal, ScopeRequired, SettingsDep, StaffPrincipal
from app.auth.scopes import Scope
from app.db import SessionDep
from app.http import IfMatchHeader, set_etag, set_location
from app.pagination import PageParams, PageParamsDep, sorted_page
from app.pools import service
from app.pools.enums import MemberStatus, Pool, Tier
from app.pools.schemas import (
    AssessmentRead,
    MemberFilter,
    PoolMemberCreate,
    PoolMemberPage,
    PoolMemberRead,
    PoolPage,
    PoolTransitionCreate,
    PoolTransitionPage,
)
from app.schemas import CalendarDate

router = APIRouter(
    prefix="/api/v1",
    tags=["pools"],
    responses=errors.responses(401, 403, 422, 503),
    dependencies=[Depends(ScopeRequired(Scope.READ_POOLS))],
)

AssessedYear = Annotated[
    int | None,
    Query(ge=2000, le=2999, description="The assessed year (default: the latest report's year)"),
]
ApplyOn = Annotated[
    CalendarDate | None,
    Query(
        description="The application the assessment is for (default: 30 June after the "
        "assessed year): registration is counted to it, certificates must be valid on it, and "
        "its year chooses the rule set"
    ),
]


@router.get("/pools", operation_id="listPools", response_model=PoolPage)
async def list_pools(
    principal: CurrentPrincipal, session: SessionDep, page: PageParamsDep
) -> PoolPage:
    """The three cultivation pools with their members counted by tier and by status."""
    return await service.list_pools(session, page)


@router.get(
    "/pools/{pool}/members",
    operation_id="listPoolMembers",
    response_model=PoolMemberPage,
)
async def list_pool_members(
    pool: Pool,
    principal: CurrentPrincipal,
    session: SessionDep,
    page: Annotated[PageParams, sorted_page(service.MEMBER_SORTS)],
    tier: Tier | None = None,
    member_status: Annotated[
        MemberStatus | None, Query(alias="status", description="Default: every status")
    ] = None,
    suggested_tier: Tier | None = None,
    mismatch: Annotated[
        bool | None, Query(description="true: the suggested tier differs from the actual one")
    ] = None,
    enterprise_id: uuid.UUID | None = None,
) -> PoolMemberPage:
    """The pool's members, in order of entry; enterprise users see their own."""
    where = MemberFilter(
        tier=tier.value if tier else None,
        status=member_status.value if member_status else None,
        suggested_tier=suggested_tier.value if suggested_tier else None,
        mismatch=mismatch,
        enterprise_id=enterprise_id,
    )
    return await service.list_members(session, principal, pool, where, page)


@router.post(
    "/pools/{pool}/members",
    operation_id="createPoolMember",
    status_code=status.HTTP_201_CREATED,
    response_model=PoolMemberRead,
    responses=errors.responses(404, 409),
)
async def create_pool_member(
    pool: Pool,
    data: PoolMemberCreate,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> PoolMemberRead:
    """Enter an enterprise into a pool at a tier; the entry conditions are checked (422 lists
    the unmet ones) and an enterprise is at most once active in a pool (409)."""
    member, version = await service.enter(session, settings, principal, pool, data)
    set_location(response, f"/api/v1/pools/{pool.value}/members/{member.id}")
    set_etag(response, version)
    return member


@router.get(
    "/pools/{pool}/members/{member_id}",
    operation_id="getPoolMember",
    response_model=PoolMemberRead,
    responses=errors.responses(404),
)
async def get_pool_member(
    pool: Pool,
    member_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> PoolMemberRead:
    """One membership."""
    member, version = await service.get_member(session, principal, pool, member_id)
    set_etag(response, version)
    return member


@router.post(
    "/pools/{pool}/members/{member_id}/transitions",
    operation_id="createPoolTransition",
    response_model=PoolMemberRead,
    responses=errors.responses(404, 409, 412),
)
async def create_pool_transition(
    pool: Pool,
    member_id: uuid.UUID,
    data: PoolTransitionCreate,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> PoolMemberRead:
    """Move a member to another tier, or let it leave with an outcome; `certified` records
    the qualification on the enterprise. Answers the member as it now stands."""
    member, version = await service.transition(
        session, settings, principal, pool, member_id, data, if_match
    )
    set_etag(response, version)
    return member


@router.get(
    "/pools/{pool}/members/{member_id}/history",
    operation_id="listPoolMemberHistory",
    response_model=PoolTransitionPage,
    responses=errors.responses(404),
)
async def list_pool_member_history(
    pool: Pool,
    member_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageParamsDep,
) -> PoolTransitionPage:
    """Every entry, tier change and exit of the membership, oldest first."""
    return await service.history(session, principal, pool, member_id, page)


@router.get(
    "/enterprises/{enterprise_id}/assessments/hte",
    operation_id="getHteAssessment",
    response_model=AssessmentRead,
    responses=errors.responses(404),
)
async def get_hte_assessment(
    enterprise_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    year: AssessedYear = None,
    apply_on: ApplyOn = None,
) -> AssessmentRead:
    """High-tech enterprise readiness (高新技术企业认定, 2016 measures as their work
    guidelines state them): conditions, score range, gaps and the suggested tier, for data
    year `year` and an application on `apply_on`."""
    return await service.assess(session, principal, enterprise_id, Pool.HTE, year, apply_on)


@router.get(
    "/enterprises/{enterprise_id}/assessments/sme",
    operation_id="getSmeAssessment",
    response_model=AssessmentRead,
    responses=errors.responses(404),
)
async def get_sme_assessment(
    enterprise_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    year: AssessedYear = None,
    apply_on: ApplyOn = None,
) -> AssessmentRead:
    """Tech-based SME evaluation (科技型中小企业评价): size limits, score, direct routes,
    gaps and the suggested tier, for data year `year` and an evaluation on `apply_on`."""
    return await service.assess(session, principal, enterprise_id, Pool.SME, year, apply_on)
