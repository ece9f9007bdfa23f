from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from app import clock, errors
from app.auth.dependencies import (
    CurrentPrincipal,
    ScopeRequired,
    SettingsDep,
    StaffPrincipal,
    require,
)
from app.auth.roles import Principal, Role
from app.auth.scopes import Scope
from app.db import SessionDep
from app.enterprises import service
from app.enterprises.enums import EnterpriseStatus, TechField
from app.enterprises.schemas import (
    TAG,
    AnnualReportPage,
    AnnualReportRead,
    AnnualReportWrite,
    DueQualificationPage,
    EnterpriseCreate,
    EnterpriseFilter,
    EnterprisePage,
    EnterpriseRead,
    EnterpriseUpdate,
    QualificationCreate,
    QualificationPage,
    QualificationRead,
)
from app.http import IfMatchHeader, set_etag, set_location
from app.pagination import PageParamsDep

router = APIRouter(
    prefix="/api/v1/enterprises",
    tags=["enterprises"],
    responses=errors.responses(401, 403, 422, 503),
    dependencies=[Depends(ScopeRequired(Scope.READ_ENTERPRISES))],
)

# Enterprise users change their own record (contact fields) and file their own reports.
EditorPrincipal = Annotated[Principal, Depends(require(Role.ADMIN, Role.MANAGER, Role.ENTERPRISE))]
# Specialists also change the enterprises they are responsible for.
UpdaterPrincipal = Annotated[
    Principal,
    Depends(require(Role.ADMIN, Role.MANAGER, Role.ENTERPRISE, Role.SPECIALIST)),
]
Year = Annotated[int, Path(ge=1900, le=2999, description="The report's calendar year")]


@router.post(
    "",
    operation_id="createEnterprise",
    status_code=status.HTTP_201_CREATED,
    response_model=EnterpriseRead,
    responses=errors.responses(409),
)
async def create_enterprise(
    data: EnterpriseCreate, principal: StaffPrincipal, session: SessionDep, response: Response
) -> EnterpriseRead:
    """Register an enterprise; its USCC is checked (GB 32100-2015) and must be new."""
    enterprise, version = await service.create_enterprise(session, principal, data)
    set_location(response, f"/api/v1/enterprises/{enterprise.id}")
    set_etag(response, version)
    return enterprise


@router.get("", operation_id="listEnterprises", response_model=EnterprisePage)
async def list_enterprises(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageParamsDep,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="A substring of the name or short name (Chinese works from one "
            "character: 正诚), or a USCC prefix; best match first",
        ),
    ] = None,
    tech_field: TechField | None = None,
    district: Annotated[str | None, Query(max_length=100)] = None,
    tag: Annotated[str | None, Query(pattern=TAG)] = None,
    enterprise_status: Annotated[
        EnterpriseStatus,
        Query(alias="status", description="Archived enterprises are listed only when asked for"),
    ] = EnterpriseStatus.ACTIVE,
) -> EnterprisePage:
    """List enterprises by name (or by relevance with `q`); enterprise users see their own."""
    where = EnterpriseFilter(
        q=q.strip() or None if q else None,
        tech_field=tech_field.value if tech_field else None,
        district=district,
        tag=tag,
        status=enterprise_status.value,
    )
    return await service.list_enterprises(session, principal, where, page)


