"""Columns every table shares: UUID key, timestamps with time zone, a version for ETags."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import Any, TypeVar

from sqlalchemy import DateTime, Dialect, Integer, String, Uuid, func
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator


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


E = TypeVar("E", bound=StrEnum)


class StrEnumType(TypeDecorator[E]):
    """A column holding an enum's value in VARCHAR(length), read back as the member. Binding
    takes a member or its value; what a value must be is the table's CHECK constraint's to
    say, as before (a wrong string still reaches it)."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return value.value if isinstance(value, Enum) else value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)
