from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from app import errors
from app.auth.dependencies import (
    CurrentPrincipal,
    ScopeRequired,
    SettingsDep,
    StaffPrincipal,
    ZoneFiguresPrincipal,
)
from app.auth.scopes import Scope
from app.db import SessionDep
from app.http import IfMatchHeader, set_etag, set_location
from app.outcomes import service
from app.outcomes.enums import AchievementKind, AchievementLevel
from app.outcomes.schemas import (
    AchievementCreate,
    AchievementFilter,
    AchievementPage,
    AchievementRead,
    AchievementUpdate,
    OutcomeStatisticsRead,
)
from app.pagination import PageParams, sorted_page
from app.schemas import CalendarDate

router = APIRouter(
    dependencies=[Depends(ScopeRequired(Scope.READ_OUTCOMES))],
    prefix="/api/v1",
    tags=["outcomes"],
    responses=errors.responses(401, 403, 422, 503),
)


@router.post(
    "/achievements",
    operation_id="createAchievement",
    status_code=status.HTTP_201_CREATED,
    response_model=AchievementRead,
    responses=errors.responses(404),
)
async def create_achievement(
    data: AchievementCreate,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> AchievementRead:
    """Record an outcome; hte_certified and sme_registered also record the qualification."""
    achievement, version = await service.record(session, settings, principal, data)
    set_location(response, f"/api/v1/achievements/{achievement.id}")
    set_etag(response, version)
    return achievement


@router.get("/achievements", operation_id="listAchievements", response_model=AchievementPage)
async def list_achievements(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: Annotated[PageParams, sorted_page(service.ACHIEVEMENT_SORTS)],
    kind: AchievementKind | None = None,
    enterprise_id: uuid.UUID | None = None,
    level: AchievementLevel | None = None,
    achieved_from: CalendarDate | None = None,
    achieved_to: CalendarDate | None = None,
) -> AchievementPage:
    """The outcomes ledger, newest first; enterprise users see their own."""
    where = AchievementFilter(
        kind=kind.value if kind else None,
        enterprise_id=enterprise_id,
        level=level.value if level else None,
        achieved_from=achieved_from,
        achieved_to=achieved_to,
    )
    return await service.list_achievements(session, principal, where, page)


@router.get(
    "/achievements/{achievement_id}",
    operation_id="getAchievement",
    response_model=AchievementRead,
    responses=errors.responses(404),
)
async def get_achievement(
    achievement_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> AchievementRead:
    """One ledger entry."""
    achievement, version = await service.get_achievement(session, principal, achievement_id)
    set_etag(response, version)
    return achievement


@router.patch(
    "/achievements/{achievement_id}",
    operation_id="updateAchievement",
    response_model=AchievementRead,
    responses=errors.responses(404, 412),
)
async def update_achievement(
    achievement_id: uuid.UUID,
    data: AchievementUpdate,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> AchievementRead:
    """Correct a ledger entry (the kind and enterprise are fixed; so are the date and
    reference of an entry that recorded a qualification)."""
    achievement, version = await service.correct(
        session, settings, principal, achievement_id, data, if_match
    )
    set_etag(response, version)
    return achievement


@router.get(
    "/statistics/outcomes",
    operation_id="getOutcomeStatistics",
    response_model=OutcomeStatisticsRead,
)
async def get_outcome_statistics(
    principal: ZoneFiguresPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    period_from: Annotated[
        CalendarDate | None, Query(alias="from", description="Default: 1 January of `to`")
    ] = None,
    period_to: Annotated[
        CalendarDate | None, Query(alias="to", description="Default: today")
    ] = None,
) -> OutcomeStatisticsRead:
    """Per kind: count and amount in the period and in the previous period of equal length,
    with growth in %; awards by grade; the zone's firsts in the period."""
    return await service.statistics(session, service.period_of(settings, period_from, period_to))
