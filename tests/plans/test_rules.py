"""The plan's rules, table by table: the task lifecycle (open → in_progress → done | dropped, an
open task may be dropped), the plan's (active → closed), and progress: percent done = done /
(all − dropped), overdue = open or in progress and due before today."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.plans import rules
from app.plans.enums import PlanStatus, TaskStatus

OPEN, STARTED, DONE, DROPPED = (
    TaskStatus.OPEN,
    TaskStatus.IN_PROGRESS,
    TaskStatus.DONE,
    TaskStatus.DROPPED,
)
TODAY = date(2026, 6, 15)


@pytest.mark.parametrize(
    ("current", "wanted", "allowed"),
    [
        (OPEN, STARTED, True),
        (OPEN, DROPPED, True),
        (OPEN, DONE, False),  # started before it is done
        (STARTED, DONE, True),
        (STARTED, DROPPED, True),
        (STARTED, OPEN, False),
        (DONE, STARTED, False),
        (DONE, DROPPED, False),
        (DROPPED, OPEN, False),
        (DROPPED, STARTED, False),
    ],
)
def test_the_task_lifecycle(current: TaskStatus, wanted: TaskStatus, allowed: bool) -> None:
    assert rules.can_move_task(current, wanted) is allowed


@pytest.mark.parametrize(
    ("current", "wanted", "allowed"),
    [
        (PlanStatus.ACTIVE, PlanStatus.CLOSED, True),
        (PlanStatus.CLOSED, PlanStatus.ACTIVE, False),
    ],
)
def test_the_plan_lifecycle(current: PlanStatus, wanted: PlanStatus, allowed: bool) -> None:
    assert rules.can_move_plan(current, wanted) is allowed


@pytest.mark.parametrize(
    ("status", "due_on", "overdue"),
    [
        (OPEN, date(2026, 6, 14), True),
        (STARTED, date(2026, 6, 14), True),
        (OPEN, TODAY, False),  # due today is not late yet
        (OPEN, None, False),
        (DONE, date(2026, 1, 1), False),
        (DROPPED, date(2026, 1, 1), False),
    ],
)
def test_overdue(status: TaskStatus, due_on: date | None, overdue: bool) -> None:
    assert rules.is_overdue(status, due_on, TODAY) is overdue


@pytest.mark.parametrize(
    ("tasks", "percent", "overdue"),
    [
        ([], None, 0),
        ([(DROPPED, None)], None, 0),  # nothing left to count
        ([(DONE, None), (OPEN, None), (STARTED, None), (DROPPED, None)], Decimal("33.33"), 0),
        ([(DONE, None), (DONE, None)], Decimal("100.00"), 0),
        (
            [(OPEN, date(2026, 6, 1)), (STARTED, date(2026, 7, 1)), (DONE, date(2026, 1, 1))],
            Decimal("33.33"),
            1,
        ),
        ([(DONE, None), (OPEN, None)], Decimal("50.00"), 0),
    ],
)
def test_progress(
    tasks: list[tuple[TaskStatus, date | None]], percent: Decimal | None, overdue: int
) -> None:
    measured = rules.progress(tasks, TODAY)
    assert measured.percent_done == percent
    assert measured.overdue == overdue
    assert measured.open + measured.in_progress + measured.done + measured.dropped == len(tasks)
