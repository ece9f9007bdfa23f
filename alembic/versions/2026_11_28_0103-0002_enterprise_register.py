"""enterprise register

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 01:03:08.835221+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Every 1- and 2-character gram of a text. Stored per enterprise and GIN-indexed, it finds
# Chinese substrings of any length: the query's own gram, or all of its bigrams, then LIKE.
SEARCH_GRAMS = """
CREATE FUNCTION search_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT gram), '{}')
    FROM (
        SELECT substr(t, i, 1) AS gram FROM generate_series(1, char_length(t)) AS i
        UNION ALL
        SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i
    ) AS grams
$$
"""


def upgrade() -> None:
    op.execute(SEARCH_GRAMS)
    op.create_table(
        "enterprise",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=100), nullable=True),
        sa.Column("established_on", sa.Date(), nullable=True),
        sa.Column("district", sa.String(length=100), nullable=True),
        sa.Column("industry_code", sa.String(length=5), nullable=True),
        sa.Column("tech_field", sa.String(length=40), nullable=True),
        sa.Column("tags", sa.ARRAY(sa.String(length=50)), server_default="{}", nullable=False),
        sa.Column("contact_name", sa.String(length=50), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column(
            "search_text",
            sa.Text(),
            sa.Computed("lower(name || ' ' || coalesce(short_name, ''))", persisted=True),
            nullable=False,
        ),
        sa.Column(
            "name_grams",
            postgresql.ARRAY(sa.Text()),
            sa.Computed(
                "search_grams(lower(name || ' ' || coalesce(short_name, '')))", persisted=True
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'archived')", name=op.f("ck_enterprise_status_known")
        ),
        sa.CheckConstraint(
            "tech_field IN ('electronic_information', 'biology_new_medicine', 'aerospace', 'new_materials', 'high_tech_services', 'new_energy_energy_saving', 'resources_environment', 'advanced_manufacturing_automation')",
            name=op.f("ck_enterprise_tech_field_known"),
        ),
        sa.CheckConstraint(
            "char_length(uscc) = 18 AND uscc = upper(uscc)", name=op.f("ck_enterprise_uscc_shape")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise")),
        sa.UniqueConstraint("uscc", name=op.f("uq_enterprise_uscc")),
    )
    op.create_index(op.f("ix_enterprise_district"), "enterprise", ["district"], unique=False)
    op.create_index("ix_enterprise_name_id", "enterprise", ["name", "id"], unique=False)
    op.create_index(
        "ix_enterprise_name_grams",
        "enterprise",
        ["name_grams"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        "ix_enterprise_tags", "enterprise", ["tags"], unique=False, postgresql_using="gin"
    )
    op.create_index(op.f("ix_enterprise_tech_field"), "enterprise", ["tech_field"], unique=False)
    op.create_index(
        "ix_enterprise_uscc_prefix",
        "enterprise",
        ["uscc"],
        unique=False,
        postgresql_ops={"uscc": "varchar_pattern_ops"},
    )
    op.create_table(
        "annual_report",
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("high_tech_revenue", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("total_cost", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("net_assets", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("total_assets", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("employees", sa.Integer(), nullable=False),
        sa.Column("st_staff", sa.Integer(), nullable=False),
        sa.Column("rd_expense", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("rd_expense_domestic", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("ip_class1", sa.Integer(), nullable=False),
        sa.Column("ip_class2", sa.Integer(), nullable=False),
        sa.Column("ip_class1_new", sa.Integer(), nullable=False),
        sa.Column("ip_class2_new", sa.Integer(), nullable=False),
        sa.Column("achievements_transformed", sa.Integer(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("tech_advancement", sa.String(length=1), nullable=True),
        sa.Column("core_support", sa.String(length=1), nullable=True),
        sa.Column("ip_self_developed", sa.Boolean(), nullable=True),
        sa.Column("standards_drafted", sa.Integer(), nullable=False),
        sa.Column("rd_accounting", sa.Boolean(), nullable=False),
        sa.Column("rd_institution", sa.Boolean(), nullable=False),
        sa.Column("transformation_incentives", sa.Boolean(), nullable=False),
        sa.Column("talent_programs", sa.Boolean(), nullable=False),
        sa.Column("major_incident", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "core_support IN ('A', 'B', 'C', 'D', 'E')",
            name=op.f("ck_annual_report_core_support_grade"),
        ),
        sa.CheckConstraint(
            "tech_advancement IN ('A', 'B', 'C', 'D', 'E')",
            name=op.f("ck_annual_report_tech_advancement_grade"),
        ),
        sa.CheckConstraint(
            "employees >= 0 AND st_staff >= 0 AND ip_class1 >= 0 AND ip_class2 >= 0 AND ip_class1_new >= 0 AND ip_class2_new >= 0 AND achievements_transformed >= 0 AND standards_drafted >= 0",
            name=op.f("ck_annual_report_counts_not_negative"),
        ),
        sa.CheckConstraint(
            "high_tech_revenue <= revenue", name=op.f("ck_annual_report_high_tech_within_revenue")
        ),
        sa.CheckConstraint(
            "rd_expense_domestic <= rd_expense", name=op.f("ck_annual_report_domestic_within_rd")
        ),
        sa.CheckConstraint(
            "revenue >= 0 AND high_tech_revenue >= 0 AND total_cost >= 0 AND total_assets >= 0 AND rd_expense >= 0 AND rd_expense_domestic >= 0",
            name=op.f("ck_annual_report_money_not_negative"),
        ),
        sa.CheckConstraint(
            "st_staff <= employees", name=op.f("ck_annual_report_st_staff_within_employees")
        ),
        sa.CheckConstraint("year >= 2000", name=op.f("ck_annual_report_year_from_2000")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_annual_report_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_report")),
        sa.UniqueConstraint(
            "enterprise_id", "year", name=op.f("uq_annual_report_enterprise_id_year")
        ),
    )
    op.create_foreign_key(
        op.f("fk_app_user_enterprise_id_enterprise"),
        "app_user",
        "enterprise",
        ["enterprise_id"],
        ["id"],
        ondelete="RESTRICT",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_app_user_enterprise_id_enterprise"), "app_user", type_="foreignkey")
    op.drop_table("annual_report")
    op.drop_index(
        "ix_enterprise_uscc_prefix",
        table_name="enterprise",
        postgresql_ops={"uscc": "varchar_pattern_ops"},
    )
    op.drop_index(op.f("ix_enterprise_tech_field"), table_name="enterprise")
    op.drop_index("ix_enterprise_tags", table_name="enterprise", postgresql_using="gin")
    op.drop_index("ix_enterprise_name_grams", table_name="enterprise", postgresql_using="gin")
    op.drop_index("ix_enterprise_name_id", table_name="enterprise")
    op.drop_index(op.f("ix_enterprise_district"), table_name="enterprise")
    op.drop_table("enterprise")
    op.execute("DROP FUNCTION search_grams(text)")
