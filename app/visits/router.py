from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from app import errors
from app.auth.dependencies import (
    CurrentPrincipal,
    ScopeRequired,
    SettingsDep,
    StaffPrincipal,
    ZoneFiguresPrincipal,
    require,
)
from app.auth.roles import Principal, Role
from app.auth.scopes import Scope
from app.db import SessionDep
from app.http import IfMatchHeader, set_etag, set_location
from app.pagination import PageParams, PageParamsDep, sorted_page
from app.schemas import CalendarDate, CalendarDateTime
from app.visits import service
from app.visits.rules import DemandCategory, DemandStatus, VisitKind
from app.visits.schemas import (
    AssignmentPage,
    AssignmentRead,
    AssignmentWrite,
    DemandActionPage,
    DemandCreate,
    DemandFilter,
    DemandPage,
    DemandRead,
    DemandTransitionCreate,
    RatingCreate,
    RatingRead,
    RoundCoverageRead,
    RoundPage,
    SatisfactionRead,
    SpecialistCreate,
    SpecialistPage,
    SpecialistRead,
    VisitCreate,
    VisitFilter,
    VisitPage,
    VisitRead,
)

router = APIRouter(
    prefix="/api/v1",
    tags=["visits"],
    responses=errors.responses(401, 403, 422, 503),
    dependencies=[Depends(ScopeRequired(Scope.READ_VISITS))],
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


# Demands are raised by staff, by the responsible specialist, or by the enterprise itself.
DemandPrincipal = Annotated[
    Principal, Depends(require(Role.ADMIN, Role.MANAGER, Role.SPECIALIST, Role.ENTERPRISE))
]


@router.post(
    "/demands",
    operation_id="createDemand",
    status_code=status.HTTP_201_CREATED,
    response_model=DemandRead,
    responses=errors.responses(404),
)
async def create_demand(
    data: DemandCreate,
    principal: DemandPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> DemandRead:
    """Raise an enterprise's demand; its first response is due 24 hours later."""
    demand = await service.raise_demand(session, settings, principal, data)
    set_location(response, f"/api/v1/demands/{demand.id}")
    set_etag(response, 1)
    return demand


@router.get("/demands", operation_id="listDemands", response_model=DemandPage)
async def list_demands(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: Annotated[PageParams, sorted_page(service.DEMAND_SORTS)],
    demand_status: Annotated[DemandStatus | None, Query(alias="status")] = None,
    overdue: Annotated[
        bool | None, Query(description="true: unanswered and past the 24-hour due time")
    ] = None,
    breached: Annotated[
        bool | None, Query(description="true: answered late, or unanswered past due")
    ] = None,
    specialist_id: uuid.UUID | None = None,
    enterprise_id: uuid.UUID | None = None,
    category: DemandCategory | None = None,
) -> DemandPage:
    """Demands, newest first, each with its SLA; enterprise users see their own."""
    where = DemandFilter(
        status=demand_status.value if demand_status else None,
        overdue=overdue,
        breached=breached,
        specialist_id=specialist_id,
        enterprise_id=enterprise_id,
        category=category.value if category else None,
    )
    return await service.list_demands(session, principal, where, page)


@router.get(
    "/demands/{demand_id}",
    operation_id="getDemand",
    response_model=DemandRead,
    responses=errors.responses(404),
)
async def get_demand(
    demand_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> DemandRead:
    """One demand with its SLA."""
    demand, version = await service.get_demand(session, principal, demand_id)
    set_etag(response, version)
    return demand


@router.post(
    "/demands/{demand_id}/transitions",
    operation_id="createDemandTransition",
    response_model=DemandRead,
    responses=errors.responses(404, 409, 412),
)
async def create_demand_transition(
    demand_id: uuid.UUID,
    data: DemandTransitionCreate,
    principal: DemandPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> DemandRead:
    """Move a demand along open → responded → in_progress → resolved → closed (or rejected,
    with a reason); the first move answers it. Enterprises may only close resolved ones."""
    demand, version = await service.move_demand(session, principal, demand_id, data, if_match)
    set_etag(response, version)
    return demand


@router.get(
    "/demands/{demand_id}/history",
    operation_id="listDemandHistory",
    response_model=DemandActionPage,
    responses=errors.responses(404),
)
async def list_demand_history(
    demand_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, page: PageParamsDep
) -> DemandActionPage:
    """Every move of the demand, oldest first."""
    return await service.demand_history(session, principal, demand_id, page)


# Visits are recorded by staff and by the specialists responsible for the enterprise.
VisitorPrincipal = Annotated[Principal, Depends(require(Role.ADMIN, Role.MANAGER, Role.SPECIALIST))]
Year = Annotated[int, Query(ge=2000, le=2100, description="The calendar year")]


@router.post(
    "/visits",
    operation_id="createVisit",
    status_code=status.HTTP_201_CREATED,
    response_model=VisitRead,
    responses=errors.responses(404, 409),
)
async def create_visit(
    data: VisitCreate,
    principal: VisitorPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> VisitRead:
    """Record a visit, the demands raised in it and the open demands it answered. A
    specialist records visits in their own name: their specialist id must be among
    `specialist_ids` (colleagues may be added), else 403 `visit_not_in_own_name`; staff may
    record any. A specialist acts only for the enterprises in their care (403
    `not_responsible`)."""
    visit = await service.record_visit(session, settings, principal, data)
    set_location(response, f"/api/v1/visits/{visit.id}")
    return visit


@router.get("/visits", operation_id="listVisits", response_model=VisitPage)
async def list_visits(
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    page: Annotated[PageParams, sorted_page(service.VISIT_SORTS)],
    enterprise_id: uuid.UUID | None = None,
    specialist_id: uuid.UUID | None = None,
    visited_from: CalendarDateTime | None = None,
    visited_to: CalendarDateTime | None = None,
    kind: VisitKind | None = None,
) -> VisitPage:
    """Visits, newest first; enterprise users see their own."""
    where = VisitFilter(
        enterprise_id=enterprise_id,
        specialist_id=specialist_id,
        since=visited_from,
        until=visited_to,
        kind=kind.value if kind else None,
    )
    return await service.list_visits(session, settings, principal, where, page)


@router.get(
    "/visits/{visit_id}",
    operation_id="getVisit",
    response_model=VisitRead,
    responses=errors.responses(404),
)
async def get_visit(
    visit_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> VisitRead:
    """One visit."""
    return await service.get_visit(session, settings, principal, visit_id)


@router.get("/visit-rounds", operation_id="listVisitRounds", response_model=RoundPage)
async def list_visit_rounds(
    principal: ZoneFiguresPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    page: PageParamsDep,
    year: Year,
) -> RoundPage:
    """The year's three coverage rounds: population, covered, coverage percent."""
    return await service.rounds(session, settings, year, page)


@router.get(
    "/visit-rounds/{year}/{round_number}/coverage",
    operation_id="getVisitRoundCoverage",
    response_model=RoundCoverageRead,
    responses=errors.responses(404),
)
async def get_visit_round_coverage(
    principal: ZoneFiguresPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    year: Annotated[int, Path(ge=2000, le=2100)],
    round_number: Annotated[int, Path(ge=1, le=12)],
    specialist_id: uuid.UUID | None = None,
) -> RoundCoverageRead:
    """A round's coverage, per responsible specialist, with the enterprises not yet visited."""
    return await service.round_coverage(session, settings, year, round_number, specialist_id)


EnterprisePrincipal = Annotated[Principal, Depends(require(Role.ENTERPRISE))]


@router.post(
    "/satisfaction-ratings",
    operation_id="createSatisfactionRating",
    status_code=status.HTTP_201_CREATED,
    response_model=RatingRead,
    responses=errors.responses(404, 409),
)
async def create_satisfaction_rating(
    data: RatingCreate, principal: EnterprisePrincipal, session: SessionDep
) -> RatingRead:
    """The enterprise rates one of its visits or demands, 1-5, once (≥ 4 is satisfied)."""
    return await service.rate(session, principal, data)


@router.get(
    "/statistics/satisfaction",
    operation_id="getSatisfactionStatistics",
    response_model=SatisfactionRead,
)
async def get_satisfaction_statistics(
    principal: ZoneFiguresPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    period_from: Annotated[CalendarDate | None, Query(alias="from")] = None,
    period_to: Annotated[CalendarDate | None, Query(alias="to")] = None,
) -> SatisfactionRead:
    """Ratings, satisfied ones and the satisfaction rate in a period (default: this year so
    far), overall and per specialist."""
    return await service.satisfaction(session, settings, period_from, period_to)
