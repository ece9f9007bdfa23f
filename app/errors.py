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


# One title per status, whoever answers (RFC 9457: the title does not change from occurrence
# to occurrence; the `code` and `detail` say what happened).
TITLES: dict[int, str] = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    410: "Gone",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def status_title(status: int) -> str:
    return TITLES.get(status) or HTTPStatus(status).phrase.capitalize()


class AppError(Exception):
    status: int = 400
    code: str = "bad_request"

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
    status, code = 401, "unauthorized"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail, code=code, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    status, code = 403, "forbidden"


class NotFound(AppError):
    status, code = 404, "not_found"


class Conflict(AppError):
    status, code = 409, "conflict"


class PreconditionFailed(AppError):
    status, code = 412, "precondition_failed"


class PayloadTooLarge(AppError):
    status, code = 413, "payload_too_large"


class Unprocessable(AppError):
    status, code = 422, "validation_failed"

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
    status, code = 410, "gone"


class TooManyRequests(AppError):
    status, code = 429, "too_many_requests"

    def __init__(self, detail: str, *, retry_after_seconds: int, code: str | None = None) -> None:
        super().__init__(
            detail, code=code, headers={"Retry-After": str(max(1, retry_after_seconds))}
        )


class ServiceUnavailable(AppError):
    status, code = 503, "service_unavailable"


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    errors: Sequence[ValidationErrorItem] | None = None,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": f"https://tech-accompaniment.example/problems/{code}",
        "title": status_title(status),
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
            "description": status_title(status),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
