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
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.applications.enums import (
    ApplicationStatus,
    CampaignKind,
    ChecklistItemStatus,
    CoachingChannel,
)
from app.db import Base
from app.enterprises.enums import sql_values
from app.modelkit import StrEnumType, Timestamps, UUIDKey, Versioned, utcnow
from app.outcomes.enums import AchievementLevel
from app.pools.enums import Tier
from app.projects.enums import ProjectLevel


class Campaign(UUIDKey, Timestamps, Versioned, Base):
    """An application round the bureau runs (申报批次): its kind, year or batch, dates, and
    the checklist template version its applications follow."""

    __tablename__ = "campaign"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(CampaignKind)})", name="kind_known"),
        CheckConstraint(
            f"project_level IS NULL OR project_level IN ({sql_values(ProjectLevel)})",
            name="project_level_known",
        ),
        # A project campaign names the level of its programme; the others have none.
        CheckConstraint(
            "(kind = 'project') = (project_level IS NOT NULL)", name="project_level_iff_project"
        ),
        CheckConstraint(
            "opens_on <= internal_deadline_on AND internal_deadline_on <= submission_deadline_on",
            name="dates_in_order",
        ),
        Index("ix_campaign_opens_on", "opens_on", "id"),
    )

    kind: Mapped[CampaignKind] = mapped_column(StrEnumType(CampaignKind, 32), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    batch: Mapped[str | None] = mapped_column(String(50))
    project_level: Mapped[ProjectLevel | None] = mapped_column(StrEnumType(ProjectLevel, 16))
    programme: Mapped[str | None] = mapped_column(String(200))
    opens_on: Mapped[date] = mapped_column(Date, nullable=False)
    internal_deadline_on: Mapped[date] = mapped_column(Date, nullable=False)
    submission_deadline_on: Mapped[date] = mapped_column(Date, nullable=False)
    checklist_version: Mapped[str] = mapped_column(String(32), nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Application(UUIDKey, Timestamps, Versioned, Base):
    """One enterprise in one campaign, from its preparation to the decision."""

    __tablename__ = "application"
    __table_args__ = (
        UniqueConstraint("campaign_id", "enterprise_id"),
        CheckConstraint(f"status IN ({sql_values(ApplicationStatus)})", name="status_known"),
        CheckConstraint(
            f"tier_at_submission IS NULL OR tier_at_submission IN ({sql_values(Tier)})",
            name="tier_known",
        ),
        CheckConstraint(
            f"level IS NULL OR level IN ({sql_values(AchievementLevel)})", name="level_known"
        ),
        # The ledger entry stands exactly while the application stands approved.
        CheckConstraint(
            "(status = 'approved') = (achievement_id IS NOT NULL)", name="achievement_iff_approved"
        ),
        Index("ix_application_enterprise_id", "enterprise_id"),
        Index("ix_application_created_at", "created_at", "id"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("campaign.id", ondelete="RESTRICT"), nullable=False
    )
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("enterprise.id", ondelete="RESTRICT"), nullable=False
    )
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("project.id", ondelete="RESTRICT")
    )
    # The enterprise's responsible specialist when the application was opened.
    specialist_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("specialist.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[ApplicationStatus] = mapped_column(
        StrEnumType(ApplicationStatus, 16), nullable=False
    )
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The readiness assessment as it stood at submission, and the pool tier the enterprise (or
    # project) sat in then: the prediction to hold the decision against.
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    tier_at_submission: Mapped[Tier | None] = mapped_column(StrEnumType(Tier, 16))
    decided_on: Mapped[date | None] = mapped_column(Date)
    certificate_no: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[AchievementLevel | None] = mapped_column(StrEnumType(AchievementLevel, 16))
    rejection_reasons: Mapped[list[str]] = mapped_column(
        ARRAY(String(500)), nullable=False, server_default="{}", default=list
    )
    achievement_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class ApplicationTransition(UUIDKey, Base):
    """Every move of an application: who (and in which role), when, from, to, why."""

    __tablename__ = "application_transition"
    __table_args__ = (
        CheckConstraint(f"to_status IN ({sql_values(ApplicationStatus)})", name="to_status_known"),
        Index("ix_application_transition_application", "application_id", "occurred_at", "id"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("application.id", ondelete="CASCADE"), nullable=False
    )
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(500))
    reasons: Mapped[list[str]] = mapped_column(
        ARRAY(String(500)), nullable=False, server_default="{}", default=list
    )
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_role: Mapped[str | None] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )


class ApplicationChecklistItem(UUIDKey, Timestamps, Base):
    """One of the materials an application needs, from its campaign's template."""

    __tablename__ = "application_checklist_item"
    __table_args__ = (
        UniqueConstraint("application_id", "code"),
        CheckConstraint(f"status IN ({sql_values(ChecklistItemStatus)})", name="status_known"),
        Index("ix_application_checklist_item_position", "application_id", "position", "id"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("application.id", ondelete="CASCADE"), nullable=False
    )
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[ChecklistItemStatus] = mapped_column(
        StrEnumType(ChecklistItemStatus, 16), nullable=False
    )
    note: Mapped[str | None] = mapped_column(String(500))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class CoachingSession(UUIDKey, Timestamps, Base):
    """A specialist's coaching of an application (辅导): when, how, how long, on what."""

    __tablename__ = "coaching_session"
    __table_args__ = (
        CheckConstraint(f"channel IN ({sql_values(CoachingChannel)})", name="channel_known"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        Index("ix_coaching_session_application", "application_id", "held_at", "id"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("application.id", ondelete="CASCADE"), nullable=False
    )
    specialist_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("specialist.id", ondelete="RESTRICT"), nullable=False
    )
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    channel: Mapped[CoachingChannel] = mapped_column(
        StrEnumType(CoachingChannel, 16), nullable=False
    )
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    topics: Mapped[list[str]] = mapped_column(
        ARRAY(String(200)), nullable=False, server_default="{}", default=list
    )
    next_step: Mapped[str | None] = mapped_column(String(1000))
    visit_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("visit.id", ondelete="RESTRICT")
    )
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
