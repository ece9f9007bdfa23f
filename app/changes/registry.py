"""The resources the change feed follows.

Adding a resource (a table with a UUID `id`, and ideally an integer `version`) is one step in
two places:

1. in a migration of the new table:
       op.execute("SELECT change_feed_track('achievement', 'achievement')")
   (and `SELECT change_feed_untrack('achievement')` in its downgrade); the function, from
   migration 0031, creates the table's three statement-level triggers that call the one
   generic `change_feed_capture()` and records the rows already there;
2. one entry below (a `FeedResourceName` member and its `FeedResource`), naming the resource
   and the scope an API key needs to see it.

tests/changes/test_registry.py fails when the two disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.auth.scopes import Scope


class FeedResourceName(StrEnum):
    """The feed's `resource` values (singular snake_case)."""

    ENTERPRISE = "enterprise"
    ANNUAL_REPORT = "annual_report"
    POOL_MEMBER = "pool_member"
    PROJECT = "project"
    VISIT = "visit"
    DEMAND = "demand"
    ACHIEVEMENT = "achievement"
    RANKING = "ranking"
    PLAN = "plan"
    PLAN_TASK = "plan_task"
    CAMPAIGN = "campaign"
    APPLICATION = "application"


class ChangeOperation(StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True)
class FeedResource:
    name: FeedResourceName
    table: str
    scope: Scope  # an API key sees the resource's changes only with this scope


RESOURCES: tuple[FeedResource, ...] = (
    FeedResource(FeedResourceName.ENTERPRISE, "enterprise", Scope.READ_ENTERPRISES),
    FeedResource(FeedResourceName.ANNUAL_REPORT, "annual_report", Scope.READ_ENTERPRISES),
    FeedResource(FeedResourceName.POOL_MEMBER, "pool_member", Scope.READ_POOLS),
    FeedResource(FeedResourceName.PROJECT, "project", Scope.READ_PROJECTS),
    FeedResource(FeedResourceName.VISIT, "visit", Scope.READ_VISITS),
    FeedResource(FeedResourceName.DEMAND, "demand", Scope.READ_VISITS),
    FeedResource(FeedResourceName.ACHIEVEMENT, "achievement", Scope.READ_OUTCOMES),
    # A run: created as a draft, published, superseded (its entries are part of it).
    FeedResource(FeedResourceName.RANKING, "ranking_run", Scope.READ_RANKINGS),
    FeedResource(FeedResourceName.PLAN, "plan", Scope.READ_PLANS),
    FeedResource(FeedResourceName.PLAN_TASK, "plan_task", Scope.READ_PLANS),
    FeedResource(FeedResourceName.CAMPAIGN, "campaign", Scope.READ_APPLICATIONS),
    # An application's checklist and coaching live under it; its status and decision change it.
    FeedResource(FeedResourceName.APPLICATION, "application", Scope.READ_APPLICATIONS),
)

BY_NAME = {resource.name: resource for resource in RESOURCES}
assert set(BY_NAME) == set(FeedResourceName), "every FeedResourceName needs its entry"
