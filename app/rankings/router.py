from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from app import errors
from app.auth.dependencies import CurrentPrincipal, ScopeRequired, SettingsDep, StaffPrincipal
from app.auth.scopes import Scope
from app.db import SessionDep
from app.http import IfMatchHeader, set_etag, set_location
from app.pagination import PageParamsDep
from app.pools.enums import Pool
from app.rankings import service
from app.rankings.enums import Dimension, RunStatus
from app.rankings.schemas import (
    EnterpriseRankingPage,
    EntryFilter,
    RankingEntryPage,
    RankingRunCreate,
    RankingRunPage,
    RankingRunRead,
    RunFilter,
)

router = APIRouter(
    dependencies=[Depends(ScopeRequired(Scope.READ_RANKINGS))],
    prefix="/api/v1",
    tags=["rankings"],
    responses=errors.responses(401, 403, 422, 503),
)


@router.post(
    "/rankings",
    operation_id="createRanking",
    status_code=status.HTTP_201_CREATED,
    response_model=RankingRunRead,
)
async def create_ranking(
    data: RankingRunCreate,
    principal: StaffPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> RankingRunRead:
    """Compute a pool's annual ranking as a draft, storing its weights and parameters."""
    run, version = await service.create_run(session, principal, settings, data)
    set_location(response, f"/api/v1/rankings/{run.id}")
    set_etag(response, version)
    return run


@router.get("/rankings", operation_id="listRankings", response_model=RankingRunPage)
async def list_rankings(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageParamsDep,
    pool: Pool | None = None,
    year: Annotated[int | None, Query(ge=2000, le=2200)] = None,
    status_: Annotated[RunStatus | None, Query(alias="status")] = None,
) -> RankingRunPage:
    """Ranking runs, latest year first (drafts only for the bureau's staff)."""
    where = RunFilter(
        pool=pool.value if pool else None,
        year=year,
        statuses=(status_.value,) if status_ else None,
    )
    return await service.list_runs(session, principal, where, page)


@router.get(
    "/rankings/{run_id}",
    operation_id="getRanking",
    response_model=RankingRunRead,
    responses=errors.responses(404),
)
async def get_ranking(
    run_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, response: Response
) -> RankingRunRead:
    """One run: its parameters, cohort and status."""
    run, version = await service.get_run(session, principal, run_id)
    set_etag(response, version)
    return run


@router.delete(
    "/rankings/{run_id}",
    operation_id="deleteRanking",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors.responses(404, 409, 412),
)
async def delete_ranking(
    run_id: uuid.UUID,
    principal: StaffPrincipal,
    session: SessionDep,
    if_match: IfMatchHeader = None,
) -> None:
    """Discard a draft (published and superseded runs are kept: 409)."""
    await service.delete_draft(session, principal, run_id, if_match)


@router.get(
    "/rankings/{run_id}/entries",
    operation_id="listRankingEntries",
    response_model=RankingEntryPage,
    responses=errors.responses(404),
)
async def list_ranking_entries(
    run_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageParamsDep,
    incentive: bool | None = None,
    data_incomplete: bool | None = None,
    short_board: Annotated[
        Dimension | None, Query(description="Entries whose short board is this dimension")
    ] = None,
) -> RankingEntryPage:
    """The run's entries by position (an enterprise user sees its own)."""
    where = EntryFilter(
        incentive=incentive,
        data_incomplete=data_incomplete,
        short_board_dimension=short_board.value if short_board else None,
    )
    return await service.list_entries(session, principal, run_id, where, page)


@router.post(
    "/rankings/{run_id}/publish",
    operation_id="publishRanking",
    response_model=RankingRunRead,
    responses=errors.responses(404, 409, 412),
)
async def publish_ranking(
    run_id: uuid.UUID,
    principal: StaffPrincipal,
    session: SessionDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> RankingRunRead:
    """Publish a draft: it becomes immutable and the pool's ranking of record for the year,
    superseding the one published before (which is kept)."""
    run, version = await service.publish(session, principal, run_id, if_match)
    set_etag(response, version)
    return run


@router.get(
    "/enterprises/{enterprise_id}/rankings",
    operation_id="listEnterpriseRankings",
    response_model=EnterpriseRankingPage,
    responses=errors.responses(404),
)
async def list_enterprise_rankings(
    enterprise_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, page: PageParamsDep
) -> EnterpriseRankingPage:
    """The enterprise's places in the published rankings, latest year first."""
    return await service.enterprise_history(session, principal, enterprise_id, page)
