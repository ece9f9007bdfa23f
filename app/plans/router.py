from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from app import errors
from app.auth.dependencies import CurrentPrincipal, ScopeRequired, SettingsDep, require
from app.auth.roles import Principal, Role
from app.auth.scopes import Scope
from app.db import SessionDep
from app.http import IfMatchHeader, set_etag, set_location
from app.pagination import PageParamsDep
from app.plans import service
from app.plans.enums import GoalKind, PlanStatus, TaskStatus
from app.plans.schemas import (
    CommentCreate,
    CommentPage,
    CommentRead,
    PlanCreate,
    PlanDetailRead,
    PlanFilter,
    PlanPage,
    PlanUpdate,
    TaskCreate,
    TaskPage,
    TaskRead,
    TaskUpdate,
)

# Staff and the enterprise's responsible specialist write plans (the service checks who is
# responsible); an enterprise user reads its own and comments on their tasks.
PlanWriter = Annotated[Principal, Depends(require(Role.ADMIN, Role.MANAGER, Role.SPECIALIST))]
SCOPE = [Depends(ScopeRequired(Scope.READ_PLANS))]

enterprise_plans_router = APIRouter(
    dependencies=SCOPE,
    prefix="/api/v1/enterprises/{enterprise_id}/plans",
    tags=["plans"],
    responses=errors.responses(401, 403, 404, 422, 503),
)
router = APIRouter(
    dependencies=SCOPE,
    prefix="/api/v1/plans",
    tags=["plans"],
    responses=errors.responses(401, 403, 422, 503),
)


def _filter(
    specialist_id: Annotated[
        uuid.UUID | None, Query(description="Plans of the enterprises in this specialist's care")
    ] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    overdue: Annotated[
        bool | None, Query(description="true: plans with a task overdue today; false: none")
    ] = None,
    goal_kind: GoalKind | None = None,
    plan_status: Annotated[PlanStatus | None, Query(alias="status")] = None,
) -> PlanFilter:
    return PlanFilter(
        specialist_id=specialist_id,
        year=year,
        overdue=overdue,
        goal_kind=goal_kind.value if goal_kind else None,
        status=plan_status.value if plan_status else None,
    )


PlanFilterDep = Annotated[PlanFilter, Depends(_filter)]


