"""The AppError tree and the one place that renders every error as problem+json (RFC 9457)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import exc as orm_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_DB_SECONDS = 5


# Validation errors of the domain's own kinds (raised as PydanticCustomError with this type)
# become the problem's `code` when they are the only kind in a 422, e.g. `invalid_uscc`.
# (`inconsistent_fields` and `nul_character` come from app.schemas: cross-field rules and NUL.)
DOMAIN_VALIDATION_CODES = frozenset({"invalid_uscc", "inconsistent_fields", "nul_character"})


class ValidationErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An error, as RFC 9457 problem details with a stable `code`."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "type": "https://tech-accompaniment.example/problems/not_found",
                "title": "Not found",
                "status": 404,
                "detail": "enterprise 0b7e… does not exist",
                "code": "not_found",
            }
        }
    )

    type: str = Field(description="A URI naming the kind of problem")
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable snake_case machine-readable code")
    errors: list[ValidationErrorItem] | None = Field(
        default=None, description="Per-field errors, for 422 only"
    )


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


class AppError(Exception):
    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        errors: Sequence[ValidationErrorItem] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.headers = dict(headers or {})
        self.errors = list(errors) if errors is not None else None


class Unauthorized(AppError):
    status, code, title = 401, "unauthorized", "Unauthorized"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail, code=code, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(AppError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class PreconditionFailed(AppError):
    status, code, title = 412, "precondition_failed", "Precondition failed"


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload_too_large", "Payload too large"


class Unprocessable(AppError):
    status, code, title = 422, "validation_failed", "Unprocessable content"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        loc: Sequence[str | int] | None = None,
        errors: Sequence[ValidationErrorItem] | None = None,
    ) -> None:
        if errors is None and loc is not None:
            errors = [ValidationErrorItem(loc=list(loc), msg=detail, type=code or self.code)]
        super().__init__(detail, code=code, errors=errors or [])


class Gone(AppError):
    status, code, title = 410, "gone", "Gone"


class TooManyRequests(AppError):
    status, code, title = 429, "too_many_requests", "Too many requests"

    def __init__(self, detail: str, *, retry_after_seconds: int, code: str | None = None) -> None:
        super().__init__(
            detail, code=code, headers={"Retry-After": str(max(1, retry_after_seconds))}
        )


class ServiceUnavailable(AppError):
    status, code, title = 503, "service_unavailable", "Service unavailable"


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    errors: Sequence[ValidationErrorItem] | None = None,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": f"https://tech-accompaniment.example/problems/{code}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = [error.model_dump() for error in errors]
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def _database_unavailable() -> ProblemResponse:
    return problem_response(
        503,
        "database_unavailable",
        "The database is unreachable; try again shortly.",
        headers={"Retry-After": str(RETRY_AFTER_DB_SECONDS)},
    )


# Errors that mean "the database cannot be reached right now", never the request's fault.
DATABASE_DOWN = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    sa_exc.TimeoutError,
    sa_exc.InterfaceError,
)


def is_database_down(error: BaseException) -> bool:
    if isinstance(error, DATABASE_DOWN):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        original = getattr(error.orig, "__cause__", None) or error.orig
        return isinstance(original, DATABASE_DOWN) or isinstance(
            error.orig, asyncpg.exceptions.AdminShutdownError | asyncpg.CannotConnectNowError
        )
    return False


def is_concurrent_write(error: BaseException) -> bool:
    """Another transaction changed the row between this request's read and its write (the
    version check found nothing to update), or PostgreSQL broke a deadlock or a
    serialisation conflict: the request's fault no more than the client's, and worth a retry."""
    if isinstance(error, orm_exc.StaleDataError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        cause = getattr(error.orig, "__cause__", None)
        return isinstance(
            cause, asyncpg.exceptions.DeadlockDetectedError | asyncpg.SerializationError
        )
    return False


def _is_bad_data(error: sa_exc.DBAPIError) -> bool:
    cause = getattr(error.orig, "__cause__", None)
    return isinstance(cause, asyncpg.DataError) or isinstance(error, sa_exc.DataError)


def render(request: Request, error: BaseException) -> ProblemResponse:
    """Turn any exception into the problem+json response it deserves."""
    if isinstance(error, AppError):
        return problem_response(
            error.status,
            error.code,
            error.detail,
            title=error.title,
            headers=error.headers,
            errors=error.errors,
        )
    if isinstance(error, RequestValidationError):
        items = [
            ValidationErrorItem(
                loc=[part for part in item.get("loc", ()) if isinstance(part, str | int)],
                msg=str(item.get("msg", "")),
                type=str(item.get("type", "")),
            )
            for item in jsonable_encoder(error.errors())
        ]
        malformed = any(item.type == "json_invalid" for item in items)
        kinds = {item.type for item in items}
        code = "malformed_json" if malformed else "validation_failed"
        if len(kinds) == 1 and kinds <= DOMAIN_VALIDATION_CODES:
            code = kinds.pop()
        return problem_response(
            422,
            code,
            "The request body is not valid JSON."
            if malformed
            else "The request does not match the schema: "
            + "; ".join(f"{'.'.join(str(p) for p in item.loc)}: {item.msg}" for item in items[:5]),
            errors=items,
        )
    if isinstance(error, StarletteHTTPException) and error.status_code == 400:
        # FastAPI's only 400: a body it cannot decode. One answer for every unparsable body.
        return problem_response(
            422, "malformed_json", "The request body could not be parsed.", errors=[]
        )
    if isinstance(error, StarletteHTTPException):
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}
        detail = (
            error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
        )
        if error.status_code == 404 and detail == "Not Found":
            detail = f"No resource at {request.url.path}"
        return problem_response(
            error.status_code,
            codes.get(error.status_code, f"http_{error.status_code}"),
            detail,
            headers=error.headers,
        )
    if is_database_down(error):
        logger.warning("database unavailable: %s", error.__class__.__name__)
        return _database_unavailable()
    if is_concurrent_write(error):
        return problem_response(
            409,
            "concurrent_update",
            "The resource was changed by another request at the same time; read it again "
            "and retry.",
            headers={"Retry-After": "1"},
        )
    if isinstance(error, sa_exc.IntegrityError):
        return problem_response(409, "conflict", "The change conflicts with stored data.")
    if isinstance(error, sa_exc.DBAPIError) and _is_bad_data(error):
        return problem_response(
            422, "invalid_data", "A value cannot be stored as given (out of range or malformed)."
        )
    logger.exception("unhandled error", exc_info=error)
    return problem_response(500, "internal_error", "An unexpected error occurred.")


async def _handle(request: Request, error: Exception) -> ProblemResponse:
    return render(request, error)


def install_handlers(app: FastAPI) -> None:
    """The errors a request is expected to meet, answered where they are raised.

    Anything else (a database outage, a bug) is answered by the error boundary middleware
    (`app.ops.middleware.ErrorBoundaryMiddleware`), not by a handler for `Exception`: Starlette
    runs that one outside every middleware and re-raises after answering, so the server logged
    a second traceback, dropped the keep-alive connection and the access log said 500 whatever
    the client got."""
    app.add_exception_handler(AppError, _handle)
    app.add_exception_handler(RequestValidationError, _handle)
    app.add_exception_handler(StarletteHTTPException, _handle)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry documenting these error statuses as problem+json."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
