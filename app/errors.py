"""The AppError tree and the one place that renders every error as problem+json (RFC 9457)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from enum import StrEnum
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

from app.i18n import N_, _
from app.validation_messages import sentence_of

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_DB_SECONDS = 5


class ProblemCode(StrEnum):
    """Every problem `code` the service answers: the document lists them, /api/v1/meta/enums
    labels them (app/meta/labels.py), and the type checker holds each raise to one of them."""

    ACCOUNT_INACTIVE = "account_inactive"
    ACHIEVED_IN_FUTURE = "achieved_in_future"
    ACHIEVEMENT_NOT_FOUND = "achievement_not_found"
    ACTIVITY_NOT_FOUND = "activity_not_found"
    ACTIVITY_NOT_HELD = "activity_not_held"
    ALREADY_APPLIED = "already_applied"
    ALREADY_IN_POOL = "already_in_pool"
    ALREADY_IN_TIER = "already_in_tier"
    ALREADY_INVITED = "already_invited"
    ALREADY_RATED = "already_rated"
    ANNUAL_REPORT_NOT_FOUND = "annual_report_not_found"
    API_KEY_EXPIRED = "api_key_expired"
    APPLICATION_BEFORE_DATA = "application_before_data"
    API_KEY_NOT_FOUND = "api_key_not_found"
    API_KEY_REVOKED = "api_key_revoked"
    APPLICATION_NOT_FOUND = "application_not_found"
    APPLICATION_NOT_PREPARING = "application_not_preparing"
    APPROVED_IN_FUTURE = "approved_in_future"
    ATTENDANCE_RECORDED = "attendance_recorded"
    BAD_REQUEST = "bad_request"
    CAMPAIGN_NOT_FOUND = "campaign_not_found"
    CERTIFICATE_REQUIRED = "certificate_required"
    CHECKLIST_ITEM_NOT_FOUND = "checklist_item_not_found"
    CONCURRENT_UPDATE = "concurrent_update"
    CONFLICT = "conflict"
    CONFLICTING_CURSORS = "conflicting_cursors"
    CURSOR_EXPIRED = "cursor_expired"
    DATABASE_UNAVAILABLE = "database_unavailable"
    DATES_OUT_OF_ORDER = "dates_out_of_order"
    DEMAND_NOT_FOUND = "demand_not_found"
    DEMAND_NOT_OPEN = "demand_not_open"
    DISBURSED_OVER_APPROVED = "disbursed_over_approved"
    DUPLICATE_EMAIL = "duplicate_email"
    DUPLICATE_PLAN = "duplicate_plan"
    DUPLICATE_SPECIALIST = "duplicate_specialist"
    DUPLICATE_USCC = "duplicate_uscc"
    EFFECTIVE_BEFORE_CURRENT = "effective_before_current"
    EFFECTIVE_BEFORE_ENTRY = "effective_before_entry"
    EFFECTIVE_IN_FUTURE = "effective_in_future"
    EMPTY_COHORT = "empty_cohort"
    EMPTY_FILE = "empty_file"
    EXPIRY_NOT_IN_FUTURE = "expiry_not_in_future"
    END_BEFORE_START = "end_before_start"
    ENTERPRISE_ACCOUNT = "enterprise_account"
    ENTERPRISE_NOT_FOUND = "enterprise_not_found"
    ENTERPRISE_ROLE_FIXED = "enterprise_role_fixed"
    ENTRY_CONDITIONS_UNMET = "entry_conditions_unmet"
    FIELD_NOT_ALLOWED = "field_not_allowed"
    FILE_MISSING = "file_missing"
    FIXED_BY_QUALIFICATION = "fixed_by_qualification"
    FORBIDDEN = "forbidden"
    GONE = "gone"
    HTTP_ERROR = "http_error"
    IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENT_SECRET_NOT_REPLAYED = "idempotent_secret_not_replayed"  # noqa: S105 (a code, no secret)
    IMPORT_JOB_NOT_FOUND = "import_job_not_found"
    INCONSISTENT_FIELDS = "inconsistent_fields"
    INTERNAL_ERROR = "internal_error"
    INVALID_API_KEY = "invalid_api_key"
    INVALID_CREDENTIALS = "invalid_credentials"
    INVALID_CURSOR = "invalid_cursor"
    INVALID_DATA = "invalid_data"
    INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key"
    INVALID_PERIOD = "invalid_period"
    INVALID_POLICY = "invalid_policy"
    INVALID_STATUS_TRANSITION = "invalid_status_transition"
    INVALID_TOKEN = "invalid_token"  # noqa: S105 (a code, no secret)
    INVALID_USCC = "invalid_uscc"
    INVALID_WEIGHTS = "invalid_weights"
    INVALID_YEAR = "invalid_year"
    INVITATION_NOT_FOUND = "invitation_not_found"
    ISSUED_IN_FUTURE = "issued_in_future"
    LAST_ADMIN = "last_admin"
    LOGIN_ADDRESS_THROTTLED = "login_address_throttled"
    LOGIN_THROTTLED = "login_throttled"
    MALFORMED_JSON = "malformed_json"
    MEMBER_NOT_ACTIVE = "member_not_active"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    MIGRATIONS_PENDING = "migrations_pending"
    MILESTONE_NOT_FOUND = "milestone_not_found"
    MILESTONE_OUTSIDE_PROJECT = "milestone_outside_project"
    NO_RULE_SET = "no_rule_set"
    NOT_A_SPECIALIST = "not_a_specialist"
    NOT_ACCEPTABLE = "not_acceptable"
    NOT_APPROVED = "not_approved"
    NOT_AUTHENTICATED = "not_authenticated"
    NOT_FOUND = "not_found"
    NOT_INVITED = "not_invited"
    NOT_RESPONSIBLE = "not_responsible"
    NOTE_REQUIRED = "note_required"
    NUL_CHARACTER = "nul_character"
    OVERRIDE_EXPIRED = "override_expired"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    PLAN_CLOSED = "plan_closed"
    PLAN_NOT_FOUND = "plan_not_found"
    PLAN_TASK_NOT_FOUND = "plan_task_not_found"
    POLICY_NOT_FOUND = "policy_not_found"
    POOL_MEMBER_NOT_FOUND = "pool_member_not_found"
    PRECONDITION_FAILED = "precondition_failed"
    PROJECT_NOT_APPLYING = "project_not_applying"
    PROJECT_NOT_FOUND = "project_not_found"
    PROJECT_REQUIRED = "project_required"
    PUBLISH_CONFLICT = "publish_conflict"
    QUALIFICATION_NOT_FOUND = "qualification_not_found"
    RANKING_NOT_DRAFT = "ranking_not_draft"
    RANKING_NOT_FOUND = "ranking_not_found"
    RATE_LIMITED = "rate_limited"
    READ_ONLY_CREDENTIAL = "read_only_credential"
    REASON_REQUIRED = "reason_required"
    REPORT_IN_FUTURE = "report_in_future"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    ROUND_NOT_FOUND = "round_not_found"
    SCOPE_MISSING = "scope_missing"
    SCOPE_NOT_DECLARED = "scope_not_declared"
    SERVICE_UNAVAILABLE = "service_unavailable"
    SPECIALIST_INACTIVE = "specialist_inactive"
    SPECIALIST_NOT_FOUND = "specialist_not_found"
    STALE_ETAG = "stale_etag"
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 (a code, no secret)
    TOKEN_REVOKED = "token_revoked"  # noqa: S105 (a code, no secret)
    TOO_MANY_REQUESTS = "too_many_requests"
    TOO_MANY_TASKS = "too_many_tasks"
    TOO_MANY_ROWS = "too_many_rows"
    UNAUTHORIZED = "unauthorized"
    UNFIT_FOR_KIND = "unfit_for_kind"
    UNKNOWN_CAMPAIGN = "unknown_campaign"
    UNKNOWN_DEMAND = "unknown_demand"
    UNKNOWN_ENTERPRISE = "unknown_enterprise"
    UNKNOWN_PARAMETER = "unknown_parameter"
    UNKNOWN_POLICY = "unknown_policy"
    UNKNOWN_PROJECT = "unknown_project"
    UNKNOWN_SPECIALIST = "unknown_specialist"
    UNKNOWN_USER = "unknown_user"
    UNKNOWN_VISIT = "unknown_visit"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    USER_NOT_FOUND = "user_not_found"
    VALIDATION_FAILED = "validation_failed"
    VISIT_BEFORE_DEMAND = "visit_before_demand"
    VISIT_IN_FUTURE = "visit_in_future"
    VISIT_NOT_FOUND = "visit_not_found"
    VISIT_NOT_IN_OWN_NAME = "visit_not_in_own_name"
    WRONG_MEMBER_KIND = "wrong_member_kind"
    YEAR_NOT_STARTED = "year_not_started"


# Validation errors of the domain's own kinds (raised as PydanticCustomError with this type)
# become the problem's `code` when they are the only kind in a 422, e.g. `invalid_uscc`.
# (`inconsistent_fields` and `nul_character` come from app.schemas: cross-field rules and NUL.)
DOMAIN_VALIDATION_CODES = frozenset(
    {ProblemCode.INVALID_USCC, ProblemCode.INCONSISTENT_FIELDS, ProblemCode.NUL_CHARACTER}
)


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
    code: ProblemCode = Field(description="Stable snake_case machine-readable code")
    errors: list[ValidationErrorItem] | None = Field(
        default=None, description="Per-field errors, for 422 only"
    )


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


# One title per status, whoever answers (RFC 9457: the title does not change from occurrence
# to occurrence; the `code` and `detail` say what happened).
TITLES: dict[int, str] = {
    400: N_("Bad request"),
    401: N_("Unauthorized"),
    403: N_("Forbidden"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    406: N_("Not acceptable"),
    409: N_("Conflict"),
    410: N_("Gone"),
    412: N_("Precondition failed"),
    413: N_("Content too large"),
    415: N_("Unsupported media type"),
    422: N_("Unprocessable content"),
    429: N_("Too many requests"),
    500: N_("Internal server error"),
    503: N_("Service unavailable"),
}


def status_title(status: int) -> str:
    """The status's title in the request's language."""
    title = TITLES.get(status)
    return _(title) if title else HTTPStatus(status).phrase.capitalize()


class AppError(Exception):
    status: int = 400
    code: ProblemCode = ProblemCode.BAD_REQUEST

    def __init__(
        self,
        detail: str,
        *,
        code: ProblemCode | None = None,
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
    status, code = 401, ProblemCode.UNAUTHORIZED

    def __init__(self, detail: str, *, code: ProblemCode | None = None) -> None:
        super().__init__(detail, code=code, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    status, code = 403, ProblemCode.FORBIDDEN


class NotFound(AppError):
    status, code = 404, ProblemCode.NOT_FOUND


class Conflict(AppError):
    status, code = 409, ProblemCode.CONFLICT


class PreconditionFailed(AppError):
    status, code = 412, ProblemCode.PRECONDITION_FAILED


class PayloadTooLarge(AppError):
    status, code = 413, ProblemCode.PAYLOAD_TOO_LARGE


class Unprocessable(AppError):
    status, code = 422, ProblemCode.VALIDATION_FAILED

    def __init__(
        self,
        detail: str,
        *,
        code: ProblemCode | None = None,
        loc: Sequence[str | int] | None = None,
        errors: Sequence[ValidationErrorItem] | None = None,
    ) -> None:
        if errors is None and loc is not None:
            errors = [ValidationErrorItem(loc=list(loc), msg=detail, type=code or self.code)]
        super().__init__(detail, code=code, errors=errors or [])


class Gone(AppError):
    status, code = 410, ProblemCode.GONE


class TooManyRequests(AppError):
    status, code = 429, ProblemCode.TOO_MANY_REQUESTS

    def __init__(
        self, detail: str, *, retry_after_seconds: int, code: ProblemCode | None = None
    ) -> None:
        super().__init__(
            detail, code=code, headers={"Retry-After": str(max(1, retry_after_seconds))}
        )


class ServiceUnavailable(AppError):
    status, code = 503, ProblemCode.SERVICE_UNAVAILABLE


def problem_response(
    status: int,
    code: ProblemCode,
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
        ProblemCode.DATABASE_UNAVAILABLE,
        _("The database is unreachable; try again shortly."),
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
                loc=[
                    part
                    for part in jsonable_encoder(item.get("loc", ()))
                    if isinstance(part, str | int)
                ],
                msg=str(sentence_of(item)),
                type=str(item.get("type", "")),
            )
            for item in error.errors()
        ]
        malformed = any(item.type == "json_invalid" for item in items)
        kinds = {item.type for item in items}
        code = ProblemCode.MALFORMED_JSON if malformed else ProblemCode.VALIDATION_FAILED
        if len(kinds) == 1 and kinds <= DOMAIN_VALIDATION_CODES:
            code = ProblemCode(kinds.pop())
        return problem_response(
            422,
            code,
            _("The request body is not valid JSON.")
            if malformed
            else _(
                "The request does not match the schema: {errors}",
                errors="; ".join(
                    f"{'.'.join(str(p) for p in item.loc)}: {item.msg}" for item in items[:5]
                ),
            ),
            errors=items,
        )
    if isinstance(error, StarletteHTTPException) and error.status_code == 400:
        # FastAPI's only 400: a body it cannot decode. One answer for every unparsable body.
        return problem_response(
            422, ProblemCode.MALFORMED_JSON, _("The request body could not be parsed."), errors=[]
        )
    if isinstance(error, StarletteHTTPException):
        codes = {
            401: ProblemCode.UNAUTHORIZED,
            404: ProblemCode.NOT_FOUND,
            405: ProblemCode.METHOD_NOT_ALLOWED,
            406: ProblemCode.NOT_ACCEPTABLE,
            413: ProblemCode.PAYLOAD_TOO_LARGE,
            415: ProblemCode.UNSUPPORTED_MEDIA_TYPE,
            429: ProblemCode.TOO_MANY_REQUESTS,
        }
        detail = (
            error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
        )
        if error.status_code == 404 and detail == "Not Found":
            detail = _("No resource at {path}", path=request.url.path)
        elif detail == HTTPStatus(error.status_code).phrase:
            detail = status_title(error.status_code)
        return problem_response(
            error.status_code,
            codes.get(error.status_code, ProblemCode.HTTP_ERROR),
            detail,
            headers=error.headers,
        )
    if is_database_down(error):
        logger.warning("database unavailable: %s", error.__class__.__name__)
        return _database_unavailable()
    if is_concurrent_write(error):
        return problem_response(
            409,
            ProblemCode.CONCURRENT_UPDATE,
            _(
                "The resource was changed by another request at the same time; read it again "
                "and retry."
            ),
            headers={"Retry-After": "1"},
        )
    if isinstance(error, sa_exc.IntegrityError):
        return problem_response(
            409, ProblemCode.CONFLICT, _("The change conflicts with stored data.")
        )
    if isinstance(error, sa_exc.DBAPIError) and _is_bad_data(error):
        return problem_response(
            422,
            ProblemCode.INVALID_DATA,
            _("A value cannot be stored as given (out of range or malformed)."),
        )
    logger.exception("unhandled error", exc_info=error)
    return problem_response(500, ProblemCode.INTERNAL_ERROR, _("An unexpected error occurred."))


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
