from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from starlette.datastructures import UploadFile

from app import errors
from app.auth.dependencies import SettingsDep, StaffPrincipal
from app.db import SessionDep
from app.errors import ProblemCode
from app.http import set_location
from app.i18n import _
from app.imports import service
from app.imports.enums import ImportFormat, ImportKind, ImportMode, ImportStatus
from app.imports.parsing import format_of, sniff
from app.imports.schemas import ImportJobFilter, ImportJobPage, ImportJobRead, ImportRowErrorPage
from app.pagination import PageParamsDep

router = APIRouter(
    prefix="/api/v1",
    tags=["imports"],
    responses=errors.responses(401, 403, 422, 503),
)

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {
    "text/csv": ImportFormat.CSV,
    "application/x-ndjson": ImportFormat.NDJSON,
    "application/ndjson": ImportFormat.NDJSON,
    "application/jsonl": ImportFormat.NDJSON,
    XLSX_MEDIA_TYPE: ImportFormat.XLSX,
}
# Said of any file: the format is then read off its name or its first bytes.
ANY_FILE = "application/octet-stream"
FORM = "multipart/form-data"


class UnsupportedMediaType(errors.AppError):
    status, code = 415, ProblemCode.UNSUPPORTED_MEDIA_TYPE


# The body is the file's bytes, whatever they hold: any non-blank file is taken (202) and the
# job reports what its rows lack (a line `{}` is a row without its fields, not a refused
# request); only a blank one (422 `empty_file`) or an oversized one (413) is refused at once.
FILE = {"type": "string", "format": "binary"}
# The document names the two media types every generator turns into a typed upload (a
# browser's FormData, a client's bytes); the others are taken as well and said in the text.
FORM_SCHEMA = {
    "type": "object",
    "properties": {
        "file": FILE
        | {
            "description": "The file; its name's suffix (.csv, .ndjson, .jsonl, "
            ".xlsx) or its part's media type says the format, else its first bytes"
        }
    },
    "required": ["file"],
    # The form is the file: another field is not part of an upload.
    "additionalProperties": False,
}


def _body(example_csv: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": "The file: CSV (UTF-8, BOM allowed, header row, `tags` as `a;b`), "
            "NDJSON (one JSON object per line) or an xlsx workbook (its first sheet, a header "
            "row, as the export writes it), at most 100,000 rows. Sent as a form's `file` "
            "part, or as the body itself: `application/octet-stream` (the format read off the "
            "first bytes, or say `format=`), `text/csv`, `application/x-ndjson` or "
            f"`{XLSX_MEDIA_TYPE}`. Rows are checked by the job, which lists those it rejects",
            "content": {
                FORM: {"schema": FORM_SCHEMA},
                ANY_FILE: {"schema": FILE, "example": example_csv},
            },
        }
    }


ENTERPRISE_BODY = _body(
    "uscc,name,tech_field,contact_phone\n91350100M000100Y43,克拉玛依市正诚有限公司,"
    "new_materials,13899905678\n",
)
REPORT_BODY = _body(
    "uscc,year,revenue,high_tech_revenue,total_cost,net_assets,total_assets,employees,"
    "st_staff,rd_expense,rd_expense_domestic\n91350100M000100Y43,2025,38500000.00,"
    "27200000.00,31000000.00,16400000.00,42000000.00,86,21,2150000.00,2150000.00\n",
)

ModeQuery = Annotated[
    ImportMode,
    Query(description="`all_or_nothing`: one bad row stores nothing; `valid_only`: the good rows"),
]
FormatQuery = Annotated[
    ImportFormat | None,
    Query(alias="format", description="Default: from the media type, the file name or its bytes"),
]


async def _upload(request: Request, explicit: ImportFormat | None) -> tuple[bytes, ImportFormat]:
    """The file and its format, however it was sent."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == FORM:
        async with request.form(max_files=1, max_fields=8) as form:
            part = form.get("file")
            if not isinstance(part, UploadFile):
                raise errors.Unprocessable(
                    _("Send the file as the form's `file` part."),
                    code=ProblemCode.FILE_MISSING,
                    loc=["body", "file"],
                )
            payload = await part.read()
            told = MEDIA_TYPES.get((part.content_type or "").split(";")[0].strip().lower())
            return payload, explicit or told or format_of(part.filename, payload)
    payload = await request.body()
    if explicit is not None:
        return payload, explicit
    if media in MEDIA_TYPES:
        return payload, MEDIA_TYPES[media]
    if media == ANY_FILE:
        return payload, sniff(payload)
    raise UnsupportedMediaType(
        _(
            "Send the file as a form's `file` part, or as the body with its media type "
            "(text/csv, application/x-ndjson, the xlsx type or application/octet-stream)."
        )
    )


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
    payload, chosen = await _upload(request, fmt)
    job = await service.create_job(
        session,
        settings,
        principal,
        kind=kind,
        mode=mode,
        fmt=chosen,
        payload=payload,
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
