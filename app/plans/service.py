"""Plans (一企一策): one plan per enterprise, year and goal, proposed from the assessment's gaps
and the ranking's short board, worked through as tasks, commented on by the enterprise."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit import service as audit
from app.auth.roles import Principal, Role, may_read, own_records_only
from app.config import Settings
from app.enterprises import service as enterprise_service
from app.errors import AppError, Conflict, Forbidden, NotFound, ProblemCode, Unprocessable
from app.http import check_if_match
from app.i18n import N_, ZH, Sentence, _
from app.meta.labels import LABELS
from app.modelkit import apply_changes
from app.pagination import PageParams
from app.plans import repository, rules
from app.plans.enums import GoalKind, PlanStatus, TaskSource, TaskStatus
from app.plans.models import Plan, PlanTask, PlanTaskComment
from app.plans.repository import PLAN_SORTS as PLAN_SORTS
from app.plans.schemas import (
    MAX_TASKS,
    CommentCreate,
    CommentPage,
    CommentRead,
    PlanCreate,
    PlanDetailRead,
    PlanFilter,
    PlanPage,
    PlanRead,
    PlanUpdate,
    ProgressRead,
    ReassessmentRead,
    TaskCreate,
    TaskPage,
    TaskRead,
    TaskUpdate,
)
from app.pools import service as pools_service
from app.pools.enums import Pool
from app.pools.readiness import Assessment
from app.rankings import service as rankings_service
from app.rankings.schemas import EnterpriseRankingRead, ShortBoardRead
from app.visits import service as visits_service


class PlanNotFound(NotFound):
    code = ProblemCode.PLAN_NOT_FOUND


class PlanTaskNotFound(NotFound):
    code = ProblemCode.PLAN_TASK_NOT_FOUND


class DuplicatePlan(Conflict):
    code = ProblemCode.DUPLICATE_PLAN


class PlanClosed(Conflict):
    code = ProblemCode.PLAN_CLOSED


class TooManyTasks(Conflict):
    code = ProblemCode.TOO_MANY_TASKS


# Gap tasks are closed or not against the assessment of the plan's goal; a project goal has
# no assessment.
ASSESSED = {GoalKind.HTE: Pool.HTE, GoalKind.SME: Pool.SME}
SHORT_BOARD_TITLE = N_(
    "Strengthen the short board: {dimension}, {indicator} (percentile {score}; the cohort's "
    "median {median})"
)


# --- Who may do what ---------------------------------------------------------------------


async def _may_write(session: AsyncSession, actor: Principal, enterprise_id: uuid.UUID) -> None:
    """Staff write any enterprise's plans, a specialist those of the enterprises in their
    care; an enterprise user comments only."""
    await enterprise_service.ensure_visible(session, actor, enterprise_id)
    if actor.role is Role.ENTERPRISE:
        raise Forbidden(
            _("An enterprise may read its plans and comment on their tasks, not change them."),
            code=ProblemCode.ROLE_NOT_ALLOWED,
        )
    if actor.role is Role.SPECIALIST and not await visits_service.is_responsible(
        session, actor, enterprise_id
    ):
        raise Forbidden(
            _("Only the enterprise's responsible specialist may change its plans."),
            code=ProblemCode.NOT_RESPONSIBLE,
        )


async def _load_plan(
    session: AsyncSession, viewer: Principal, plan_id: uuid.UUID, *, lock: bool = False
) -> Plan:
    plan = await repository.get_plan(session, plan_id, lock=lock)
    # An enterprise user is told another's plan does not exist.
    if plan is None or not may_read(viewer, plan.enterprise_id):
        raise PlanNotFound(_("plan {plan_id} does not exist", plan_id=plan_id))
    return plan


async def _load_task(
    session: AsyncSession, plan: Plan, task_id: uuid.UUID, *, lock: bool = False
) -> PlanTask:
    task = await repository.get_task(session, plan.id, task_id, lock=lock)
    if task is None:
        raise PlanTaskNotFound(
            _("task {task_id} of plan {plan_id} does not exist", task_id=task_id, plan_id=plan.id)
        )
    return task


def _check_target(target_year: int, year: int) -> None:
    if target_year < year:
        raise Unprocessable(
            _(
                "target_year {target_year} lies before the plan's year {year}.",
                target_year=target_year,
                year=year,
            ),
            code=ProblemCode.INCONSISTENT_FIELDS,
            loc=["body", "target_year"],
        )


def _check_open(plan: Plan) -> None:
    if plan.status is PlanStatus.CLOSED:
        raise PlanClosed(_("The plan is closed; its tasks are its record and stay as they are."))


# --- Reading -------------------------------------------------------------------------------


def _json_scalar(value: Any) -> Any:
    """A condition's value as JSON keeps it: decimals as strings (exact), dates written out."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _task_read(task: PlanTask, today: date, closed: dict[uuid.UUID, bool] | None) -> TaskRead:
    sentence = task.gap_sentence
    return TaskRead(
        id=task.id,
        plan_id=task.plan_id,
        title=task.title,
        owner=task.owner,
        due_on=task.due_on,
        status=task.status,
        notes=task.notes,
        source=task.source,
        gap_code=task.gap_code,
        gap_current=task.gap_current,
        gap_target=task.gap_target,
        gap_message=str(Sentence.from_json(sentence)) if sentence is not None else None,
        gap_closed=None if closed is None else closed.get(task.id),
        short_board=(ShortBoardRead.model_validate(task.short_board) if task.short_board else None),
        overdue=rules.is_overdue(task.status, task.due_on, today),
        done_at=task.done_at,
        created_at=task.created_at,
        updated_at=task.updated_at,
    )


