from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.roles import Role
from app.db import Base
from app.modelkit import StrEnumType, Timestamps, UUIDKey, Versioned

ROLE_VALUES = ", ".join(f"'{role.value}'" for role in Role)


class User(UUIDKey, Timestamps, Versioned, Base):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(f"role IN ({ROLE_VALUES})", name="role_known"),
        CheckConstraint(
            "(role = 'enterprise') = (enterprise_id IS NOT NULL)", name="enterprise_iff_role"
        ),
    )

    # Stored lower-cased, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[Role] = mapped_column(StrEnumType(Role, 32), nullable=False)
    display_name: Mapped[str | None] = mapped_column(String(100))
    enterprise_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("enterprise.id", ondelete="RESTRICT"), index=True
    )
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default="true"
    )
    # Carried in every token; bumped when the password, the role or the activation changes,
    # which revokes every token issued before.
    credential_version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=1, server_default="1"
    )


class ApiKey(UUIDKey, Timestamps, Base):
    __tablename__ = "api_key"

    name: Mapped[str] = mapped_column(String(100), nullable=False)
    # The public part of the key, shown in lists so an operator can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    scopes: Mapped[list[str]] = mapped_column(
        ARRAY(String(64)), nullable=False, server_default="{}"
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("app_user.id", ondelete="SET NULL")
    )
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # After it the key answers 401 `api_key_expired`; null: until revoked.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginFailure(UUIDKey, Base):
    """Failed logins (and logins being checked) by account and client address, kept in
    PostgreSQL so that every replica throttles the same way."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_email_address_failed_at", "email", "address", "failed_at"),
        Index("ix_login_failure_address_failed_at", "address", "failed_at"),
    )

    email: Mapped[str] = mapped_column(String(254), nullable=False)
    address: Mapped[str] = mapped_column(String(64), nullable=False)
    failed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class ApiKeyWindow(Base):
    """Requests of one API key in one fixed window, in PostgreSQL so that every replica
    counts against the same limit."""

    __tablename__ = "api_key_window"

    api_key_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("api_key.id", ondelete="CASCADE"), primary_key=True
    )
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, nullable=False)
