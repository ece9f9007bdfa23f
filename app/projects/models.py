from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.enterprises.enums import sql_values
from app.modelkit import StrEnumType, Timestamps, UUIDKey, Versioned, utcnow
from app.projects.enums import AlertCause, AlertColor, ProjectLevel, ProjectStatus

MONEY = Numeric(18, 2)
COLORS = sql_values(AlertColor)


class Project(UUIDKey, Timestamps, Versioned, Base):
    __tablename__ = "project"
    __table_args__ = (
        CheckConstraint(f"level IN ({sql_values(ProjectLevel)})", name="level_known"),
        CheckConstraint(f"status IN ({sql_values(ProjectStatus)})", name="status_known"),
        CheckConstraint("end_on >= start_on", name="ends_after_start"),
        CheckConstraint("disbursed_funding <= approved_funding", name="disbursed_within_approved"),
        CheckConstraint(
            "approved_funding >= 0 AND disbursed_funding >= 0", name="funding_not_negative"
        ),
        CheckConstraint(f"alert_color IN ({COLORS})", name="alert_color_known"),
        CheckConstraint(f"override_color IN ({COLORS})", name="override_color_known"),
        Index("ix_project_status_alert", "status", "alert_color"),
        Index("ix_project_created_id", "created_at", "id"),
    )

    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("enterprise.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    level: Mapped[ProjectLevel] = mapped_column(StrEnumType(ProjectLevel, 16), nullable=False)
    programme: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[ProjectStatus] = mapped_column(StrEnumType(ProjectStatus, 16), nullable=False)
    # When it was approved (立项); null while applying, or when it never was.
    approved_on: Mapped[date | None] = mapped_column(Date)
    approved_funding: Mapped[Decimal] = mapped_column(MONEY, nullable=False, default=Decimal(0))
    disbursed_funding: Mapped[Decimal] = mapped_column(MONEY, nullable=False, default=Decimal(0))
    start_on: Mapped[date] = mapped_column(Date, nullable=False)
    end_on: Mapped[date] = mapped_column(Date, nullable=False)
    # The stored alert: what the rules said at the last write or sweep.
    alert_color: Mapped[AlertColor | None] = mapped_column(StrEnumType(AlertColor, 8))
    alert_reasons: Mapped[list[Any]] = mapped_column(JSONB, nullable=False, default=list)
    alert_evaluated_on: Mapped[date | None] = mapped_column(Date)
    alert_policy_version: Mapped[int | None] = mapped_column(Integer)
    override_color: Mapped[AlertColor | None] = mapped_column(StrEnumType(AlertColor, 8))
    override_reason: Mapped[str | None] = mapped_column(String(500))
    override_expires_on: Mapped[date | None] = mapped_column(Date)
    override_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Milestone(UUIDKey, Timestamps, Versioned, Base):
    __tablename__ = "milestone"
    __table_args__ = (CheckConstraint("weight > 0", name="weight_positive"),)

    project_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("project.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    weight: Mapped[Decimal] = mapped_column(Numeric(9, 2), nullable=False, default=Decimal(1))
    completed_on: Mapped[date | None] = mapped_column(Date)


class ProgressReport(UUIDKey, Base):
    __tablename__ = "progress_report"
    __table_args__ = (
        CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),
        Index("ix_progress_report_project_reported", "project_id", "reported_on", "created_at"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("project.id", ondelete="CASCADE"), nullable=False
    )
    reported_on: Mapped[date] = mapped_column(Date, nullable=False)
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    reported_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )


class AlertPolicyVersion(Base):
    """Each administrator edit of the thresholds is a new version; results name theirs."""

    __tablename__ = "alert_policy"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class AlertEvent(UUIDKey, Base):
    """A change of a project's computed colour, and what caused it."""

    __tablename__ = "alert_event"
    __table_args__ = (
        CheckConstraint(f"cause IN ({sql_values(AlertCause)})", name="cause_known"),
        Index("ix_alert_event_project", "project_id", "occurred_at", "id"),
        Index("ix_alert_event_to_color", "to_color", "occurred_at"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("project.id", ondelete="CASCADE"), nullable=False
    )
    from_color: Mapped[str | None] = mapped_column(String(8))
    to_color: Mapped[str | None] = mapped_column(String(8))
    reasons: Mapped[list[Any]] = mapped_column(JSONB, nullable=False, default=list)
    cause: Mapped[AlertCause] = mapped_column(StrEnumType(AlertCause, 8), nullable=False)
    as_of: Mapped[date] = mapped_column(Date, nullable=False)
    policy_version: Mapped[int] = mapped_column(Integer, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
