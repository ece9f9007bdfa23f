from __future__ import annotations

from fastapi import APIRouter, Depends

from app import errors
from app.auth.dependencies import ScopeRequired, SettingsDep, ZoneFiguresPrincipal
from app.auth.scopes import Scope
from app.db import SessionDep
from app.overview import service
from app.overview.schemas import OverviewRead

router = APIRouter(
    # The dashboard is the bureau's figures: the outcomes scope.
    dependencies=[Depends(ScopeRequired(Scope.READ_OUTCOMES))],
    prefix="/api/v1",
    tags=["overview"],
    responses=errors.responses(401, 403, 503),
)


@router.get("/statistics/overview", operation_id="getOverview", response_model=OverviewRead)
async def get_overview(
    principal: ZoneFiguresPrincipal, session: SessionDep, settings: SettingsDep
) -> OverviewRead:
    """The dashboard in one call: pools by tier, alert counts, the current round's coverage,
    open and breached demands, the year's satisfaction rate and the year's outcomes."""
    return await service.overview(session, settings)
