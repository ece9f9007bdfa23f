from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app import errors
from app.db import SessionDep
from app.ops import service
from app.ops.middleware import Metrics
from app.schemas import Schema

router = APIRouter(tags=["operations"])


class HealthRead(Schema):
    status: str
    migration: str | None = None


@router.get("/health/live", operation_id="getLiveness", response_model=HealthRead)
async def live() -> HealthRead:
    """The process is up (it does not look at the database)."""
    return HealthRead(status="ok")


@router.get(
    "/health/ready",
    operation_id="getReadiness",
    response_model=HealthRead,
    responses=errors.responses(503),
)
async def ready(session: SessionDep) -> HealthRead:
    """The database answers and its schema is at the migrations' head."""
    return HealthRead(status="ok", migration=await service.readiness(session))


@router.get(
    "/metrics",
    operation_id="getMetrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> Response:
    """Prometheus metrics: requests and latency by route template and status."""
    collected: Metrics = request.app.state.metrics
    return Response(generate_latest(collected.registry), media_type=CONTENT_TYPE_LATEST)