@enterprise_plans_router.post(
    "",
    operation_id="createPlan",
    status_code=status.HTTP_201_CREATED,
    response_model=PlanDetailRead,
    responses=errors.responses(409),
)
async def create_plan(
    enterprise_id: uuid.UUID,
    data: PlanCreate,
    principal: PlanWriter,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> PlanDetailRead:
    """Make the enterprise's plan for a year and goal, proposing a task per gap of its latest
    assessment and one for its short board in the latest published ranking."""
    plan, version = await service.create_plan(session, principal, settings, enterprise_id, data)
    set_location(response, f"/api/v1/plans/{plan.id}")
    set_etag(response, version)
    return plan


@enterprise_plans_router.get("", operation_id="listEnterprisePlans", response_model=PlanPage)
async def list_enterprise_plans(
    enterprise_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    page: PageParamsDep,
    where: PlanFilterDep,
) -> PlanPage:
    """The enterprise's plans with their progress, latest first."""
    return await service.list_enterprise_plans(
        session, principal, settings, enterprise_id, where, page
    )


@router.get("", operation_id="listPlans", response_model=PlanPage)
async def list_plans(
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    page: PageParamsDep,
    where: PlanFilterDep,
    enterprise_id: uuid.UUID | None = None,
) -> PlanPage:
    """Plans with their progress, latest first (an enterprise user sees its own)."""
    narrowed = dataclasses.replace(where, enterprise_id=enterprise_id)
    return await service.list_plans(session, principal, settings, narrowed, page)


@router.get(
    "/{plan_id}",
    operation_id="getPlan",
    response_model=PlanDetailRead,
    responses=errors.responses(404),
)
async def get_plan(
    plan_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> PlanDetailRead:
    """A plan with its tasks, progress, and which of its gaps the assessment now closes."""
    plan, version = await service.get_plan(session, principal, settings, plan_id)
    set_etag(response, version)
    return plan


@router.patch(
    "/{plan_id}",
    operation_id="updatePlan",
    response_model=PlanDetailRead,
    responses=errors.responses(404, 409, 412),
)
async def update_plan(
    plan_id: uuid.UUID,
    data: PlanUpdate,
    principal: PlanWriter,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> PlanDetailRead:
    """Change a plan's title, target, notes, or close it (409 for any other status move)."""
    plan, version = await service.update_plan(session, principal, settings, plan_id, data, if_match)
    set_etag(response, version)
    return plan


@router.post(
    "/{plan_id}/tasks",
    operation_id="createPlanTask",
    status_code=status.HTTP_201_CREATED,
    response_model=TaskRead,
    responses=errors.responses(404, 409),
)
async def create_task(
    plan_id: uuid.UUID,
    data: TaskCreate,
    principal: PlanWriter,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> TaskRead:
    """Add a task to an active plan."""
    task, version = await service.add_task(session, principal, settings, plan_id, data)
    set_location(response, f"/api/v1/plans/{plan_id}/tasks/{task.id}")
    set_etag(response, version)
    return task


@router.get(
    "/{plan_id}/tasks",
    operation_id="listPlanTasks",
    response_model=TaskPage,
    responses=errors.responses(404),
)
async def list_tasks(
    plan_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    page: PageParamsDep,
    task_status: Annotated[TaskStatus | None, Query(alias="status")] = None,
) -> TaskPage:
    """The plan's tasks, oldest first."""
    return await service.list_tasks(session, principal, settings, plan_id, task_status, page)


@router.get(
    "/{plan_id}/tasks/{task_id}",
    operation_id="getPlanTask",
    response_model=TaskRead,
    responses=errors.responses(404),
)
async def get_task(
    plan_id: uuid.UUID,
    task_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> TaskRead:
    """One task of a plan."""
    task, version = await service.get_task(session, principal, settings, plan_id, task_id)
    set_etag(response, version)
    return task


@router.patch(
    "/{plan_id}/tasks/{task_id}",
    operation_id="updatePlanTask",
    response_model=TaskRead,
    responses=errors.responses(404, 409, 412),
)
async def update_task(
    plan_id: uuid.UUID,
    task_id: uuid.UUID,
    data: TaskUpdate,
    principal: PlanWriter,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> TaskRead:
    """Change a task or move it: open → in_progress → done | dropped (409 otherwise)."""
    task, version = await service.update_task(
        session, principal, settings, plan_id, task_id, data, if_match
    )
    set_etag(response, version)
    return task


@router.post(
    "/{plan_id}/tasks/{task_id}/comments",
    operation_id="createPlanTaskComment",
    status_code=status.HTTP_201_CREATED,
    response_model=CommentRead,
    responses=errors.responses(404),
)
async def create_comment(
    plan_id: uuid.UUID,
    task_id: uuid.UUID,
    data: CommentCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> CommentRead:
    """Comment on a task: the enterprise on its own plan, staff and its specialist on any
    they may write."""
    comment = await service.add_comment(session, principal, plan_id, task_id, data)
    set_location(response, f"/api/v1/plans/{plan_id}/tasks/{task_id}/comments")
    return comment


@router.get(
    "/{plan_id}/tasks/{task_id}/comments",
    operation_id="listPlanTaskComments",
    response_model=CommentPage,
    responses=errors.responses(404),
)
async def list_comments(
    plan_id: uuid.UUID,
    task_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageParamsDep,
) -> CommentPage:
    """The task's comments, oldest first."""
    return await service.list_comments(session, principal, plan_id, task_id, page)