def _progress(states: Sequence[tuple[TaskStatus, date | None]], today: date) -> ProgressRead:
    measured = rules.progress(states, today)
    return ProgressRead(
        total=len(states),
        open=measured.open,
        in_progress=measured.in_progress,
        done=measured.done,
        dropped=measured.dropped,
        overdue=measured.overdue,
        percent_done=measured.percent_done,
    )


def _plan_values(
    plan: Plan, name: str, states: Sequence[tuple[TaskStatus, date | None]], today: date
) -> dict[str, Any]:
    values = {c: getattr(plan, c) for c in PlanRead.model_fields if hasattr(plan, c)}
    values["enterprise_name"] = name
    values["progress"] = _progress(states, today)
    return values


async def _current_gaps(session: AsyncSession, plan: Plan) -> Assessment | None:
    """The enterprise's assessment for the plan's goal now (the latest report's year), or None
    when it has none (a project goal, no report, no rules for the year)."""
    pool = ASSESSED.get(plan.goal_kind)
    if pool is None:
        return None
    inputs = await enterprise_service.assessment_inputs(session, None, plan.enterprise_id)
    try:
        return pools_service.evaluate(inputs, pool, None)
    except AppError:
        return None


async def _reassess(
    session: AsyncSession, plan: Plan, tasks: Sequence[PlanTask]
) -> tuple[ReassessmentRead | None, dict[uuid.UUID, bool] | None]:
    """Which of the plan's gaps the enterprise's assessment still has."""
    gap_tasks = [t for t in tasks if t.gap_code is not None]
    if not gap_tasks:
        return None, None
    assessment = await _current_gaps(session, plan)
    if assessment is None:
        return None, None
    remaining = {gap.code for gap in assessment.gaps}
    closed = {t.id: t.gap_code not in remaining for t in gap_tasks}
    codes = list(dict.fromkeys(t.gap_code for t in gap_tasks if t.gap_code is not None))
    return (
        ReassessmentRead(
            year=assessment.year,
            passed=assessment.passed,
            closed_gaps=[c for c in codes if c not in remaining],
            open_gaps=[c for c in codes if c in remaining],
        ),
        closed,
    )


async def _detail(
    session: AsyncSession, settings: Settings, plan: Plan, *, reassess: bool = True
) -> PlanDetailRead:
    today = clock.today(settings.zone)
    tasks = await repository.tasks_of(session, plan.id)
    names = await enterprise_service.names(session, [plan.enterprise_id])
    reassessment, closed = await _reassess(session, plan, tasks) if reassess else (None, None)
    values = _plan_values(
        plan, names.get(plan.enterprise_id, ""), [(t.status, t.due_on) for t in tasks], today
    )
    return PlanDetailRead.model_validate(
        values
        | {
            "tasks": [_task_read(t, today, closed) for t in tasks],
            "reassessment": reassessment,
        }
    )


async def get_plan(
    session: AsyncSession, viewer: Principal, settings: Settings, plan_id: uuid.UUID
) -> tuple[PlanDetailRead, int]:
    plan = await _load_plan(session, viewer, plan_id)
    return await _detail(session, settings, plan), plan.version


