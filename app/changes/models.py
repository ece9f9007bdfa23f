from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Identity,
    Index,
    Integer,
    String,
    Uuid,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class ChangeEvent(Base):
    """One row written, as the feed serves it. Written only by the `change_feed_capture`
    trigger (migration 0031), so that every writer is captured, raw SQL included."""

    __tablename__ = "change_event"
    __table_args__ = (
        CheckConstraint("operation IN ('insert', 'update', 'delete')", name="operation_known"),
        # The feed reads in (xid, seq) order, resuming after a cursor.
        Index("ix_change_event_xid_seq", "xid", "seq"),
        # The nightly prune finds a day's worth of old changes, not the whole window.
        Index("ix_change_event_changed_at", "changed_at"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    # The writing transaction's id (pg_current_xact_id(), an xid8 that never wraps).
    xid: Mapped[int] = mapped_column(BigInteger, nullable=False)
    resource: Mapped[str] = mapped_column(String(40), nullable=False)
    resource_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    operation: Mapped[str] = mapped_column(String(6), nullable=False)
    version: Mapped[int | None] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class ChangeFeedPruned(Base):
    """How far the feed has been pruned: every change at or before (xid, seq) is gone, so a
    cursor before it cannot be resumed. One row, written by the nightly prune."""

    __tablename__ = "change_feed_pruned"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    xid: Mapped[int] = mapped_column(BigInteger, nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    pruned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
