"""The projects' use cases, a module per room; the names other code calls are here."""

from app.projects.service.alerts import (
    alert,
    alert_counts,
    board,
    current_policy,
    get_policy,
    list_events,
    put_policy,
    set_override,
    sweep,
)
from app.projects.service.common import ProjectNotFound
from app.projects.service.progress import (
    MilestoneNotFound,
    add_milestone,
    add_report,
    list_milestones,
    list_reports,
    update_milestone,
)
from app.projects.service.projects import (
    PROJECT_SORTS,
    approve_project,
    create_project,
    get_project,
    list_projects,
    project_for_pool,
    revoke_approval,
    stream_projects,
    update_project,
)

__all__ = [
    "PROJECT_SORTS",
    "MilestoneNotFound",
    "ProjectNotFound",
    "add_milestone",
    "add_report",
    "alert",
    "alert_counts",
    "approve_project",
    "board",
    "create_project",
    "current_policy",
    "get_policy",
    "get_project",
    "list_events",
    "list_milestones",
    "list_projects",
    "list_reports",
    "project_for_pool",
    "put_policy",
    "revoke_approval",
    "set_override",
    "stream_projects",
    "sweep",
    "update_milestone",
    "update_project",
]
