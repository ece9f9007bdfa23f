from __future__ import annotations

from enum import StrEnum

from app.projects.alert_rules import APPROVED_STATUSES, ProjectStatus, ReasonCode

__all__ = [
    "APPROVED_STATUSES",
    "NEXT_STATUSES",
    "AlertCause",
    "AlertColor",
    "ProjectLevel",
    "ProjectStatus",
    "ReasonCode",
    "StaleSince",
]


class ProjectLevel(StrEnum):
    NATIONAL = "national"
    REGIONAL = "regional"  # 自治区
    CITY = "city"
    DISTRICT = "district"


class AlertColor(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"


class StaleSince(StrEnum):
    """Where a stale report's days are counted from."""

    START_DATE = "start_date"  # no report yet
    REPORT = "report"


class AlertCause(StrEnum):
    WRITE = "write"
    SWEEP = "sweep"


# applying → approved → in_progress → completed → accepted; terminated from any open state.
NEXT_STATUSES: dict[ProjectStatus, frozenset[ProjectStatus]] = {
    ProjectStatus.APPLYING: frozenset({ProjectStatus.APPROVED, ProjectStatus.TERMINATED}),
    ProjectStatus.APPROVED: frozenset({ProjectStatus.IN_PROGRESS, ProjectStatus.TERMINATED}),
    ProjectStatus.IN_PROGRESS: frozenset({ProjectStatus.COMPLETED, ProjectStatus.TERMINATED}),
    ProjectStatus.COMPLETED: frozenset({ProjectStatus.ACCEPTED, ProjectStatus.TERMINATED}),
    ProjectStatus.ACCEPTED: frozenset(),
    ProjectStatus.TERMINATED: frozenset(),
}
