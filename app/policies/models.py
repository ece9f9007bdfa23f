from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Index, Integer, Numeric, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.enterprises.enums import QualificationKind, TechField, sql_values
from app.modelkit import StrEnumType, Timestamps, UUIDKey, Versioned
from app.policies.enums import PolicyLevel
from app.pools.enums import Pool


class Policy(UUIDKey, Timestamps, Versioned, Base):
    """A policy of the catalogue, its interpretation, and whom it is for (the criteria)."""

    __tablename__ = "policy"
    __table_args__ = (
        CheckConstraint(f"level IN ({sql_values(PolicyLevel)})", name="level_known"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_period"),
        CheckConstraint(f"pools <@ ARRAY[{sql_values(Pool)}]::varchar[]", name="pools_known"),
        CheckConstraint(
            f"tech_fields <@ ARRAY[{sql_values(TechField)}]::varchar[]", name="tech_fields_known"
        ),
        CheckConstraint(
            f"qualification_required IS NULL"
            f" OR qualification_required IN ({sql_values(QualificationKind)})",
            name="qualification_known",
        ),
        CheckConstraint(
            "(max_employees IS NULL OR max_employees >= 0)"
            " AND (max_revenue IS NULL OR max_revenue >= 0)",
            name="limits_not_negative",
        ),
        Index("ix_policy_valid_from", "valid_from", "id"),
    )

    title: Mapped[str] = mapped_column(String(200), nullable=False)
    issuer: Mapped[str] = mapped_column(String(100), nullable=False)
    level: Mapped[PolicyLevel] = mapped_column(StrEnumType(PolicyLevel, 16), nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str | None] = mapped_column(Text)
    interpretation: Mapped[str | None] = mapped_column(Text)
    # The criteria; an empty list or a null limit asks nothing.
    pools: Mapped[list[str]] = mapped_column(ARRAY(String(16)), nullable=False, server_default="{}")
    tech_fields: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), nullable=False, server_default="{}"
    )
    max_employees: Mapped[int | None] = mapped_column(Integer)
    max_revenue: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    qualification_required: Mapped[QualificationKind | None] = mapped_column(
        StrEnumType(QualificationKind, 32)
    )
