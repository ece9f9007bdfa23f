from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.enterprises.enums import sql_values
from app.modelkit import StrEnumType, Timestamps, UUIDKey, Versioned
from app.pools.enums import Pool
from app.rankings.enums import RunStatus

# Scores are percentiles (0..100) carried to 6 places, as formula.SCORE_PLACES.
SCORE = Numeric(12, 6)


class RankingRun(UUIDKey, Timestamps, Versioned, Base):
    """One computation of a pool's annual ranking, with every parameter it used."""

    __tablename__ = "ranking_run"
    __table_args__ = (
        CheckConstraint(f"pool IN ({sql_values(Pool)})", name="pool_known"),
        CheckConstraint(f"status IN ({sql_values(RunStatus)})", name="status_known"),
        CheckConstraint("top_share >= 0 AND top_share <= 1", name="top_share_share"),
        CheckConstraint(
            "(status = 'draft') = (published_at IS NULL)", name="published_iff_not_draft"
        ),
        CheckConstraint(
            "(status = 'superseded') = (superseded_at IS NOT NULL)",
            name="superseded_iff_superseded_at",
        ),
        # One ranking of record per pool and year; superseded runs stay for the history.
        Index(
            "uq_ranking_run_published",
            "pool",
            "year",
            unique=True,
            postgresql_where=text("status = 'published'"),
        ),
        Index("ix_ranking_run_order", "year", "created_at", "id"),
    )

    pool: Mapped[Pool] = mapped_column(StrEnumType(Pool, 16), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[RunStatus] = mapped_column(
        StrEnumType(RunStatus, 16), nullable=False, default=RunStatus.DRAFT
    )
    weights: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    top_share: Mapped[Decimal] = mapped_column(Numeric(5, 4), nullable=False)
    report_deadline: Mapped[date] = mapped_column(Date, nullable=False)
    # The day whose active members formed the cohort: 31 December, or today for this year.
    cohort_on: Mapped[date] = mapped_column(Date, nullable=False)
    cohort_size: Mapped[int] = mapped_column(Integer, nullable=False)
    incentive_count: Mapped[int] = mapped_column(Integer, nullable=False)
    incomplete_count: Mapped[int] = mapped_column(Integer, nullable=False)
    # How many entries have each dimension as their short board: where the pool needs help.
    short_board_counts: Mapped[dict[str, int]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    # The published run movement was measured against (the pool's latest earlier year).
    compared_run_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("ranking_run.id", ondelete="SET NULL")
    )
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RankingEntry(Base):
    """One enterprise's place in a run, stored whole so a published run never changes when
    the register does."""

    __tablename__ = "ranking_entry"
    __table_args__ = (
        UniqueConstraint("run_id", "enterprise_id"),
        CheckConstraint("position >= 1", name="position_positive"),
        Index("ix_ranking_entry_enterprise_id", "enterprise_id"),
    )

    run_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("ranking_run.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("enterprise.id", ondelete="CASCADE"), nullable=False
    )
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    composite: Mapped[Decimal] = mapped_column(SCORE, nullable=False)
    innovation: Mapped[Decimal] = mapped_column(SCORE, nullable=False)
    growth: Mapped[Decimal] = mapped_column(SCORE, nullable=False)
    participation: Mapped[Decimal] = mapped_column(SCORE, nullable=False)
    # {code: {"value": "0.052000" | null, "percentile": "50.000000"}}, decimals as strings.
    indicators: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    # {dimension, indicator, score, value, cohort_median}, decimals as strings.
    short_board: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    short_board_dimension: Mapped[str] = mapped_column(String(16), nullable=False)
    incentive: Mapped[bool] = mapped_column(Boolean, nullable=False)
    data_incomplete: Mapped[bool] = mapped_column(Boolean, nullable=False)
    # Positions gained since the compared run; null when the enterprise was not in it.
    movement: Mapped[int | None] = mapped_column(Integer)
