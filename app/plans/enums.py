from __future__ import annotations

from enum import StrEnum


class GoalKind(StrEnum):
    """What a plan (一企一策) aims the enterprise at."""

    HTE = "hte"  # 高新技术企业认定
    SME = "sme"  # 科技型中小企业评价
    PROJECT = "project"  # a tech project at a level (goal_level)


class PlanStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class TaskSource(StrEnum):
    """Where a task came from: a gap of the assessment, the ranking's short board, or a
    person."""

    GAP = "gap"
    SHORT_BOARD = "short_board"
    MANUAL = "manual"
