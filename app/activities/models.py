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
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.activities.enums import ActivityKind
from app.db import Base
from app.enterprises.enums import sql_values
from app.modelkit import StrEnumType, Timestamps, UUIDKey, Versioned


class Activity(UUIDKey, Timestamps, Versioned, Base):
    """A cultivation activity; its invitations and attendance feed the ranking's
    participation score."""

    __tablename__ = "activity"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(ActivityKind)})", name="kind_known"),
        Index("ix_activity_held_on", "held_on", "id"),
    )

    kind: Mapped[ActivityKind] = mapped_column(StrEnumType(ActivityKind, 32), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    organiser: Mapped[str] = mapped_column(String(200), nullable=False)
    location: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class ActivityInvitation(UUIDKey, Timestamps, Base):
    """An enterprise invited to an activity, and whether it came (the attendance sheet)."""

    __tablename__ = "activity_invitation"
    __table_args__ = (
        UniqueConstraint("activity_id", "enterprise_id"),
        CheckConstraint(
            "attended = (attendance_recorded_at IS NOT NULL)", name="attendance_has_time"
        ),
        # The ranking counts each enterprise's invitations and attendance in a year.
        Index("ix_activity_invitation_enterprise_id", "enterprise_id"),
    )

    activity_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("activity.id", ondelete="CASCADE"), nullable=False
    )
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("enterprise.id", ondelete="CASCADE"), nullable=False
    )
    invited_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    attended: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    attendance_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
