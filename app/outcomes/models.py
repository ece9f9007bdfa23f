from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.enterprises.enums import sql_values
from app.modelkit import StrEnumType, Timestamps, UUIDKey, Versioned
from app.outcomes.enums import AMOUNT_ALLOWED, AMOUNT_REQUIRED, AchievementKind, AchievementLevel


def _kinds(kinds: frozenset[AchievementKind]) -> str:
    return ", ".join(f"'{kind.value}'" for kind in sorted(kinds))


class Achievement(UUIDKey, Timestamps, Versioned, Base):
    """One entry of the outcomes ledger: what an enterprise achieved, when, at what level."""

    __tablename__ = "achievement"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(AchievementKind)})", name="kind_known"),
        CheckConstraint(
            f"level IS NULL OR level IN ({sql_values(AchievementLevel)})", name="level_known"
        ),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        CheckConstraint(
            f"kind NOT IN ({_kinds(AMOUNT_REQUIRED)}) OR amount IS NOT NULL",
            name="amount_required",
        ),
        CheckConstraint(
            f"kind IN ({_kinds(AMOUNT_ALLOWED)}) OR amount IS NULL", name="amount_allowed"
        ),
        # Grades belong to competition awards, and every award has one.
        CheckConstraint(
            "(kind = 'competition_award') = (grade IS NOT NULL)", name="grade_iff_award"
        ),
        CheckConstraint("grade IS NULL OR grade BETWEEN 1 AND 3", name="grade_range"),
        # The statistics group by kind over a period; the firsts look for each kind's minimum.
        Index("ix_achievement_kind_achieved", "kind", "achieved_on"),
        Index("ix_achievement_achieved", "achieved_on", "id"),
    )

    kind: Mapped[AchievementKind] = mapped_column(StrEnumType(AchievementKind, 32), nullable=False)
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("enterprise.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    achieved_on: Mapped[date] = mapped_column(Date, nullable=False)
    level: Mapped[AchievementLevel | None] = mapped_column(StrEnumType(AchievementLevel, 16))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    grade: Mapped[int | None] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    # The qualification recorded with an hte_certified or sme_registered entry.
    qualification_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("qualification.id", ondelete="SET NULL")
    )
