from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from app import errors
from app.auth.dependencies import ScopeRequired, SettingsDep, SharingPrincipal
from app.db import SessionDep
from app.exports import service, xlsx
from app.exports.registry import SCOPES, ExportResource, columns_markdown
from app.exports.service import MEDIA_TYPES, ExportFormat, ExportHeaders
from app.schemas import CalendarDateTime

router = APIRouter(
    prefix="/api/v1",
    tags=["exports"],
    responses=errors.responses(401, 403, 422, 429, 503),
    # The scope is the exported resource's: read:enterprises for enterprises, …
    dependencies=[Depends(ScopeRequired(None, per_value=("resource", SCOPES)))],
)

DESCRIPTION = f"""A whole resource (or what changed since `updated_since`), streamed: a
million rows never sit in memory. NDJSON (one JSON object per line) or CSV (UTF-8, header
row, with a byte-order mark unless `bom=false`, so that Excel reads the Chinese text; times
as the JSON writes them, UTC with `Z`). Contacts are
masked for integrations, as everywhere. Rows in id order; money as exact decimal strings.

{columns_markdown()}
"""


@router.get(
    "/exports/{resource}",
    operation_id="exportResource",
    response_class=StreamingResponse,
    description=DESCRIPTION,
    responses={
        200: {
            "description": "The rows, streamed",
            "content": {
                "application/x-ndjson": {
                    "schema": {"type": "string", "description": "One JSON object per line"}
                },
                "text/csv": {"schema": {"type": "string", "description": "Header row first"}},
                xlsx.MEDIA_TYPE: {
                    "schema": {
                        "type": "string",
                        "format": "binary",
                        "description": "One sheet, header row first",
                    }
                },
            },
        }
    },
)
async def export_resource(
    resource: ExportResource,
    request: Request,
    principal: SharingPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    export_format: Annotated[
        ExportFormat,
        Query(alias="format", description="`ndjson` (default), `csv` or `xlsx` (one sheet)"),
    ] = ExportFormat.NDJSON,
    updated_since: Annotated[
        CalendarDateTime | None, Query(description="Only rows changed at or after this instant")
    ] = None,
    bom: Annotated[
        bool,
        Query(
            description="CSV only: start with a UTF-8 byte-order mark (the default, so that "
            "Excel on Chinese Windows reads the text); `false` leaves it out"
        ),
    ] = True,
    headers: Annotated[
        ExportHeaders,
        Query(
            description="CSV and xlsx: the header row as the column `names` (the default, as "
            "the JSON and the imports name them) or as Chinese titles (`zh`); NDJSON keeps "
            "the names"
        ),
    ] = ExportHeaders.NAMES,
) -> StreamingResponse:
    # The stream reads through a session of its own that lives as long as the response;
    # the one that authenticated goes back to the pool now rather than idle until the end.
    await session.close()
    body = await service.open_export(
        request.app.state.session_factory,
        settings,
        principal,
        resource,
        export_format,
        updated_since=updated_since,
        bom=bom,
        headers=headers,
    )
    extension = export_format.value
    return StreamingResponse(
        body,
        media_type=MEDIA_TYPES[export_format],
        headers={
            "Content-Disposition": f'attachment; filename="{resource.value}.{extension}"',
            "Cache-Control": "no-store",
        },
    )
