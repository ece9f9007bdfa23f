"""The application's lifecycle, the checklist items' and the overdue rule: pure functions of
plain values, read and reviewed here.

preparing → submitted → under_review → publicized (公示) → approved | rejected; rejected also
from under_review (it never reaches the publicity list); withdrawn from any open state; an
approval withdrawn (revoked after the fact) goes back to publicized.
"""

from __future__ import annotations

from datetime import date, timedelta

from app.applications.enums import ApplicationStatus as S
from app.applications.enums import ChecklistItemStatus as C

OPEN = frozenset({S.PREPARING, S.SUBMITTED, S.UNDER_REVIEW, S.PUBLICIZED})

MOVES: dict[S, frozenset[S]] = {
    S.PREPARING: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.WITHDRAWN}),
    S.UNDER_REVIEW: frozenset({S.PUBLICIZED, S.REJECTED, S.WITHDRAWN}),
    S.PUBLICIZED: frozenset({S.APPROVED, S.REJECTED, S.WITHDRAWN}),
    # The withdrawal of an approval (the authority revoked it, or it was recorded by mistake).
    S.APPROVED: frozenset({S.PUBLICIZED}),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

# The moves only the bureau's staff make: the review and the decision. The enterprise's
# specialist (and the enterprise itself) submit and withdraw.
STAFF_TARGETS = frozenset({S.UNDER_REVIEW, S.PUBLICIZED, S.APPROVED, S.REJECTED})


def can_move(current: S, wanted: S) -> bool:
    return wanted in MOVES[current]


def is_approval_withdrawal(current: S, wanted: S) -> bool:
    return current is S.APPROVED and wanted is S.PUBLICIZED


ITEM_MOVES: dict[C, frozenset[C]] = {
    C.MISSING: frozenset({C.PROVIDED, C.NOT_APPLICABLE}),
    # Sent back for rework, checked by the specialist, or found not to be needed.
    C.PROVIDED: frozenset({C.MISSING, C.CHECKED, C.NOT_APPLICABLE}),
    C.CHECKED: frozenset({C.PROVIDED}),
    C.NOT_APPLICABLE: frozenset({C.MISSING}),
}


def can_move_item(current: C, wanted: C) -> bool:
    return wanted in ITEM_MOVES[current]


# A deadline this close (or passed) with materials still missing makes a preparing
# application overdue.
OVERDUE_WINDOW = timedelta(days=7)


def overdue_from(internal_deadline_on: date, submission_deadline_on: date) -> date:
    """The first day an application with missing materials is overdue: 7 days before the
    earlier of the campaign's deadlines (the internal one, as campaigns are validated)."""
    return min(internal_deadline_on, submission_deadline_on) - OVERDUE_WINDOW


def is_overdue(
    status: S,
    missing_items: int,
    internal_deadline_on: date,
    submission_deadline_on: date,
    today: date,
) -> bool:
    return (
        status is S.PREPARING
        and missing_items > 0
        and today >= overdue_from(internal_deadline_on, submission_deadline_on)
    )
