"""policy catalogue and visits presenting policy ids

Visits recorded the policies they presented as free text titles; from here on they hold
ids of the catalogue. Every distinct title becomes a catalogue entry (marked to be
completed: issuer 待补充, level district, valid from the first visit that presented it), and
each visit's titles become those entries' ids, in order. Downgrade turns ids back into titles.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-28 07:01:38.798876+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("issuer", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("interpretation", sa.Text(), nullable=True),
        sa.Column(
            "pools", postgresql.ARRAY(sa.String(length=16)), server_default="{}", nullable=False
        ),
        sa.Column(
            "tech_fields",
            postgresql.ARRAY(sa.String(length=40)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("max_employees", sa.Integer(), nullable=True),
        sa.Column("max_revenue", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("qualification_required", sa.String(length=8), nullable=True),
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
            "level IN ('national', 'regional', 'city', 'district')",
            name=op.f("ck_policy_level_known"),
        ),
        sa.CheckConstraint(
            "pools <@ ARRAY['hte', 'sme', 'project']::varchar[]", name=op.f("ck_policy_pools_known")
        ),
        sa.CheckConstraint(
            "qualification_required IS NULL OR qualification_required IN ('hte', 'sme')",
            name=op.f("ck_policy_qualification_known"),
        ),
        sa.CheckConstraint(
            "tech_fields <@ ARRAY['electronic_information', 'biology_new_medicine', 'aerospace', 'new_materials', 'high_tech_services', 'new_energy_energy_saving', 'resources_environment', 'advanced_manufacturing_automation']::varchar[]",
            name=op.f("ck_policy_tech_fields_known"),
        ),
        sa.CheckConstraint(
            "(max_employees IS NULL OR max_employees >= 0) AND (max_revenue IS NULL OR max_revenue >= 0)",
            name=op.f("ck_policy_limits_not_negative"),
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_policy_valid_period")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy")),
    )
    op.create_index("ix_policy_valid_from", "policy", ["valid_from", "id"], unique=False)
    op.execute(
        """
        INSERT INTO policy (id, title, issuer, level, valid_from, summary, pools, tech_fields,
                            created_at, updated_at, version)
        SELECT gen_random_uuid(), presented.title, '待补充', 'district', presented.first_day,
               '由走访记录中的政策名称迁移生成，请补全发布机关、层级、有效期和解读。',
               '{}', '{}', now(), now(), 1
        FROM (
            SELECT title, min((visit.visited_at AT TIME ZONE 'Asia/Shanghai')::date) AS first_day
            FROM visit, unnest(visit.policies_presented) AS title
            GROUP BY title
        ) AS presented
        """
    )
    op.add_column(
        "visit",
        sa.Column("policy_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
    )
    op.execute(
        """
        UPDATE visit SET policy_ids = ARRAY(
            SELECT policy.id
            FROM unnest(visit.policies_presented) WITH ORDINALITY AS presented(title, n)
            JOIN policy ON policy.title = presented.title
            GROUP BY policy.id
            ORDER BY min(presented.n)
        )
        WHERE cardinality(visit.policies_presented) > 0
        """
    )
    op.drop_column("visit", "policies_presented")
    op.alter_column("visit", "policy_ids", new_column_name="policies_presented")
    op.create_index(
        "ix_visit_policies_presented",
        "visit",
        ["policies_presented"],
        unique=False,
        postgresql_using="gin",
    )


def downgrade() -> None:
    op.add_column(
        "visit",
        sa.Column(
            "policy_titles",
            postgresql.ARRAY(sa.String(length=200)),
            server_default="{}",
            nullable=False,
        ),
    )
    op.execute(
        """
        UPDATE visit SET policy_titles = ARRAY(
            SELECT policy.title
            FROM unnest(visit.policies_presented) WITH ORDINALITY AS presented(id, n)
            JOIN policy ON policy.id = presented.id
            ORDER BY presented.n
        )
        WHERE cardinality(visit.policies_presented) > 0
        """
    )
    op.drop_index("ix_visit_policies_presented", table_name="visit", postgresql_using="gin")
    op.drop_column("visit", "policies_presented")
    op.alter_column("visit", "policy_titles", new_column_name="policies_presented")
    op.drop_index("ix_policy_valid_from", table_name="policy")
    op.drop_table("policy")