async def list_plans(
    session: AsyncSession,
    viewer: Principal,
    settings: Settings,
    where: PlanFilter,
    page: PageParams,
) -> PlanPage:
    today = clock.today(settings.zone)
    where = own_records_only(dataclasses.replace(where, today=today), viewer)
    fetched = await page.fetch(session, repository.plans(where), repository.PLAN_SORTS)
    plans: list[Plan] = fetched.items
    states = await repository.task_states(session, [p.id for p in plans])
    names = await enterprise_service.names(session, [p.enterprise_id for p in plans])
    return PlanPage(
        items=[
            PlanRead.model_validate(
                _plan_values(p, names.get(p.enterprise_id, ""), states.get(p.id, []), today)
            )
            for p in plans
        ],
        **fetched.page_fields(),
    )


async def list_enterprise_plans(
    session: AsyncSession,
    viewer: Principal,
    settings: Settings,
    enterprise_id: uuid.UUID,
    where: PlanFilter,
    page: PageParams,
) -> PlanPage:
    await enterprise_service.ensure_visible(session, viewer, enterprise_id)
    narrowed = dataclasses.replace(where, enterprise_id=enterprise_id)
    return await list_plans(session, viewer, settings, narrowed, page)


async def list_tasks(
    session: AsyncSession,
    viewer: Principal,
    settings: Settings,
    plan_id: uuid.UUID,
    status: TaskStatus | None,
    page: PageParams,
) -> TaskPage:
    plan = await _load_plan(session, viewer, plan_id)
    stmt = repository.tasks(plan.id, status.value if status else None)
    fetched = await page.fetch(session, stmt, repository.TASK_SORTS)
    tasks: list[PlanTask] = fetched.items
    closed = (await _reassess(session, plan, tasks))[1]
    today = clock.today(settings.zone)
    return TaskPage(items=[_task_read(t, today, closed) for t in tasks], **fetched.page_fields())


async def get_task(
    session: AsyncSession,
    viewer: Principal,
    settings: Settings,
    plan_id: uuid.UUID,
    task_id: uuid.UUID,
) -> tuple[TaskRead, int]:
    plan = await _load_plan(session, viewer, plan_id)
    task = await _load_task(session, plan, task_id)
    closed = (await _reassess(session, plan, [task]))[1]
    return _task_read(task, clock.today(settings.zone), closed), task.version


# --- Proposals -----------------------------------------------------------------------------


def _label(enum: str, value: str) -> str:
    return LABELS[enum].get(value, (value, value))[0]


def _gap_tasks(assessment: Assessment, actor: Principal) -> list[PlanTask]:
    """One task per gap: the condition's code and values, the sentence to word it when read,
    and its Chinese wording as the title people edit."""
    conditions = {c.code: c for c in assessment.conditions}
    tasks = []
    for gap in assessment.gaps:
        condition = conditions.get(gap.code)
        tasks.append(
            PlanTask(
                title=gap.message.render(ZH)[:300],
                status=TaskStatus.OPEN,
                source=TaskSource.GAP,
                gap_code=gap.code,
                gap_current=_json_scalar(condition.actual) if condition else None,
                gap_target=_json_scalar(condition.required) if condition else None,
                gap_sentence=gap.message.to_json(),
                created_by=actor.id,
            )
        )
    return tasks


def _short_board_task(entry: EnterpriseRankingRead, actor: Principal) -> PlanTask:
    board = entry.short_board
    title = Sentence(
        SHORT_BOARD_TITLE,
        dimension=_label("Dimension", board.dimension.value),
        indicator=_label("Indicator", board.indicator.value),
        score=board.score,
        median=board.cohort_median if board.cohort_median is not None else "—",
    )
    return PlanTask(
        title=title.render(ZH)[:300],
        status=TaskStatus.OPEN,
        source=TaskSource.SHORT_BOARD,
        short_board=board.model_dump(mode="json"),
        created_by=actor.id,
    )


async def _assessment_for(
    session: AsyncSession, actor: Principal, enterprise_id: uuid.UUID, data: PlanCreate
) -> Assessment | None:
    pool = ASSESSED.get(data.goal_kind)
    if pool is None:
        return None
    inputs = await enterprise_service.assessment_inputs(session, actor, enterprise_id)
    if data.assessed_year is not None:
        # The year asked for: its problems (no report, no rules) are the answer, about the
        # body's field rather than the assessment's query.
        try:
            return pools_service.evaluate(inputs, pool, data.assessed_year)
        except Unprocessable as exc:
            raise Unprocessable(exc.detail, code=exc.code, loc=["body", "assessed_year"]) from exc
    try:
        return pools_service.evaluate(inputs, pool, None)
    except AppError:
        return None  # nothing to assess yet: the plan starts from its own tasks


