from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from app.auth.roles import Role
from app.pagination import Page
from app.plans.enums import GoalKind, PlanStatus, TaskSource, TaskStatus
from app.pools.schemas import Scalar
from app.projects.enums import ProjectLevel
from app.rankings.schemas import ShortBoardRead
from app.schemas import NON_BLANK, CalendarDate, Schema, Settable, inconsistent

Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NON_BLANK
]
TaskTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NON_BLANK
]
Owner = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NON_BLANK
]
Notes = Annotated[str, StringConstraints(max_length=5000)]
Year = Annotated[int, Field(ge=2000, le=2100)]
# A plan is a year's work for one enterprise: a few dozen steps, not a backlog.
MAX_TASKS = 100

PLAN_ID = "5b0e7f1c-9a43-4d0e-8d5f-2f8a9c1b7e31"
TASK_ID = "a3c1d9e2-6f4b-4c8a-9e7d-1b2c3d4e5f60"
ENTERPRISE_ID = "48f165d5-7b00-47f4-b81e-f86f5c8cc1ab"
PROGRESS_EXAMPLE: dict[str, Any] = {
    "total": 4,
    "open": 1,
    "in_progress": 1,
    "done": 1,
    "dropped": 1,
    "overdue": 1,
    "percent_done": "33.33",
}
TASK_EXAMPLE: dict[str, Any] = {
    "id": TASK_ID,
    "plan_id": PLAN_ID,
    "title": "研发费用占比 3.2% → 需达到 4%：需增加研发投入 30.8 万元",
    "owner": "企业财务部",
    "due_on": "2026-09-30",
    "status": "in_progress",
    "notes": None,
    "source": "gap",
    "gap_code": "rd_ratio",
    "gap_current": "0.032",
    "gap_target": "0.04",
    "gap_message": "研发费用占比 3.2% → 需达到 4%：需增加研发投入 30.8 万元",
    "gap_closed": False,
    "short_board": None,
    "overdue": False,
    "done_at": None,
    "created_at": "2026-03-02T08:00:00Z",
    "updated_at": "2026-05-10T08:00:00Z",
}


class TaskCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "title": "申请两项发明专利",
                    "owner": "研发中心 王工",
                    "due_on": "2026-10-31",
                    "notes": "与代理机构对接",
                }
            ]
        }
    }

    title: TaskTitle
    owner: Owner | None = None
    due_on: CalendarDate | None = None
    notes: Notes | None = None


class TaskUpdate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [{"status": "in_progress", "owner": "企业财务部"}]}
    }

    title: Settable[TaskTitle] = None
    owner: Owner | None = None
    due_on: CalendarDate | None = None
    notes: Notes | None = None
    status: Settable[TaskStatus] = Field(
        default=None,
        description="open → in_progress → done | dropped (an open task may be dropped); "
        "any other move is 409 invalid_status_transition",
    )


class PlanCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "goal_kind": "hte",
                    "target_year": 2027,
                    "title": "2027年申报高新技术企业",
                },
                {
                    "goal_kind": "project",
                    "goal_level": "city",
                    "year": 2026,
                    "target_year": 2026,
                    "propose": False,
                    "tasks": [{"title": "准备市级科技计划项目申报书", "due_on": "2026-06-30"}],
                },
            ]
        }
    }

    goal_kind: GoalKind
    goal_level: ProjectLevel | None = Field(
        default=None, description="The project level aimed at; required for (only) `project`"
    )
    year: Year | None = Field(default=None, description="The plan's year (default: this year)")
    target_year: Year = Field(description="The year the qualification or project is aimed at")
    title: Title | None = Field(default=None, description="Default: the goal, worded")
    notes: Notes | None = None
    assessed_year: Year | None = Field(
        default=None,
        description="The data year the hte/sme assessment reads (default: the latest annual "
        "report's year; without a report nothing is proposed from gaps)",
    )
    propose: bool = Field(
        default=True,
        description="Propose a task per gap of the assessment and one for the ranking's short "
        "board; `tasks` are added after the proposals either way",
    )
    tasks: Annotated[list[TaskCreate], Field(max_length=MAX_TASKS)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _level_for_projects(self) -> PlanCreate:
        if (self.goal_kind is GoalKind.PROJECT) != (self.goal_level is not None):
            raise inconsistent("goal_level is required for a project goal and only for one")
        if self.year is not None and self.target_year < self.year:
            raise inconsistent("target_year cannot be before year")
        return self


class PlanUpdate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [{"status": "closed", "notes": "已提交认定申请"}]}
    }

    title: Settable[Title] = None
    target_year: Settable[Year] = None
    goal_level: Settable[ProjectLevel] = Field(default=None, description="Only for a project goal")
    notes: Notes | None = None
    status: Settable[PlanStatus] = Field(
        default=None, description="active → closed; a closed plan is its record (409 after)"
    )


