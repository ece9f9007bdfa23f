from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.modelkit import Timestamps, UUIDKey, Versioned, utcnow


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