def _manual_task(data: TaskCreate, plan_id: uuid.UUID | None, actor: Principal) -> PlanTask:
    task = PlanTask(
        **data.model_dump(), status=TaskStatus.OPEN, source=TaskSource.MANUAL, created_by=actor.id
    )
    if plan_id is not None:
        task.plan_id = plan_id
    return task


def _default_title(data: PlanCreate) -> str:
    goal = _label("GoalKind", data.goal_kind.value)
    if data.goal_level is not None:
        goal = _label("ProjectLevel", data.goal_level.value) + goal
    return f"{data.target_year}年{goal}"


# --- Writing -------------------------------------------------------------------------------


async def create_plan(
    session: AsyncSession,
    actor: Principal,
    settings: Settings,
    enterprise_id: uuid.UUID,
    data: PlanCreate,
) -> tuple[PlanDetailRead, int]:
    await _may_write(session, actor, enterprise_id)
    year = data.year or clock.today(settings.zone).year
    _check_target(data.target_year, year)
    duplicate = _(
        "The enterprise has a {goal} plan for {year} already.", goal=data.goal_kind.value, year=year
    )
    if await repository.find_plan(session, enterprise_id, year, data.goal_kind.value):
        raise DuplicatePlan(duplicate)
    proposals: list[PlanTask] = []
    assessment = entry = None
    if data.propose:
        assessment = await _assessment_for(session, actor, enterprise_id, data)
        if assessment is not None:
            proposals += _gap_tasks(assessment, actor)
        entry = await rankings_service.latest_entry(session, actor, enterprise_id)
        if entry is not None:
            proposals.append(_short_board_task(entry, actor))
    manual = [_manual_task(t, None, actor) for t in data.tasks]
    if len(proposals) + len(manual) > MAX_TASKS:
        raise TooManyTasks(_("A plan holds at most {limit} tasks.", limit=MAX_TASKS))
    plan = Plan(
        enterprise_id=enterprise_id,
        year=year,
        goal_kind=data.goal_kind,
        goal_level=data.goal_level,
        target_year=data.target_year,
        title=data.title or _default_title(data),
        status=PlanStatus.ACTIVE,
        notes=data.notes,
        assessed_year=assessment.year if assessment else None,
        ranking_run_id=entry.run_id if entry else None,
        created_by=actor.id,
    )
    try:
        await repository.add_plan(session, plan)
    except repository.DuplicatePlanKey as exc:
        raise DuplicatePlan(duplicate) from exc
    tasks = proposals + manual
    for task in tasks:
        task.plan_id = plan.id
    await repository.add_tasks(session, tasks)
    read = await _detail(session, settings, plan)
    await audit.commit_change(session, actor, "plan.create", "plan", plan.id, after=read)
    return read, plan.version


async def update_plan(
    session: AsyncSession,
    actor: Principal,
    settings: Settings,
    plan_id: uuid.UUID,
    data: PlanUpdate,
    if_match: str | None,
) -> tuple[PlanDetailRead, int]:
    plan = await _load_plan(session, actor, plan_id, lock=True)
    await _may_write(session, actor, plan.enterprise_id)
    check_if_match(if_match, plan.version)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    wanted = changes.pop("status", None)
    if changes:
        _check_open(plan)
    if "goal_level" in changes and plan.goal_kind is not GoalKind.PROJECT:
        raise Unprocessable(
            _("goal_level is required for a project goal and only for one"),
            code=ProblemCode.INCONSISTENT_FIELDS,
            loc=["body", "goal_level"],
        )
    _check_target(changes.get("target_year", plan.target_year), plan.year)
    before = await _detail(session, settings, plan, reassess=False)
    if wanted is not None and wanted is not plan.status:
        if not rules.can_move_plan(plan.status, wanted):
            raise Conflict(
                _(
                    "A plan cannot go from {status} to {wanted}.",
                    status=plan.status.value,
                    wanted=wanted.value,
                ),
                code=ProblemCode.INVALID_STATUS_TRANSITION,
            )
        plan.status = wanted
        plan.closed_at = clock.now() if wanted is PlanStatus.CLOSED else None
    apply_changes(plan, changes)
    await repository.flush(session)
    after = await _detail(session, settings, plan)
    await audit.commit_change(
        session, actor, "plan.update", "plan", plan.id, before=before, after=after
    )
    return after, plan.version


