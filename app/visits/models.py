from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.enterprises.enums import sql_values
from app.modelkit import StrEnumType, Timestamps, UUIDKey, Versioned, utcnow
from app.visits.rules import DemandCategory, DemandStatus, VisitChannel, VisitKind


class Specialist(UUIDKey, Timestamps, Versioned, Base):
    """A tech specialist (科技专员): a user with the role `specialist` and a profile."""

    __tablename__ = "specialist"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("app_user.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(20))
    team: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default="true"
    )


class SpecialistAssignment(UUIDKey, Base):
    """Who is responsible for an enterprise, from when to when (the history is kept)."""

    __tablename__ = "specialist_assignment"
    __table_args__ = (
        # One responsible specialist at a time.
        Index(
            "uq_specialist_assignment_current",
            "enterprise_id",
            unique=True,
            postgresql_where=text("ended_on IS NULL"),
        ),
        Index("ix_specialist_assignment_enterprise", "enterprise_id", "assigned_on", "id"),
    )

    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("enterprise.id", ondelete="CASCADE"), nullable=False
    )
    specialist_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("specialist.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    assigned_on: Mapped[date] = mapped_column(Date, nullable=False)
    ended_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(500))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )


class Demand(UUIDKey, Timestamps, Versioned, Base):
    """An enterprise's demand (企业诉求): the first response is due 24 hours after raising."""

    __tablename__ = "demand"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_values(DemandStatus)})", name="status_known"),
        CheckConstraint(f"category IN ({sql_values(DemandCategory)})", name="category_known"),
        CheckConstraint("response_due_at > raised_at", name="due_after_raised"),
        CheckConstraint(
            "status <> 'rejected' OR rejection_reason IS NOT NULL", name="rejected_why"
        ),
        Index("ix_demand_raised", "raised_at", "id"),
        # The overdue list: unanswered demands by due time.
        Index(
            "ix_demand_unanswered_due",
            "response_due_at",
            postgresql_where=text("first_response_at IS NULL"),
        ),
    )

    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("enterprise.id", ondelete="CASCADE"), nullable=False, index=True
    )
    specialist_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("specialist.id", ondelete="SET NULL"), index=True
    )
    visit_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("visit.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[DemandCategory] = mapped_column(
        StrEnumType(DemandCategory, 40), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[DemandStatus] = mapped_column(StrEnumType(DemandStatus, 16), nullable=False)
    raised_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    raised_by_role: Mapped[str] = mapped_column(String(32), nullable=False)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    response_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rejection_reason: Mapped[str | None] = mapped_column(String(500))


class DemandAction(UUIDKey, Base):
    """Every move of a demand: who, when, from, to, what was said."""

    __tablename__ = "demand_action"
    __table_args__ = (Index("ix_demand_action_demand", "demand_id", "occurred_at", "id"),)

    demand_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("demand.id", ondelete="CASCADE"), nullable=False
    )
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_role: Mapped[str | None] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )


class Visit(UUIDKey, Timestamps, Versioned, Base):
    """A specialists' visit to an enterprise (coverage round, one-to-one, or follow-up)."""

    __tablename__ = "visit"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(VisitKind)})", name="kind_known"),
        CheckConstraint(f"channel IN ({sql_values(VisitChannel)})", name="channel_known"),
        CheckConstraint("cardinality(specialist_ids) >= 1", name="has_specialist"),
        Index("ix_visit_visited_at", "visited_at", "id"),
        Index("ix_visit_enterprise_visited", "enterprise_id", "visited_at"),
        Index("ix_visit_specialist_ids", "specialist_ids", postgresql_using="gin"),
        Index("ix_visit_policies_presented", "policies_presented", postgresql_using="gin"),
    )

    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("enterprise.id", ondelete="CASCADE"), nullable=False
    )
    # Several specialists may visit together; each is credited with the visit.
    specialist_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), nullable=False)
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    kind: Mapped[VisitKind] = mapped_column(StrEnumType(VisitKind, 16), nullable=False)
    channel: Mapped[VisitChannel] = mapped_column(StrEnumType(VisitChannel, 16), nullable=False)
    # Policies of the catalogue (ids); awareness counts the enterprises told of each.
    policies_presented: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(Uuid), nullable=False, server_default="{}"
    )
    resources_linked: Mapped[list[str]] = mapped_column(
        ARRAY(String(200)), nullable=False, server_default="{}"
    )
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class SatisfactionRating(UUIDKey, Base):
    """An enterprise's 1-5 rating of a visit or a demand (≥ 4 counts as satisfied)."""

    __tablename__ = "satisfaction_rating"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        CheckConstraint("(visit_id IS NULL) <> (demand_id IS NULL)", name="visit_or_demand"),
        Index("ix_satisfaction_rating_rated_at", "rated_at", "id"),
    )

    visit_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("visit.id", ondelete="CASCADE"), unique=True
    )
    demand_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("demand.id", ondelete="CASCADE"), unique=True
    )
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("enterprise.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # Who is credited: the visit's specialists, or the demand's responsible specialist.
    specialist_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(Uuid), nullable=False, server_default="{}"
    )
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    rated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
