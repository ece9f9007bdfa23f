"""create_app(): routers, handlers, middleware, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import app.subscriptions  # noqa: F401 - every domain's subscribers listen before a request publishes
from app import demo, errors
from app.activities.router import router as activities_router
from app.applications.router import campaigns_router
from app.applications.router import router as applications_router
from app.applications.router import specialists_router as specialist_assessment_router
from app.applications.router import statistics_router as application_statistics_router
from app.auth import service as auth_service
from app.auth.audit_router import router as audit_router
from app.auth.dependencies import declare_security
from app.auth.principals import PrincipalCache
from app.auth.router import router as auth_router
from app.changes.jobs import FEED_PRUNE
from app.changes.router import router as changes_router
from app.config import Settings, get_settings
from app.db import (
    RequestSessionMiddleware,
    create_engine,
    create_session_factory,
    read_session_factory,
)
from app.enterprises.router import qualifications_router
from app.enterprises.router import router as enterprises_router
from app.events.dispatch import DISPATCHER, OUTBOX_PRUNE
from app.exports.router import router as exports_router
from app.http import declare_protocol_headers, reject_unknown_parameters
from app.idempotency.middleware import EXCLUDED_PATHS as IDEMPOTENCY_EXCLUDED
from app.idempotency.middleware import IdempotencyMiddleware
from app.imports import service as imports_service
from app.imports.router import router as imports_router
from app.meta.router import router as meta_router
from app.ops.middleware import (
    ErrorBoundaryMiddleware,
    MethodsMiddleware,
    Metrics,
    NotModifiedMiddleware,
    RequestContextMiddleware,
    RequestGuardMiddleware,
)
from app.ops.router import router as ops_router
from app.outcomes.router import router as outcomes_router
from app.overview.router import router as overview_router
from app.plans.router import enterprise_plans_router
from app.plans.router import router as plans_router
from app.policies.router import router as policies_router
from app.pools.router import router as pools_router
from app.projects.enums import ReasonCode
from app.projects.jobs import ALERT_SWEEP
from app.projects.router import router as projects_router
from app.rankings.router import router as rankings_router
from app.scheduling.daily import run_daily
from app.scheduling.periodic import run_periodically
from app.visits.router import router as visits_router

logger = logging.getLogger(__name__)

API_VERSION = "1.0.0"
DESCRIPTION = """
The backend of a science & technology bureau's **technology accompaniment service**
(科技陪伴式服务): enterprises, cultivation pools and their tiers, readiness assessments,
tech projects with a red/yellow/green alert, specialists' visits and demands, the annual
ranking, and the bureau's outcomes.

