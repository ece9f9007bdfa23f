from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.enterprises.enums import sql_values
from app.modelkit import StrEnumType, Timestamps, UUIDKey, Versioned, utcnow
from app.pools.enums import MemberStatus, Pool, Tier, TransitionKind


class PoolMember(UUIDKey, Timestamps, Versioned, Base):
    __tablename__ = "pool_member"
    __table_args__ = (
        CheckConstraint(f"pool IN ({sql_values(Pool)})", name="pool_known"),
        CheckConstraint(f"tier IN ({sql_values(Tier)})", name="tier_known"),
        CheckConstraint(f"status IN ({sql_values(MemberStatus)})", name="status_known"),
        CheckConstraint(
            f"suggested_tier IS NULL OR suggested_tier IN ({sql_values(Tier)})",
            name="suggested_tier_known",
        ),
        CheckConstraint("(status = 'active') = (exited_on IS NULL)", name="exit_iff_inactive"),
        # The project pool's members are projects (of an enterprise); the others', enterprises.
        CheckConstraint("(pool = 'project') = (project_id IS NOT NULL)", name="project_iff_pool"),
        # An enterprise (or project) is at most once active in a pool; past memberships stay.
        Index(
            "uq_pool_member_active_enterprise",
            "pool",
            "enterprise_id",
            unique=True,
            postgresql_where=text("status = 'active' AND project_id IS NULL"),
        ),
        Index(
            "uq_pool_member_active_project",
            "project_id",
            unique=True,
            postgresql_where=text("status = 'active' AND project_id IS NOT NULL"),
        ),
        Index("ix_pool_member_pool_created", "pool", "created_at", "id"),
    )

    pool: Mapped[Pool] = mapped_column(StrEnumType(Pool, 16), nullable=False)
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("enterprise.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("project.id", ondelete="RESTRICT"), index=True
    )
    tier: Mapped[Tier] = mapped_column(StrEnumType(Tier, 16), nullable=False)
    status: Mapped[MemberStatus] = mapped_column(
        StrEnumType(MemberStatus, 16), nullable=False, default=MemberStatus.ACTIVE
    )
    entered_on: Mapped[date] = mapped_column(Date, nullable=False)
    exited_on: Mapped[date | None] = mapped_column(Date)
    # The latest assessment's advice, kept so that lists can filter on it.
    suggested_tier: Mapped[Tier | None] = mapped_column(StrEnumType(Tier, 16))
    assessed_year: Mapped[int | None] = mapped_column()
    assessed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The qualification a `certified` exit recorded: withdrawing the approval behind it
    # reinstates the membership.
    qualification_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("qualification.id", ondelete="SET NULL"), index=True
    )


class PoolTransition(UUIDKey, Base):
    """Every entry, tier change and exit: who, when, from, to, why."""

    __tablename__ = "pool_transition"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(TransitionKind)})", name="kind_known"),
        Index("ix_pool_transition_member", "member_id", "occurred_at", "id"),
    )

    member_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("pool_member.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[TransitionKind] = mapped_column(StrEnumType(TransitionKind, 16), nullable=False)
    from_tier: Mapped[str | None] = mapped_column(String(16))
    to_tier: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    effective_on: Mapped[date] = mapped_column(Date, nullable=False)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_role: Mapped[str | None] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
