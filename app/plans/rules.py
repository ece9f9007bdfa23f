"""The plan's rules, pure: the task lifecycle and what a plan's progress is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.plans.enums import PlanStatus, TaskStatus

# open → in_progress → done | dropped; a task nobody started may be dropped at once (a
# proposal that does not fit the enterprise). done and dropped are final.
TASK_MOVES: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.OPEN: frozenset({TaskStatus.IN_PROGRESS, TaskStatus.DROPPED}),
    TaskStatus.IN_PROGRESS: frozenset({TaskStatus.DONE, TaskStatus.DROPPED}),
    TaskStatus.DONE: frozenset(),
    TaskStatus.DROPPED: frozenset(),
}
# A plan is closed once, when its year's work is over; a closed plan is its record.
PLAN_MOVES: dict[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.ACTIVE: frozenset({PlanStatus.CLOSED}),
    PlanStatus.CLOSED: frozenset(),
}
PENDING = frozenset({TaskStatus.OPEN, TaskStatus.IN_PROGRESS})
PERCENT_PLACES = Decimal("0.01")


def can_move_task(current: TaskStatus, wanted: TaskStatus) -> bool:
    return wanted in TASK_MOVES[current]


def can_move_plan(current: PlanStatus, wanted: PlanStatus) -> bool:
    return wanted in PLAN_MOVES[current]


def is_overdue(status: TaskStatus, due_on: date | None, today: date) -> bool:
    """Still to do and due before today (the zone's calendar): due today is not late yet."""
    return status in PENDING and due_on is not None and due_on < today


@dataclass(frozen=True)
class Progress:
    open: int
    in_progress: int
    done: int
    dropped: int
    overdue: int
    # done / (all − dropped) × 100, two places; None while nothing is left to count.
    percent_done: Decimal | None


def progress(tasks: Iterable[tuple[TaskStatus, date | None]], today: date) -> Progress:
    counts = dict.fromkeys(TaskStatus, 0)
    overdue = 0
    for status, due_on in tasks:
        counts[status] += 1
        overdue += is_overdue(status, due_on, today)
    counted = sum(counts.values()) - counts[TaskStatus.DROPPED]
    percent = (
        (Decimal(100) * counts[TaskStatus.DONE] / counted).quantize(
            PERCENT_PLACES, rounding=ROUND_HALF_UP
        )
        if counted
        else None
    )
    return Progress(
        open=counts[TaskStatus.OPEN],
        in_progress=counts[TaskStatus.IN_PROGRESS],
        done=counts[TaskStatus.DONE],
        dropped=counts[TaskStatus.DROPPED],
        overdue=overdue,
        percent_done=percent,
    )
