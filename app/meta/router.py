from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app import errors
from app.auth.dependencies import CurrentPrincipal, ScopeRequired
from app.http import content_etag
from app.meta import service
from app.meta.schemas import EnumPage
from app.pagination import PageParamsDep

router = APIRouter(
    # Labels are for every client, whatever its scopes.
    dependencies=[Depends(ScopeRequired(None))],
    prefix="/api/v1",
    tags=["meta"],
    responses=errors.responses(401, 403, 422, 503),
)


@router.get("/meta/enums", operation_id="listEnums", response_model=EnumPage)
async def list_enums(
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    page: PageParamsDep,
    name: Annotated[
        str | None, Query(max_length=100, description="Only the enum with this schema name")
    ] = None,
) -> EnumPage:
    """Every enum of the API with its zh-CN and en labels, by schema name. The answer carries
    an ETag of its content: `If-None-Match` with it gets 304 until a release changes them."""
    read = service.list_enums(request.app.openapi(), name, page)
    response.headers["ETag"] = content_etag(read.model_dump_json().encode())
    return read
