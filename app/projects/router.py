from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from app import errors
from app.auth.dependencies import (
    AdminPrincipal,
    CurrentPrincipal,
    ScopeRequired,
    SettingsDep,
    StaffPrincipal,
    require,
)
from app.auth.roles import Principal, Role
from app.auth.scopes import Scope
from app.db import SessionDep
from app.http import IfMatchHeader, set_etag, set_location
from app.pagination import PageParams, PageParamsDep, sorted_page
from app.projects import service
from app.projects.enums import AlertColor, ProjectLevel, ProjectStatus
from app.projects.schemas import (
    AlertBoardRead,
    AlertEventPage,
    AlertPolicyRead,
    AlertPolicyWrite,
    MilestoneCreate,
    MilestonePage,
    MilestoneRead,
    MilestoneUpdate,
    OverrideWrite,
    ProgressReportCreate,
    ProgressReportPage,
    ProgressReportRead,
    ProjectAlertRead,
    ProjectCreate,
    ProjectFilter,
    ProjectPage,
    ProjectRead,
    ProjectUpdate,
    SweepRead,
)
from app.schemas import CalendarDate

router = APIRouter(
    prefix="/api/v1",
    tags=["projects"],
    responses=errors.responses(401, 403, 422, 503),
    dependencies=[Depends(ScopeRequired(Scope.READ_PROJECTS))],
)

# Enterprises report the progress of their own projects.
ReporterPrincipal = Annotated[
    Principal, Depends(require(Role.ADMIN, Role.MANAGER, Role.ENTERPRISE))
]


