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