@router.get(
    "/{enterprise_id}",
    operation_id="getEnterprise",
    response_model=EnterpriseRead,
    responses=errors.responses(404),
)
async def get_enterprise(
    enterprise_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> EnterpriseRead:
    """One enterprise (contacts masked for integrations)."""
    enterprise, version = await service.get_enterprise(session, principal, enterprise_id)
    set_etag(response, version)
    return enterprise


@router.patch(
    "/{enterprise_id}",
    operation_id="updateEnterprise",
    response_model=EnterpriseRead,
    responses=errors.responses(404, 412),
)
async def update_enterprise(
    enterprise_id: uuid.UUID,
    data: EnterpriseUpdate,
    principal: UpdaterPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> EnterpriseRead:
    """Change an enterprise; enterprise users may change only their contact fields, and
    specialists only the enterprises they are responsible for."""
    enterprise, version = await service.update_enterprise(
        session, principal, enterprise_id, data, if_match
    )
    set_etag(response, version)
    return enterprise


@router.delete(
    "/{enterprise_id}",
    operation_id="archiveEnterprise",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors.responses(404, 412),
)
async def archive_enterprise(
    enterprise_id: uuid.UUID,
    principal: StaffPrincipal,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> None:
    """Archive an enterprise: hidden from lists unless `status=archived`; nothing is deleted."""
    await service.archive_enterprise(session, principal, enterprise_id, if_match)


@router.get(
    "/{enterprise_id}/annual-reports",
    operation_id="listAnnualReports",
    response_model=AnnualReportPage,
    responses=errors.responses(404),
)
async def list_annual_reports(
    enterprise_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, page: PageParamsDep
) -> AnnualReportPage:
    """The enterprise's annual reports, newest year first."""
    return await service.list_reports(session, principal, enterprise_id, page)


@router.get(
    "/{enterprise_id}/annual-reports/{year}",
    operation_id="getAnnualReport",
    response_model=AnnualReportRead,
    responses=errors.responses(404),
)
async def get_annual_report(
    enterprise_id: uuid.UUID,
    year: Year,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> AnnualReportRead:
    """One year's report."""
    report, version = await service.get_report(session, principal, enterprise_id, year)
    set_etag(response, version)
    return report


@router.put(
    "/{enterprise_id}/annual-reports/{year}",
    operation_id="putAnnualReport",
    response_model=AnnualReportRead,
    responses={
        201: {"description": "Created", "model": AnnualReportRead},
        **errors.responses(404, 412),
    },
)
async def put_annual_report(
    enterprise_id: uuid.UUID,
    year: Year,
    data: AnnualReportWrite,
    principal: EditorPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> AnnualReportRead:
    """File (201) or replace (200) a year's report; staff corrections are audited."""
    report, version, created = await service.put_report(
        session, settings, principal, enterprise_id, year, data, if_match
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
        set_location(response, f"/api/v1/enterprises/{enterprise_id}/annual-reports/{year}")
    set_etag(response, version)
    return report


@router.get(
    "/{enterprise_id}/qualifications",
    operation_id="listQualifications",
    response_model=QualificationPage,
    responses=errors.responses(404),
)
async def list_qualifications(
    enterprise_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    page: PageParamsDep,
) -> QualificationPage:
    """Qualifications held or once held (high-tech enterprise, tech-based SME), newest first;
    a high-tech recognition with its development-report record and `reporting_lapsed`."""
    return await service.list_qualifications(session, settings, principal, enterprise_id, page)


@router.post(
    "/{enterprise_id}/qualifications",
    operation_id="recordDirectRoute",
    response_model=QualificationRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors.responses(404),
)
async def record_direct_route(
    enterprise_id: uuid.UUID,
    data: QualificationCreate,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> QualificationRead:
    """Record a direct route of the tech-based SME evaluation (科技型中小企业直接入库条件): a
    national S&T award with the enterprise among the first three units, a recognised
    provincial or ministerial (or higher) R&D institution, or a standard it led. The SME
    assessment counts it when it is valid on the application date."""
    read = await service.record_direct_route(session, settings, principal, enterprise_id, data)
    set_location(response, f"/api/v1/enterprises/{enterprise_id}/qualifications/{read.id}")
    return read


@router.get(
    "/{enterprise_id}/qualifications/{qualification_id}",
    operation_id="getQualification",
    response_model=QualificationRead,
    responses=errors.responses(404),
)
async def get_qualification(
    enterprise_id: uuid.UUID,
    qualification_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> QualificationRead:
    """One qualification (without its reporting record: the list carries it)."""
    return await service.get_qualification(session, principal, enterprise_id, qualification_id)


qualifications_router = APIRouter(
    prefix="/api/v1/qualifications",
    tags=["enterprises"],
    responses=errors.responses(401, 403, 422, 503),
    dependencies=[Depends(ScopeRequired(Scope.READ_ENTERPRISES))],
)


@qualifications_router.get(
    "/re-recognition-due",
    operation_id="listReRecognitionDue",
    response_model=DueQualificationPage,
)
async def list_re_recognition_due(
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    page: PageParamsDep,
    year: Annotated[
        int | None,
        Query(ge=2000, le=2999, description="The year they fall due in (default: next year)"),
    ] = None,
) -> DueQualificationPage:
    """High-tech enterprises whose recognition is in its third year in `year`, so due for
    re-recognition (复审): the list staff plan the year's applications from."""
    due_in = year if year is not None else clock.today(settings.zone).year + 1
    return await service.due_for_re_recognition(session, settings, due_in, page)