class ProgressRead(Schema):
    model_config = Schema.model_config | {"json_schema_extra": {"examples": [PROGRESS_EXAMPLE]}}

    total: int
    open: int
    in_progress: int
    done: int
    dropped: int
    overdue: int = Field(description="Open or in progress and due before today (zone's date)")
    percent_done: Decimal | None = Field(
        description="done / (all − dropped) × 100, two places; null when nothing is counted"
    )


class TaskRead(Schema):
    model_config = Schema.model_config | {"json_schema_extra": {"examples": [TASK_EXAMPLE]}}

    id: uuid.UUID
    plan_id: uuid.UUID
    title: str
    owner: str | None
    due_on: date | None
    status: TaskStatus
    notes: str | None
    source: TaskSource
    gap_code: str | None = Field(description="The unmet condition's code, for a gap task")
    gap_current: Scalar = Field(description="The condition's value when the plan was made")
    gap_target: Scalar = Field(description="The value the condition requires")
    gap_message: str | None = Field(description="The assessment's gap, in the asked language")
    gap_closed: bool | None = Field(
        description="For a gap task: whether the enterprise's current assessment no longer "
        "has the gap; null for other tasks or when it cannot be assessed now"
    )
    short_board: ShortBoardRead | None
    overdue: bool
    done_at: datetime | None
    created_at: datetime
    updated_at: datetime


class TaskPage(Page[TaskRead]):
    pass


class ReassessmentRead(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "year": 2026,
                    "passed": False,
                    "closed_gaps": ["owns_ip"],
                    "open_gaps": ["rd_ratio"],
                }
            ]
        }
    }

    year: int = Field(description="The data year assessed now (the latest annual report's)")
    passed: bool
    closed_gaps: list[str] = Field(description="Codes of the plan's gaps no longer there")
    open_gaps: list[str] = Field(description="Codes of the plan's gaps still there")


PLAN_EXAMPLE: dict[str, Any] = {
    "id": PLAN_ID,
    "enterprise_id": ENTERPRISE_ID,
    "enterprise_name": "克拉玛依昆仑数智科技有限公司",
    "year": 2026,
    "goal_kind": "hte",
    "goal_level": None,
    "target_year": 2027,
    "title": "2027年申报高新技术企业",
    "status": "active",
    "notes": None,
    "assessed_year": 2025,
    "ranking_run_id": "fffc3436-d523-483b-9567-24d0f9507c87",
    "progress": PROGRESS_EXAMPLE,
    "closed_at": None,
    "created_at": "2026-03-02T08:00:00Z",
    "updated_at": "2026-05-10T08:00:00Z",
}


class PlanRead(Schema):
    model_config = Schema.model_config | {"json_schema_extra": {"examples": [PLAN_EXAMPLE]}}

    id: uuid.UUID
    enterprise_id: uuid.UUID
    enterprise_name: str
    year: int
    goal_kind: GoalKind
    goal_level: ProjectLevel | None
    target_year: int
    title: str
    status: PlanStatus
    notes: str | None
    assessed_year: int | None = Field(description="The data year the gap tasks came from")
    ranking_run_id: uuid.UUID | None = Field(description="The run the short-board task came from")
    progress: ProgressRead
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PlanDetailRead(PlanRead):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                PLAN_EXAMPLE
                | {
                    "tasks": [TASK_EXAMPLE],
                    "reassessment": {
                        "year": 2025,
                        "passed": False,
                        "closed_gaps": [],
                        "open_gaps": ["rd_ratio"],
                    },
                }
            ]
        }
    }

    tasks: list[TaskRead] = Field(description=f"Every task (at most {MAX_TASKS}), oldest first")
    reassessment: ReassessmentRead | None = Field(
        description="The plan's gaps against the enterprise's assessment now; null for a "
        "project goal or when the enterprise cannot be assessed now"
    )


class PlanPage(Page[PlanRead]):
    pass


class CommentCreate(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {"examples": [{"body": "专利申请材料已提交代理机构。"}]}
    }

    body: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), NON_BLANK
    ]


class CommentRead(Schema):
    model_config = Schema.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "id": "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f",
                    "task_id": TASK_ID,
                    "author_id": "1d2e3f4a-5b6c-4d7e-8f90-a1b2c3d4e5f6",
                    "author_role": "enterprise",
                    "body": "专利申请材料已提交代理机构。",
                    "created_at": "2026-05-12T02:30:00Z",
                }
            ]
        }
    }

    id: uuid.UUID
    task_id: uuid.UUID
    author_id: uuid.UUID
    author_role: Role
    body: str
    created_at: datetime


class CommentPage(Page[CommentRead]):
    pass


# What the plan list may be narrowed by, as the router reads it from the query and the
# repository turns it into SQL.
@dataclass(frozen=True)
class PlanFilter:
    enterprise_id: uuid.UUID | None = None
    specialist_id: uuid.UUID | None = None
    year: int | None = None
    goal_kind: str | None = None
    status: str | None = None
    # True: only plans with a task overdue on `today`; False: only plans without one.
    overdue: bool | None = None
    today: date | None = None
