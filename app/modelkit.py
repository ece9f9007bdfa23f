"""Columns every table shares: UUID key, timestamps with time zone, a version for ETags."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import DateTime, Integer, Uuid, func
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UUIDKey:
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), default=utcnow
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        default=utcnow,
        onupdate=utcnow,
    )


class Versioned:
    """Optimistic locking: SQLAlchemy bumps `version` on every UPDATE and checks it."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def apply_changes(row: object, changes: Mapping[str, Any]) -> None:
    """A PATCH's fields onto its row: an enum member is stored as its value (the columns hold
    the values)."""
    for name, value in changes.items():
        setattr(row, name, value.value if isinstance(value, Enum) else value)