@router.post(
    "/projects",
    operation_id="createProject",
    status_code=status.HTTP_201_CREATED,
    response_model=ProjectRead,
    responses=errors.responses(404),
)
async def create_project(
    data: ProjectCreate,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> ProjectRead:
    """Register a tech project of an enterprise; its alert is evaluated at once."""
    project, version = await service.create_project(session, settings, principal, data)
    set_location(response, f"/api/v1/projects/{project.id}")
    set_etag(response, version)
    return project


@router.get("/projects", operation_id="listProjects", response_model=ProjectPage)
async def list_projects(
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    page: Annotated[PageParams, sorted_page(service.PROJECT_SORTS)],
    enterprise_id: uuid.UUID | None = None,
    level: ProjectLevel | None = None,
    project_status: Annotated[ProjectStatus | None, Query(alias="status")] = None,
    alert: Annotated[
        AlertColor | None, Query(description="The colour shown (overrides included)")
    ] = None,
) -> ProjectPage:
    """Projects in order of registration, each with its alert; enterprise users see their own."""
    where = ProjectFilter(
        enterprise_id=enterprise_id,
        level=level.value if level else None,
        status=project_status.value if project_status else None,
        alert=alert.value if alert else None,
    )
    return await service.list_projects(session, settings, principal, where, page)


@router.get(
    "/projects/{project_id}",
    operation_id="getProject",
    response_model=ProjectRead,
    responses=errors.responses(404),
)
async def get_project(
    project_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> ProjectRead:
    """One project with its stored alert."""
    project, version = await service.get_project(session, settings, principal, project_id)
    set_etag(response, version)
    return project


@router.patch(
    "/projects/{project_id}",
    operation_id="updateProject",
    response_model=ProjectRead,
    responses=errors.responses(404, 409, 412),
)
async def update_project(
    project_id: uuid.UUID,
    data: ProjectUpdate,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ProjectRead:
    """Change a project, its status included (only along its lifecycle, else 409)."""
    project, version = await service.update_project(
        session, settings, principal, project_id, data, if_match
    )
    set_etag(response, version)
    return project


@router.get(
    "/projects/{project_id}/milestones",
    operation_id="listMilestones",
    response_model=MilestonePage,
    responses=errors.responses(404),
)
async def list_milestones(
    project_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, page: PageParamsDep
) -> MilestonePage:
    """The project's milestones by due date."""
    return await service.list_milestones(session, principal, project_id, page)


@router.post(
    "/projects/{project_id}/milestones",
    operation_id="createMilestone",
    status_code=status.HTTP_201_CREATED,
    response_model=MilestoneRead,
    responses=errors.responses(404),
)
async def create_milestone(
    project_id: uuid.UUID,
    data: MilestoneCreate,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> MilestoneRead:
    """Add a milestone (due within the project's dates; weight > 0)."""
    milestone = await service.add_milestone(session, settings, principal, project_id, data)
    set_location(response, f"/api/v1/projects/{project_id}/milestones/{milestone.id}")
    return milestone


@router.patch(
    "/projects/{project_id}/milestones/{milestone_id}",
    operation_id="updateMilestone",
    response_model=MilestoneRead,
    responses=errors.responses(404),
)
async def update_milestone(
    project_id: uuid.UUID,
    milestone_id: uuid.UUID,
    data: MilestoneUpdate,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> MilestoneRead:
    """Change a milestone, e.g. record its completion."""
    return await service.update_milestone(
        session, settings, principal, project_id, milestone_id, data
    )


@router.get(
    "/projects/{project_id}/progress-reports",
    operation_id="listProgressReports",
    response_model=ProgressReportPage,
    responses=errors.responses(404),
)
async def list_progress_reports(
    project_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, page: PageParamsDep
) -> ProgressReportPage:
    """The project's progress reports, oldest first."""
    return await service.list_reports(session, principal, project_id, page)


@router.post(
    "/projects/{project_id}/progress-reports",
    operation_id="createProgressReport",
    status_code=status.HTTP_201_CREATED,
    response_model=ProgressReportRead,
    responses=errors.responses(404),
)
async def create_progress_report(
    project_id: uuid.UUID,
    data: ProgressReportCreate,
    principal: ReporterPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> ProgressReportRead:
    """Report progress (a drop below the previous report needs a note)."""
    report = await service.add_report(session, settings, principal, project_id, data)
    set_location(response, f"/api/v1/projects/{project_id}/progress-reports")
    return report


@router.get(
    "/projects/{project_id}/alert",
    operation_id="getProjectAlert",
    response_model=ProjectAlertRead,
    responses=errors.responses(404),
)
async def get_project_alert(
    project_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    as_of: Annotated[
        CalendarDate | None, Query(description="Evaluate as it stood then (default: today)")
    ] = None,
) -> ProjectAlertRead:
    """The red/yellow/green evaluation for a date, with every rule that fired and its figures."""
    return await service.alert(session, settings, principal, project_id, as_of)


@router.get(
    "/projects/{project_id}/alert-events",
    operation_id="listProjectAlertEvents",
    response_model=AlertEventPage,
    responses=errors.responses(404),
)
async def list_project_alert_events(
    project_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, page: PageParamsDep
) -> AlertEventPage:
    """Every change of the project's colour, and whether a write or the sweep caused it."""
    return await service.list_events(session, principal, project_id, page)


@router.put(
    "/projects/{project_id}/alert-override",
    operation_id="putProjectAlertOverride",
    response_model=ProjectRead,
    responses=errors.responses(404),
)
async def put_project_alert_override(
    project_id: uuid.UUID,
    data: OverrideWrite,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> ProjectRead:
    """Override the colour shown, with a reason, until an expiry date."""
    return await service.set_override(session, settings, principal, project_id, data)


@router.delete(
    "/projects/{project_id}/alert-override",
    operation_id="deleteProjectAlertOverride",
    response_model=ProjectRead,
    responses=errors.responses(404),
)
async def delete_project_alert_override(
    project_id: uuid.UUID, principal: StaffPrincipal, session: SessionDep, settings: SettingsDep
) -> ProjectRead:
    """Remove the override; the computed colour shows again."""
    return await service.set_override(session, settings, principal, project_id, None)


@router.get("/alert-policy", operation_id="getAlertPolicy", response_model=AlertPolicyRead)
async def get_alert_policy(principal: CurrentPrincipal, session: SessionDep) -> AlertPolicyRead:
    """The thresholds in force and their version."""
    return await service.get_policy(session)


@router.put("/alert-policy", operation_id="putAlertPolicy", response_model=AlertPolicyRead)
async def put_alert_policy(
    data: AlertPolicyWrite, principal: AdminPrincipal, session: SessionDep
) -> AlertPolicyRead:
    """Set new thresholds: a new version, used by the next writes and sweeps."""
    return await service.put_policy(session, principal, data)


@router.post("/alerts/sweep", operation_id="sweepAlerts", response_model=SweepRead)
async def sweep_alerts(
    principal: AdminPrincipal, session: SessionDep, settings: SettingsDep
) -> SweepRead:
    """Re-evaluate every monitored project now (the daily job does this at 01:00)."""
    return await service.sweep(session, settings, principal)


@router.get("/alerts/board", operation_id="getAlertBoard", response_model=AlertBoardRead)
async def get_alert_board(
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    period_from: Annotated[CalendarDate | None, Query()] = None,
    period_to: Annotated[CalendarDate | None, Query()] = None,
) -> AlertBoardRead:
    """Counts by colour and level, the red and yellow projects, and the recoveries to green."""
    return await service.board(session, settings, period_from, period_to)
