from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.modelkit import utcnow


class ScheduledRun(Base):
    """One row per job and day, so that replicas never run a once-a-day job twice."""

    __tablename__ = "scheduled_run"

    job: Mapped[str] = mapped_column(String(32), primary_key=True)
    run_on: Mapped[date] = mapped_column(Date, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    changed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