async def add_task(
    session: AsyncSession,
    actor: Principal,
    settings: Settings,
    plan_id: uuid.UUID,
    data: TaskCreate,
) -> tuple[TaskRead, int]:
    plan = await _load_plan(session, actor, plan_id, lock=True)
    await _may_write(session, actor, plan.enterprise_id)
    _check_open(plan)
    if await repository.count_tasks(session, plan.id) >= MAX_TASKS:
        raise TooManyTasks(_("A plan holds at most {limit} tasks.", limit=MAX_TASKS))
    task = _manual_task(data, plan.id, actor)
    await repository.add_tasks(session, [task])
    plan.updated_at = clock.now()  # its progress changed: a new version of the plan
    await repository.flush(session)
    read = _task_read(task, clock.today(settings.zone), None)
    await audit.commit_change(session, actor, "plan_task.create", "plan_task", task.id, after=read)
    return read, task.version


async def update_task(
    session: AsyncSession,
    actor: Principal,
    settings: Settings,
    plan_id: uuid.UUID,
    task_id: uuid.UUID,
    data: TaskUpdate,
    if_match: str | None,
) -> tuple[TaskRead, int]:
    plan = await _load_plan(session, actor, plan_id, lock=True)
    await _may_write(session, actor, plan.enterprise_id)
    task = await _load_task(session, plan, task_id, lock=True)
    check_if_match(if_match, task.version)
    _check_open(plan)
    today = clock.today(settings.zone)
    before = _task_read(task, today, None)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    wanted: TaskStatus | None = changes.pop("status", None)
    now = clock.now()
    if wanted is not None and wanted is not task.status:
        if not rules.can_move_task(task.status, wanted):
            raise Conflict(
                _(
                    "A task cannot go from {status} to {wanted}.",
                    status=task.status.value,
                    wanted=wanted.value,
                ),
                code=ProblemCode.INVALID_STATUS_TRANSITION,
            )
        task.status = wanted
        task.done_at = now if wanted is TaskStatus.DONE else None
    apply_changes(task, changes)
    plan.updated_at = now  # its progress may have changed: a new version of the plan
    await repository.flush(session)
    closed = (await _reassess(session, plan, [task]))[1]
    after = _task_read(task, today, closed)
    await audit.commit_change(
        session, actor, "plan_task.update", "plan_task", task.id, before=before, after=after
    )
    return after, task.version


def _comment_read(comment: PlanTaskComment) -> CommentRead:
    return CommentRead.model_validate(comment)


async def add_comment(
    session: AsyncSession,
    actor: Principal,
    plan_id: uuid.UUID,
    task_id: uuid.UUID,
    data: CommentCreate,
) -> CommentRead:
    plan = await _load_plan(session, actor, plan_id)
    # The enterprise comments on its own plans (others' are 404 above); the bureau's side
    # comments where it may write.
    if actor.role is not Role.ENTERPRISE:
        await _may_write(session, actor, plan.enterprise_id)
    task = await _load_task(session, plan, task_id)
    comment = PlanTaskComment(
        task_id=task.id, author_id=actor.id, author_role=actor.role, body=data.body
    )
    await repository.add_comment(session, comment)
    read = _comment_read(comment)
    await audit.commit_change(
        session, actor, "plan_task.comment", "plan_task_comment", comment.id, after=read
    )
    return read


async def list_comments(
    session: AsyncSession,
    viewer: Principal,
    plan_id: uuid.UUID,
    task_id: uuid.UUID,
    page: PageParams,
) -> CommentPage:
    plan = await _load_plan(session, viewer, plan_id)
    task = await _load_task(session, plan, task_id)
    fetched = await page.fetch(session, repository.comments(task.id), repository.COMMENT_SORTS)
    return CommentPage(items=[_comment_read(c) for c in fetched.items], **fetched.page_fields())


def stream_tasks(
    session: AsyncSession, settings: Settings, updated_since: datetime | None
) -> AsyncIterator[Sequence[Any]]:
    """For the exports: every plan's tasks (or those changed since), in batches."""
    return repository.stream_tasks(session, updated_since)


def stream_plans(
    session: AsyncSession, settings: Settings, updated_since: datetime | None
) -> AsyncIterator[Sequence[Any]]:
    """For the exports: every plan with its tasks counted (or those changed since)."""
    return repository.stream_plans(session, updated_since)
