from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from app import errors
from app.applications import service
from app.applications.enums import ApplicationStatus, CampaignKind
from app.applications.schemas import (
    ApplicationCreate,
    ApplicationFilter,
    ApplicationPage,
    ApplicationRead,
    ApplicationStatisticsRead,
    CampaignCreate,
    CampaignFilter,
    CampaignPage,
    CampaignRead,
    CampaignUpdate,
    ChecklistItemPage,
    ChecklistItemRead,
    ChecklistItemUpdate,
    CoachingCreate,
    CoachingPage,
    CoachingRead,
    SpecialistAssessmentPage,
    SpecialistAssessmentRead,
    TransitionCreate,
    TransitionPage,
)
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

# Who works an application: staff, the enterprise's responsible specialist (the service checks
# the care), and for some moves the enterprise itself.
WorkerPrincipal = Annotated[Principal, Depends(require(Role.ADMIN, Role.MANAGER, Role.SPECIALIST))]
ParticipantPrincipal = Annotated[
    Principal, Depends(require(Role.ADMIN, Role.MANAGER, Role.SPECIALIST, Role.ENTERPRISE))
]
Year = Annotated[int | None, Query(ge=2000, le=2100)]

campaigns_router = APIRouter(
    dependencies=[Depends(ScopeRequired(Scope.READ_APPLICATIONS))],
    prefix="/api/v1/campaigns",
    tags=["applications"],
    responses=errors.responses(401, 403, 422, 503),
)
router = APIRouter(
    dependencies=[Depends(ScopeRequired(Scope.READ_APPLICATIONS))],
    prefix="/api/v1/applications",
    tags=["applications"],
    responses=errors.responses(401, 403, 422, 503),
)


@campaigns_router.post(
    "",
    operation_id="createCampaign",
    status_code=status.HTTP_201_CREATED,
    response_model=CampaignRead,
)
async def create_campaign(
    data: CampaignCreate, principal: StaffPrincipal, session: SessionDep, response: Response
) -> CampaignRead:
    """Open an application round (its checklist is its kind's current template)."""
    campaign, version = await service.create_campaign(session, principal, data)
    set_location(response, f"/api/v1/campaigns/{campaign.id}")
    set_etag(response, version)
    return campaign


@campaigns_router.get("", operation_id="listCampaigns", response_model=CampaignPage)
async def list_campaigns(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: Annotated[PageParams, sorted_page(service.CAMPAIGN_SORTS)],
    kind: CampaignKind | None = None,
    year: Year = None,
) -> CampaignPage:
    """Application rounds, latest opening first."""
    where = CampaignFilter(kind=kind.value if kind else None, year=year)
    return await service.list_campaigns(session, where, page)