Errors are `application/problem+json` (RFC 9457) with a stable `code`. Lists are
keyset-paginated (`limit`, `cursor` → `next_cursor`). Single resources carry an `ETag`;
`PATCH`/`PUT` honour `If-Match`. `POST` honours `Idempotency-Key`. Every `/api/v1` answer
is `Cache-Control: no-store`. `HEAD` works on every `GET` route and `OPTIONS` on every path
(204, `Allow`); neither is listed here.
"""

ROUTERS = (
    ops_router,
    auth_router,
    audit_router,
    enterprises_router,
    qualifications_router,
    pools_router,
    projects_router,
    # Before the visits' /specialists/{id}: it serves /specialists/assessments.
    specialist_assessment_router,
    visits_router,
    activities_router,
    rankings_router,
    enterprise_plans_router,
    plans_router,
    outcomes_router,
    policies_router,
    campaigns_router,
    applications_router,
    application_statistics_router,
    meta_router,
    overview_router,
    changes_router,
    exports_router,
    imports_router,
)


# Every tag of the document, described for the generated clients' and the docs' sections.
TAGS = [
    {
        "name": "enterprises",
        "description": "The register: enterprises, annual reports (年报), "
        "qualifications, readiness assessments (高企, 科小)",
    },
    {
        "name": "pools",
        "description": "The three cultivation pools (高企, 科小, 项目) in tiered "
        "batches: members, transitions, exits",
    },
    {
        "name": "projects",
        "description": "Tech projects, milestones, progress reports and the "
        "red/yellow/green alert (预警), with its board and sweep",
    },
    {
        "name": "visits",
        "description": "Tech specialists (科技专员), assignments, visits, the "
        "three coverage rounds, demands answered within 24 hours, satisfaction, assessments",
    },
    {
        "name": "activities",
        "description": "Trainings, briefings and matchmaking events with "
        "their invitations and attendance",
    },
    {
        "name": "plans",
        "description": "One plan per enterprise (一企一策): a goal, tasks proposed from the "
        "assessment's gaps and the ranking's short board, progress, overdue tasks, comments",
    },
    {"name": "policies", "description": "The policy catalogue and the matches of an enterprise"},
    {
        "name": "applications",
        "description": "Application campaigns and the enterprises' applications in them: "
        "lifecycle, materials checklist, coaching and the decision",
    },
    {
        "name": "outcomes",
        "description": "The achievements ledger (认定, 立项, 奖项) and its statistics",
    },
    {
        "name": "rankings",
        "description": "The yearly ranking on innovation, growth and "
        "participation: runs, entries, incentives",
    },
    {"name": "overview", "description": "The bureau's dashboard figures"},
    {"name": "exports", "description": "Whole resources streamed as NDJSON, CSV or xlsx"},
    {"name": "imports", "description": "Bulk imports as jobs, with their rejected rows"},
    {"name": "changes", "description": "The change feed for data-sharing integrations"},
    {"name": "auth", "description": "Tokens, the current principal, users and API keys"},
    {"name": "audit", "description": "The audit trail of every change"},
    {"name": "meta", "description": "Enum labels in zh-CN and en"},
    {"name": "operations", "description": "Health, readiness and metrics"},
]


def create_app(
    settings: Settings | None = None,
    *,
    database_url: str | None = None,
    session_factory: async_sessionmaker[AsyncSession] | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    engine: AsyncEngine | None = None
    if session_factory is None:
        url = database_url or settings.database_url
        if url is None:
            raise RuntimeError("no database: set DATABASE_URL or start through `python -m app.cli`")
        engine = create_engine(url, settings)
        session_factory = create_session_factory(engine)
    factory = session_factory
    principals = PrincipalCache(
        database_url or settings.database_url, settings.principal_cache_seconds
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await _prepare_database(factory, settings)
        await principals.start()
        timed = [
            asyncio.create_task(run_daily(job, factory, settings))
            for job, enabled in (
                (ALERT_SWEEP, settings.alert_sweep_enabled),
                (FEED_PRUNE, settings.change_feed_retention_days > 0),
                (OUTBOX_PRUNE, settings.outbox_retention_days > 0),
            )
            if enabled
        ]
        if settings.outbox_dispatch_enabled:
            timed.append(asyncio.create_task(run_periodically(DISPATCHER, factory, settings)))
        # Every replica runs import jobs and takes over those whose runner went silent.
        imports = imports_service.start_worker(app.state, factory, settings)
        # What is alive now (modules, the routes, the schemas, SQLAlchemy's metadata: hundreds
        # of thousands of objects that live as long as the process) leaves the cycle
        # collector's generations: its full collections had walked all of it, again and
        # again, for a sixth of a read's time.
        gc.freeze()
        yield
        # Awaited, not only cancelled: a job under way (such as the one a worker runs as it
        # starts) rolls back and hands its connection back before the engine is disposed.
        for task in timed:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if imports is not None:
            await imports.stop()  # the running jobs are handed back
        await principals.stop()
        if engine is not None:
            await engine.dispose()

    app = FastAPI(
        title="Technology accompaniment service API",
        version=API_VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        dependencies=[Depends(reject_unknown_parameters)],
        openapi_tags=TAGS,
    )
    app.state.settings = settings
    app.state.session_factory = factory
    app.state.read_session_factory = read_session_factory(factory)
    app.state.principals = principals
    app.state.metrics = Metrics()

    errors.install_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    _install_docs(app)
    _install_openapi(app)

    # Added innermost first: the request context wraps everything else. CORS sits above the
    # error boundary so that the boundary's 500/503 answers carry CORS headers too (a browser
    # hides an answer without them); above the boundary there is only plain code, no I/O.
    app.add_middleware(RequestSessionMiddleware)
    app.add_middleware(IdempotencyMiddleware, retention=timedelta(hours=settings.idempotency_hours))
    app.add_middleware(MethodsMiddleware)
    app.add_middleware(NotModifiedMiddleware)
    app.add_middleware(
        RequestGuardMiddleware,
        max_body_bytes=settings.max_body_bytes,
        # Bulk imports upload whole files: their own, explicit limit.
        larger_limits={"/api/v1/imports/": settings.import_max_bytes},
    )
    app.add_middleware(ErrorBoundaryMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "Location", "X-Request-ID", "Retry-After"],
        )
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    return app


async def _prepare_database(factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """First administrator and demo data; a database that is down only delays them."""
    try:
        generated = await auth_service.ensure_first_admin(factory, settings)
        if generated is not None:
            banner = (
                "\n  First administrator created: admin@example.com\n"
                f"  Password (shown once): {generated}\n"
            )
            print(banner, flush=True)  # noqa: T201 - the operator must see it once
        if settings.should_seed_demo:
            await demo.seed(factory, settings)
    except Exception as exc:
        if not errors.is_database_down(exc):
            raise
        logger.warning("database unavailable at start-up; bootstrap skipped")


def _install_docs(app: FastAPI) -> None:
    """Swagger UI and ReDoc from bundled assets, so the docs render with no internet."""
    import fastapi_offline
    from swagger_ui_bundle import swagger_ui_path

    redoc_assets = Path(fastapi_offline.__file__).parent / "static"

    app.mount("/static/swagger-ui", StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")
    app.mount("/static/redoc", StaticFiles(directory=str(redoc_assets)), name="redoc-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} – Swagger UI",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{app.title} – ReDoc",
            redoc_js_url="/static/redoc/redoc.standalone.js",
            redoc_favicon_url="/static/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )


# Enums the routes' models do not bring into the document: a discriminated union's codes,
# and the problem codes (the Problem schema is added by hand below).
NAMED_ENUMS: dict[str, type[StrEnum]] = {
    "AlertReasonCode": ReasonCode,
    "ProblemCode": errors.ProblemCode,
}


def _app_models(cls: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for sub in cls.__subclasses__():
        if sub.__module__.startswith("app."):
            yield sub
        yield from _app_models(sub)


def _restore_examples(components: dict[str, Any]) -> None:
    """Each schema's examples as its model states them. FastAPI writes the document without
    null values (`exclude_none`, FastAPI issue 5559), which takes a nullable field out of
    every example and leaves an example its own schema refuses (a required field absent)."""
    by_name: dict[str, list[type[BaseModel]]] = {}
    for model in _app_models(BaseModel):
        by_name.setdefault(model.__name__, []).append(model)
    for name, schema in components.items():
        models = {id(m): m for m in by_name.get(name, [])}
        if "examples" not in schema or len(models) != 1:
            continue
        (model,) = models.values()
        extra = model.model_config.get("json_schema_extra")
        if isinstance(extra, dict) and isinstance(extra.get("examples"), list):
            schema["examples"] = jsonable_encoder(extra["examples"])


def _install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = errors.Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components["Problem"].pop("$defs", None)
        components["ValidationErrorItem"] = errors.ValidationErrorItem.model_json_schema()
        components["Problem"]["properties"]["errors"] = {
            "anyOf": [
                {"type": "array", "items": {"$ref": "#/components/schemas/ValidationErrorItem"}},
                {"type": "null"},
            ],
            "description": "Per-field errors, for 422 only",
        }
        # Named so that generators and /api/v1/meta/enums know them.
        for name, enum in NAMED_ENUMS.items():
            components[name] = {
                "type": "string",
                "enum": [member.value for member in enum],
                "title": name,
            }
        # FastAPI's own validation-error schemas are never sent: ours replace them.
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        _restore_examples(components)
        declare_security(schema, app.routes)
        declare_protocol_headers(schema, set(IDEMPOTENCY_EXCLUDED))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
