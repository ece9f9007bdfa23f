from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false, true

from app.db import Base
from app.enterprises.enums import (
    EnterpriseStatus,
    Grade,
    QualificationKind,
    QualificationLevel,
    TaxCollection,
    TechField,
    sql_values,
)
from app.modelkit import StrEnumType, Timestamps, UUIDKey, Versioned

MONEY = Numeric(18, 2)


class Enterprise(UUIDKey, Timestamps, Versioned, Base):
    __tablename__ = "enterprise"
    __table_args__ = (
        CheckConstraint(f"tech_field IN ({sql_values(TechField)})", name="tech_field_known"),
        CheckConstraint(f"status IN ({sql_values(EnterpriseStatus)})", name="status_known"),
        CheckConstraint(
            f"tax_collection IN ({sql_values(TaxCollection)})", name="tax_collection_known"
        ),
        CheckConstraint("char_length(uscc) = 18 AND uscc = upper(uscc)", name="uscc_shape"),
        # One GIN index over every 1- and 2-character gram of the name serves Chinese
        # substring search of any length (pg_trgm would need three characters).
        Index("ix_enterprise_name_grams", "name_grams", postgresql_using="gin"),
        Index("ix_enterprise_uscc_prefix", "uscc", postgresql_ops={"uscc": "varchar_pattern_ops"}),
        Index("ix_enterprise_name_id", "name", "id"),
        # Prefix and exact lookups, so search finds its best matches without ranking all.
        Index(
            "ix_enterprise_search_text_prefix",
            "search_text",
            postgresql_ops={"search_text": "text_pattern_ops"},
        ),
        Index("ix_enterprise_short_name", "short_name"),
        Index("ix_enterprise_tags", "tags", postgresql_using="gin"),
    )

    uscc: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    short_name: Mapped[str | None] = mapped_column(String(100))
    established_on: Mapped[date | None] = mapped_column(Date)
    district: Mapped[str | None] = mapped_column(String(100), index=True)
    industry_code: Mapped[str | None] = mapped_column(String(5))
    tech_field: Mapped[TechField | None] = mapped_column(StrEnumType(TechField, 40), index=True)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(50)), nullable=False, server_default="{}")
    # The tech-based SME basic conditions, as the bureau knows them.
    resident_enterprise: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    restricted_products: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    credit_listed: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    tax_collection: Mapped[TaxCollection | None] = mapped_column(StrEnumType(TaxCollection, 16))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[EnterpriseStatus] = mapped_column(
        StrEnumType(EnterpriseStatus, 16),
        nullable=False,
        default=EnterpriseStatus.ACTIVE.value,
        server_default="active",
    )
    # Lower-cased name and short name, the text that search matches substrings in.
    search_text: Mapped[str] = mapped_column(
        Text,
        Computed("lower(name || ' ' || coalesce(short_name, ''))", persisted=True),
    )
    # Its 1- and 2-character grams, stored so that rechecks never recompute them.
    name_grams: Mapped[list[str]] = mapped_column(
        ARRAY(Text),
        Computed("search_grams(lower(name || ' ' || coalesce(short_name, '')))", persisted=True),
    )


class AnnualReport(UUIDKey, Timestamps, Versioned, Base):
    __tablename__ = "annual_report"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "year"),
        CheckConstraint("year >= 2000", name="year_from_2000"),
        CheckConstraint("st_staff <= employees", name="st_staff_within_employees"),
        CheckConstraint("rd_expense_domestic <= rd_expense", name="domestic_within_rd"),
        CheckConstraint("high_tech_revenue <= revenue", name="high_tech_within_revenue"),
        CheckConstraint(
            "revenue >= 0 AND high_tech_revenue >= 0 AND total_cost >= 0 AND total_assets >= 0"
            " AND rd_expense >= 0 AND rd_expense_domestic >= 0",
            name="money_not_negative",
        ),
        CheckConstraint(
            "employees >= 0 AND st_staff >= 0 AND ip_class1 >= 0 AND ip_class2 >= 0"
            " AND ip_class1_new >= 0 AND ip_class2_new >= 0 AND achievements_transformed >= 0"
            " AND standards_drafted >= 0",
            name="counts_not_negative",
        ),
        CheckConstraint(
            "ip_class2_used >= 0 AND ip_class2_used <= ip_class2", name="ip_class2_used_owned"
        ),
        CheckConstraint(
            f"tech_advancement IN ({sql_values(Grade)})", name="tech_advancement_grade"
        ),
        CheckConstraint(f"core_support IN ({sql_values(Grade)})", name="core_support_grade"),
    )

    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("enterprise.id", ondelete="CASCADE"), nullable=False
    )
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    revenue: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    high_tech_revenue: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    total_cost: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    # Net assets may be negative: an insolvent enterprise still files its report.
    net_assets: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    total_assets: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    employees: Mapped[int] = mapped_column(Integer, nullable=False)
    st_staff: Mapped[int] = mapped_column(Integer, nullable=False)
    rd_expense: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    rd_expense_domestic: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    ip_class1: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    ip_class2: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    ip_class1_new: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    ip_class2_new: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Class II IP supports one high-tech recognition only (仅限使用一次): how many of the
    # ip_class2 already did.
    ip_class2_used: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    achievements_transformed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    filed_on: Mapped[date] = mapped_column(Date, nullable=False)
    tech_advancement: Mapped[Grade | None] = mapped_column(StrEnumType(Grade, 1))
    core_support: Mapped[Grade | None] = mapped_column(StrEnumType(Grade, 1))
    ip_self_developed: Mapped[bool | None] = mapped_column(Boolean)
    standards_drafted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rd_accounting: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    rd_institution: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    transformation_incentives: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    talent_programs: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    major_incident: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Qualification(UUIDKey, Timestamps, Base):
    """A qualification the enterprise holds: recorded by a `certified` pool exit (and later
    by the outcomes ledger), read by the entry conditions and the SME direct route."""

    __tablename__ = "qualification"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(QualificationKind)})", name="kind_known"),
        CheckConstraint("valid_until >= issued_on", name="valid_after_issue"),
        CheckConstraint(f"level IN ({sql_values(QualificationLevel)})", name="level_known"),
        CheckConstraint("award_rank BETWEEN 1 AND 3", name="award_rank_first_three"),
        Index("ix_qualification_enterprise_kind", "enterprise_id", "kind", "valid_until"),
    )

    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("enterprise.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[QualificationKind] = mapped_column(
        StrEnumType(QualificationKind, 32), nullable=False
    )
    reference: Mapped[str | None] = mapped_column(String(64))
    # A direct route's particulars: the award's rank among its units, the level.
    award_rank: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[QualificationLevel | None] = mapped_column(StrEnumType(QualificationLevel, 16))
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date] = mapped_column(Date, nullable=False)
    source: Mapped[str] = mapped_column(String(32), nullable=False)
