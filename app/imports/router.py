from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from app import errors
from app.auth.dependencies import SettingsDep, StaffPrincipal
from app.db import SessionDep
from app.http import set_location
from app.imports import service
from app.imports.enums import ImportFormat, ImportKind, ImportMode, ImportStatus
from app.imports.schemas import ImportJobFilter, ImportJobPage, ImportJobRead, ImportRowErrorPage
from app.pagination import PageParamsDep

router = APIRouter(
    prefix="/api/v1",
    tags=["imports"],
    responses=errors.responses(401, 403, 422, 503),
)

MEDIA_TYPES = {
    "text/csv": ImportFormat.CSV,
    "application/x-ndjson": ImportFormat.NDJSON,
    "application/ndjson": ImportFormat.NDJSON,
    "application/jsonl": ImportFormat.NDJSON,
}


class UnsupportedMediaType(errors.AppError):
    status, code, title = 415, "unsupported_media_type", "Unsupported media type"


# The body is the file's bytes, whatever they hold: any non-blank file is taken (202) and the
# job reports what its rows lack (a line `{}` is a row without its fields, not a refused
# request); only a blank one (422 `empty_file`) or an oversized one (413) is refused at once.
FILE = {"type": "string", "format": "binary"}


def _body(example_csv: str, example_ndjson: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": "The file itself as the body: CSV (UTF-8, BOM allowed, header row, "
            "`tags` as `a;b`) or NDJSON (one JSON object per line), at most 100,000 rows. "
            "Rows are checked by the job, which lists those it rejects",
            "content": {
                "text/csv": {"schema": FILE, "example": example_csv},
                "application/x-ndjson": {"schema": FILE, "example": example_ndjson},
            },
        }
    }


ENTERPRISE_BODY = _body(
    "uscc,name,tech_field,contact_phone\n91350100M000100Y43,克拉玛依市正诚有限公司,"
    "new_materials,13899905678\n",
    '{"uscc": "91350100M000100Y43", "name": "克拉玛依市正诚有限公司", "tags": ["a"]}\n',
)
REPORT_BODY = _body(
    "uscc,year,revenue,high_tech_revenue,total_cost,net_assets,total_assets,employees,"
    "st_staff,rd_expense,rd_expense_domestic\n91350100M000100Y43,2025,38500000.00,"
    "27200000.00,31000000.00,16400000.00,42000000.00,86,21,2150000.00,2150000.00\n",
    '{"uscc": "91350100M000100Y43", "year": 2025, "revenue": "38500000.00", '
    '"high_tech_revenue": "27200000.00", "total_cost": "31000000.00", '
    '"net_assets": "16400000.00", "total_assets": "42000000.00", "employees": 86, '
    '"st_staff": 21, "rd_expense": "2150000.00", "rd_expense_domestic": "2150000.00"}\n',
)

ModeQuery = Annotated[
    ImportMode,
    Query(description="`all_or_nothing`: one bad row stores nothing; `valid_only`: the good rows"),
]
FormatQuery = Annotated[
    ImportFormat | None,
    Query(alias="format", description="Default: from the Content-Type (text/csv, x-ndjson)"),
]


def _format(request: Request, explicit: ImportFormat | None) -> ImportFormat:
    if explicit is not None:
        return explicit
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in MEDIA_TYPES:
        raise UnsupportedMediaType(
            "Send the file as text/csv or application/x-ndjson (or say `format=`)."
        )
    return MEDIA_TYPES[media]


async def _create(
    kind: ImportKind,
    request: Request,
    principal: Any,
    session: Any,
    settings: Any,
    response: Response,
    mode: ImportMode,
    fmt: ImportFormat | None,
) -> ImportJobRead:
    chosen = _format(request, fmt)
    job = await service.create_job(
        session,
        settings,
        principal,
        kind=kind,
        mode=mode,
        fmt=chosen,
        payload=await request.body(),
    )
    service.start(request.app.state, settings, job.id)
    set_location(response, f"/api/v1/imports/{job.id}")
    return job


IMPORT_RESPONSES = errors.responses(413, 415)


@router.post(
    "/imports/enterprises",
    operation_id="importEnterprises",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportJobRead,
    responses=IMPORT_RESPONSES,
    openapi_extra=ENTERPRISE_BODY,
)
async def import_enterprises(
    request: Request,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    mode: ModeQuery = ImportMode.ALL_OR_NOTHING,
    fmt: FormatQuery = None,
) -> ImportJobRead:
    """Register up to 100,000 enterprises from a file, as a job (202): each row is checked
    like `POST /api/v1/enterprises`; follow the job at its `Location`."""
    return await _create(
        ImportKind.ENTERPRISES, request, principal, session, settings, response, mode, fmt
    )


@router.post(
    "/imports/annual-reports",
    operation_id="importAnnualReports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportJobRead,
    responses=IMPORT_RESPONSES,
    openapi_extra=REPORT_BODY,
)
async def import_annual_reports(
    request: Request,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    mode: ModeQuery = ImportMode.ALL_OR_NOTHING,
    fmt: FormatQuery = None,
) -> ImportJobRead:
    """File up to 100,000 annual reports (`uscc` and `year` name each; the R&D organisation
    items as flat columns, as the export writes them), as a job (202)."""
    return await _create(
        ImportKind.ANNUAL_REPORTS, request, principal, session, settings, response, mode, fmt
    )


@router.get(
    "/imports",
    operation_id="listImportJobs",
    response_model=ImportJobPage,
)
async def list_import_jobs(
    principal: StaffPrincipal,
    session: SessionDep,
    page: PageParamsDep,
    kind: ImportKind | None = None,
    job_status: Annotated[ImportStatus | None, Query(alias="status")] = None,
) -> ImportJobPage:
    """The import jobs, newest first: what each is, how far it got, what it stored and
    rejected (the rejected rows are each job's own read)."""
    where = ImportJobFilter(
        kind=kind.value if kind else None, status=job_status.value if job_status else None
    )
    return await service.list_jobs(session, where, page)


@router.get(
    "/imports/{job_id}",
    operation_id="getImportJob",
    response_model=ImportJobRead,
    responses=errors.responses(404),
)
async def get_import_job(
    job_id: uuid.UUID, principal: StaffPrincipal, session: SessionDep
) -> ImportJobRead:
    """An import's status, progress, and its rejected rows (line, field, message)."""
    return await service.get_job(session, job_id)


@router.get(
    "/imports/{job_id}/errors",
    operation_id="listImportErrors",
    response_model=ImportRowErrorPage,
    responses=errors.responses(404),
)
async def list_import_errors(
    job_id: uuid.UUID, principal: StaffPrincipal, session: SessionDep, page: PageParamsDep
) -> ImportRowErrorPage:
    """Every rejected row of an import, in line order."""
    return await service.list_errors(session, job_id, page)
