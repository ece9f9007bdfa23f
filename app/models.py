"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.activities.models import Activity, ActivityInvitation
from app.applications.models import (
    Application,
    ApplicationChecklistItem,
    ApplicationTransition,
    Campaign,
    CoachingSession,
)
from app.audit.models import AuditEvent
from app.auth.models import ApiKey, ApiKeyWindow, LoginFailure, User
from app.changes.models import ChangeEvent, ChangeFeedPruned
from app.db import Base
from app.enterprises.models import AnnualReport, Enterprise, Qualification
from app.events.models import OutboxMessage
from app.idempotency.models import IdempotencyRecord
from app.imports.models import ImportJob, ImportRowError
from app.outcomes.models import Achievement
from app.plans.models import Plan, PlanTask, PlanTaskComment
from app.policies.models import Policy
from app.pools.models import PoolMember, PoolTransition
from app.projects.models import (
    AlertEvent,
    AlertPolicyVersion,
    Milestone,
    ProgressReport,
    Project,
)
from app.rankings.models import RankingEntry, RankingRun
from app.scheduling.models import ScheduledRun
from app.visits.models import Demand, DemandAction, Specialist, SpecialistAssignment

metadata = Base.metadata

__all__ = [
    "Achievement",
    "Activity",
    "ActivityInvitation",
    "AlertEvent",
    "AlertPolicyVersion",
    "AnnualReport",
    "ApiKey",
    "ApiKeyWindow",
    "Application",
    "ApplicationChecklistItem",
    "ApplicationTransition",
    "AuditEvent",
    "Campaign",
    "ChangeEvent",
    "ChangeFeedPruned",
    "CoachingSession",
    "Demand",
    "DemandAction",
    "Enterprise",
    "IdempotencyRecord",
    "ImportJob",
    "ImportRowError",
    "LoginFailure",
    "Milestone",
    "OutboxMessage",
    "Plan",
    "PlanTask",
    "PlanTaskComment",
    "Policy",
    "PoolMember",
    "PoolTransition",
    "ProgressReport",
    "Project",
    "Qualification",
    "RankingEntry",
    "RankingRun",
    "ScheduledRun",
    "Specialist",
    "SpecialistAssignment",
    "User",
    "metadata",
]
