from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.roles import Role
from app.db import Base
from app.enterprises.enums import sql_values
from app.modelkit import StrEnumType, Timestamps, UUIDKey, Versioned
from app.plans.enums import GoalKind, PlanStatus, TaskSource, TaskStatus
from app.projects.enums import ProjectLevel

# None is SQL NULL (the CHECKs read it), never the JSON value null.
NULLABLE_JSON = JSONB(none_as_null=True)


class Plan(UUIDKey, Timestamps, Versioned, Base):
    """An enterprise's plan for a year (一企一策): a goal and the tasks that lead to it."""

    __tablename__ = "plan"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year", "goal_kind"),
        CheckConstraint(f"goal_kind IN ({sql_values(GoalKind)})", name="goal_kind_known"),
        CheckConstraint(
            f"goal_level IS NULL OR goal_level IN ({sql_values(ProjectLevel)})",
            name="goal_level_known",
        ),
        # A project goal names its level; a qualification has none.
        CheckConstraint(
            "(goal_kind = 'project') = (goal_level IS NOT NULL)", name="goal_level_iff_project"
        ),
        CheckConstraint(f"status IN ({sql_values(PlanStatus)})", name="status_known"),
        CheckConstraint("target_year >= year", name="target_not_before_year"),
        Index("ix_plan_order", "created_at", "id"),
    )

    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("enterprise.id", ondelete="CASCADE"), nullable=False
    )
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    goal_kind: Mapped[GoalKind] = mapped_column(StrEnumType(GoalKind, 16), nullable=False)
    goal_level: Mapped[ProjectLevel | None] = mapped_column(StrEnumType(ProjectLevel, 16))
    target_year: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[PlanStatus] = mapped_column(
        StrEnumType(PlanStatus, 16), nullable=False, default=PlanStatus.ACTIVE
    )
    notes: Mapped[str | None] = mapped_column(Text)
    # What the proposals came from: the assessed data year, the ranking run of the short board.
    assessed_year: Mapped[int | None] = mapped_column(Integer)
    ranking_run_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("ranking_run.id", ondelete="SET NULL")
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PlanTask(UUIDKey, Timestamps, Versioned, Base):
    """One step of a plan: proposed from a gap or the short board, or written by a person."""

    __tablename__ = "plan_task"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_values(TaskStatus)})", name="status_known"),
        CheckConstraint(f"source IN ({sql_values(TaskSource)})", name="source_known"),
        CheckConstraint("(source = 'gap') = (gap_code IS NOT NULL)", name="gap_code_iff_gap"),
        CheckConstraint(
            "(source = 'short_board') = (short_board IS NOT NULL)",
            name="short_board_iff_short_board",
        ),
        CheckConstraint("(status = 'done') = (done_at IS NOT NULL)", name="done_at_iff_done"),
        Index("ix_plan_task_plan_id", "plan_id", "created_at", "id"),
        # The overdue lists look only at the tasks still to do.
        Index(
            "ix_plan_task_pending_due",
            "due_on",
            "plan_id",
            postgresql_where=text("status IN ('open', 'in_progress')"),
        ),
    )

    plan_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    owner: Mapped[str | None] = mapped_column(String(100))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[TaskStatus] = mapped_column(
        StrEnumType(TaskStatus, 16), nullable=False, default=TaskStatus.OPEN
    )
    notes: Mapped[str | None] = mapped_column(Text)
    source: Mapped[TaskSource] = mapped_column(StrEnumType(TaskSource, 16), nullable=False)
    # A gap task: the condition's code, its values then ("actual", "required": JSON scalars,
    # decimals as strings) and the assessment's sentence, worded when read.
    gap_code: Mapped[str | None] = mapped_column(String(64))
    gap_current: Mapped[Any] = mapped_column(NULLABLE_JSON, nullable=True)
    gap_target: Mapped[Any] = mapped_column(NULLABLE_JSON, nullable=True)
    gap_sentence: Mapped[dict[str, Any] | None] = mapped_column(NULLABLE_JSON)
    # A short-board task: the ranking entry's {dimension, indicator, score, value,
    # cohort_median}, decimals as strings.
    short_board: Mapped[dict[str, Any] | None] = mapped_column(NULLABLE_JSON)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class PlanTaskComment(UUIDKey, Timestamps, Base):
    """A remark on a task, by the enterprise, its specialist or the bureau."""

    __tablename__ = "plan_task_comment"
    __table_args__ = (
        CheckConstraint(f"author_role IN ({sql_values(Role)})", name="author_role_known"),
        Index("ix_plan_task_comment_task_id", "task_id", "created_at", "id"),
    )

    task_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("plan_task.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    author_role: Mapped[Role] = mapped_column(StrEnumType(Role, 16), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
