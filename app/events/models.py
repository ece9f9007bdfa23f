from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.modelkit import utcnow


class OutboxMessage(Base):
    """A recorded domain event, written in the transaction that made the change, waiting
    for the work that runs later (`app.events.dispatch`)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_undispatched", "id", postgresql_where="dispatched_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    # Set once every consumer has taken the message, or when it was set aside after
    # outbox_max_attempts failed rounds (then last_error says why).
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
