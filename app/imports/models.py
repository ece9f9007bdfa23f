from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.enterprises.enums import sql_values
from app.imports.enums import ImportFormat, ImportKind, ImportMode, ImportStatus
from app.modelkit import StrEnumType, Timestamps, UUIDKey
from app.scheduling.leases import Leased


class ImportJob(Leased, Timestamps, Base):
    """A bulk import. The upload itself is kept here until the job ends, so that any replica
    can run (or, after a crash, resume) it: no replica holds job state in memory. A run
    claims it (`Leased`); a job whose last allowed run fails too ends `failed`."""

    __tablename__ = "import_job"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(ImportKind)})", name="kind_known"),
        CheckConstraint(f"mode IN ({sql_values(ImportMode)})", name="mode_known"),
        CheckConstraint(f"format IN ({sql_values(ImportFormat)})", name="format_known"),
        CheckConstraint(f"status IN ({sql_values(ImportStatus)})", name="status_known"),
        CheckConstraint("processed <= total AND stored <= total", name="counts_within_total"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_import_job_status_heartbeat", "status", "heartbeat_at"),
    )

    kind: Mapped[ImportKind] = mapped_column(StrEnumType(ImportKind, 16), nullable=False)
    mode: Mapped[ImportMode] = mapped_column(StrEnumType(ImportMode, 16), nullable=False)
    format: Mapped[ImportFormat] = mapped_column(StrEnumType(ImportFormat, 8), nullable=False)
    status: Mapped[ImportStatus] = mapped_column(StrEnumType(ImportStatus, 16), nullable=False)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    processed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    stored: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Why the job failed as a whole (a database conflict, a file that cannot be read).
    failure: Mapped[str | None] = mapped_column(Text)
    # The same as a sentence of the catalogues (app.i18n.Sentence), worded for each reader.
    failure_sentence: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("app_user.id", ondelete="SET NULL")
    )
    # The audit events of the stored rows name the uploader as their actor.
    created_by_role: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ImportRowError(UUIDKey, Base):
    """One rejected row: its line in the uploaded file, the field and what is wrong."""

    __tablename__ = "import_error"
    __table_args__ = (Index("ix_import_error_job_line", "job_id", "line", "id"),)

    job_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("import_job.id", ondelete="CASCADE"), nullable=False
    )
    line: Mapped[int] = mapped_column(Integer, nullable=False)
    field: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text, nullable=False)  # in English
    sentence: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