@campaigns_router.get(
    "/{campaign_id}",
    operation_id="getCampaign",
    response_model=CampaignRead,
    responses=errors.responses(404),
)
async def get_campaign(
    campaign_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> CampaignRead:
    """One application round with its materials checklist."""
    campaign, version = await service.get_campaign(session, campaign_id)
    set_etag(response, version)
    return campaign


@campaigns_router.patch(
    "/{campaign_id}",
    operation_id="updateCampaign",
    response_model=CampaignRead,
    responses=errors.responses(404, 412),
)
async def update_campaign(
    campaign_id: uuid.UUID,
    data: CampaignUpdate,
    principal: StaffPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CampaignRead:
    """Change a round's title, batch or dates (its kind and checklist stay)."""
    campaign, version = await service.update_campaign(
        session, principal, campaign_id, data, if_match
    )
    set_etag(response, version)
    return campaign


@router.post(
    "",
    operation_id="createApplication",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationRead,
    responses=errors.responses(404, 409),
)
async def create_application(
    data: ApplicationCreate,
    principal: WorkerPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> ApplicationRead:
    """Open an enterprise's application in a campaign (one per enterprise and campaign), its
    checklist from the campaign's template."""
    application, version = await service.create_application(session, settings, principal, data)
    set_location(response, f"/api/v1/applications/{application.id}")
    set_etag(response, version)
    return application


@router.get("", operation_id="listApplications", response_model=ApplicationPage)
async def list_applications(
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    page: Annotated[PageParams, sorted_page(service.APPLICATION_SORTS)],
    campaign_id: uuid.UUID | None = None,
    enterprise_id: uuid.UUID | None = None,
    status: ApplicationStatus | None = None,
    kind: Annotated[CampaignKind | None, Query(description="The campaign's kind")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="The campaign's year")] = None,
    specialist_id: uuid.UUID | None = None,
    overdue: Annotated[
        bool | None,
        Query(description="Preparing with materials missing and the internal deadline near"),
    ] = None,
) -> ApplicationPage:
    """Applications, latest first (an enterprise user sees its own)."""
    where = ApplicationFilter(
        campaign_id=campaign_id,
        enterprise_id=enterprise_id,
        status=status.value if status else None,
        kind=kind.value if kind else None,
        year=year,
        specialist_id=specialist_id,
        overdue=overdue,
    )
    return await service.list_applications(session, settings, principal, where, page)


@router.get(
    "/{application_id}",
    operation_id="getApplication",
    response_model=ApplicationRead,
    responses=errors.responses(404),
)
async def get_application(
    application_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> ApplicationRead:
    """One application: status, checklist counts, overdue flag, the assessment at submission
    and the decision."""
    application, version = await service.get_application(
        session, settings, principal, application_id
    )
    set_etag(response, version)
    return application


@router.post(
    "/{application_id}/transitions",
    operation_id="createApplicationTransition",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationRead,
    responses=errors.responses(404, 409, 412),
)
async def create_transition(
    application_id: uuid.UUID,
    data: TransitionCreate,
    principal: ParticipantPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ApplicationRead:
    """Move an application: submit or withdraw (its specialist or the enterprise), review,
    publicize, approve or reject, or withdraw an approval (staff)."""
    application, version = await service.move(
        session, settings, principal, application_id, data, if_match
    )
    set_location(response, f"/api/v1/applications/{application_id}/transitions")
    set_etag(response, version)
    return application


@router.get(
    "/{application_id}/transitions",
    operation_id="listApplicationTransitions",
    response_model=TransitionPage,
    responses=errors.responses(404),
)
async def list_transitions(
    application_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageParamsDep,
) -> TransitionPage:
    """Every move of the application, oldest first."""
    return await service.list_transitions(session, principal, application_id, page)


@router.get(
    "/{application_id}/checklist",
    operation_id="listApplicationChecklist",
    response_model=ChecklistItemPage,
    responses=errors.responses(404),
)
async def list_checklist(
    application_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageParamsDep,
) -> ChecklistItemPage:
    """The materials checklist, in the template's order."""
    return await service.list_checklist(session, principal, application_id, page)


@router.patch(
    "/{application_id}/checklist/{item_code}",
    operation_id="updateApplicationChecklistItem",
    response_model=ChecklistItemRead,
    responses=errors.responses(404, 409, 412),
)
async def update_checklist_item(
    application_id: uuid.UUID,
    item_code: Annotated[str, Path(max_length=64)],
    data: ChecklistItemUpdate,
    principal: ParticipantPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ChecklistItemRead:
    """Tick a material (the enterprise: missing → provided; its specialist or staff: checked,
    not applicable, back to missing). The ETag is the application's."""
    item, version = await service.update_checklist_item(
        session, settings, principal, application_id, item_code, data, if_match
    )
    set_etag(response, version)
    return item


@router.post(
    "/{application_id}/coaching",
    operation_id="createApplicationCoaching",
    status_code=status.HTTP_201_CREATED,
    response_model=CoachingRead,
    responses=errors.responses(404),
)
async def create_coaching(
    application_id: uuid.UUID,
    data: CoachingCreate,
    principal: WorkerPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> CoachingRead:
    """Record a coaching session on the application."""
    coaching = await service.record_coaching(session, settings, principal, application_id, data)
    set_location(response, f"/api/v1/applications/{application_id}/coaching")
    return coaching


@router.get(
    "/{application_id}/coaching",
    operation_id="listApplicationCoaching",
    response_model=CoachingPage,
    responses=errors.responses(404),
)
async def list_coaching(
    application_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageParamsDep,
) -> CoachingPage:
    """The coaching sessions, oldest first."""
    return await service.list_coaching(session, principal, application_id, page)


statistics_router = APIRouter(
    dependencies=[Depends(ScopeRequired(Scope.READ_APPLICATIONS))],
    prefix="/api/v1/statistics",
    tags=["applications"],
    responses=errors.responses(401, 403, 422, 503),
)


@statistics_router.get(
    "/applications",
    operation_id="getApplicationStatistics",
    response_model=ApplicationStatisticsRead,
)
async def get_application_statistics(
    principal: ZoneFiguresPrincipal,
    session: SessionDep,
    year: Year = None,
    kind: CampaignKind | None = None,
) -> ApplicationStatisticsRead:
    """The campaigns' funnels (eligible by the rules → preparing → submitted → approved), pass
    rates by kind, by pool tier at submission and by specialist, coaching minutes per approval,
    and the calibration of the readiness rules against the decisions."""
    return await service.statistics(session, year, kind)


# The specialist assessment is the visits' composite with the coaching of applications beside
# it, so it is served from here, the layer that sees both.
specialists_router = APIRouter(
    dependencies=[Depends(ScopeRequired(Scope.READ_VISITS))],
    prefix="/api/v1/specialists",
    tags=["visits"],
    responses=errors.responses(401, 403, 422, 503),
)


@specialists_router.get(
    "/assessments",
    operation_id="listSpecialistAssessments",
    response_model=SpecialistAssessmentPage,
)
async def list_specialist_assessments(
    principal: ZoneFiguresPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    page: PageParamsDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
) -> SpecialistAssessmentPage:
    """The team ranking for a year (科技专员业绩考核): composite, then on-time rate; each with
    the applications coached."""
    return await service.specialist_assessments(session, settings, year, page)


@specialists_router.get(
    "/{specialist_id}/assessment",
    operation_id="getSpecialistAssessment",
    response_model=SpecialistAssessmentRead,
    responses=errors.responses(404),
)
async def get_specialist_assessment(
    specialist_id: uuid.UUID,
    principal: ZoneFiguresPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
) -> SpecialistAssessmentRead:
    """One specialist's year: coverage per round, visits, on-time, resolution, satisfaction,
    each with numerator and denominator, the composite, and beside it the applications they
    coached (sessions, minutes) and how those decided ended."""
    return await service.specialist_assessment(session, settings, specialist_id, year)
