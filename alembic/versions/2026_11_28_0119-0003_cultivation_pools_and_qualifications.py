"""cultivation pools and qualifications

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 01:19:25.874785+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pool_member",
        sa.Column("pool", sa.String(length=16), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("entered_on", sa.Date(), nullable=False),
        sa.Column("exited_on", sa.Date(), nullable=True),
        sa.Column("suggested_tier", sa.String(length=16), nullable=True),
        sa.Column("assessed_year", sa.Integer(), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
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
            "(status = 'active') = (exited_on IS NULL)",
            name=op.f("ck_pool_member_exit_iff_inactive"),
        ),
        sa.CheckConstraint(
            "pool IN ('hte', 'sme', 'project')", name=op.f("ck_pool_member_pool_known")
        ),
        sa.CheckConstraint(
            "status IN ('active', 'certified', 'withdrawn', 'disqualified')",
            name=op.f("ck_pool_member_status_known"),
        ),
        sa.CheckConstraint(
            "suggested_tier IS NULL OR suggested_tier IN ('selected', 'cultivating', 'mature', 'applying')",
            name=op.f("ck_pool_member_suggested_tier_known"),
        ),
        sa.CheckConstraint(
            "tier IN ('selected', 'cultivating', 'mature', 'applying')",
            name=op.f("ck_pool_member_tier_known"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_pool_member_enterprise_id_enterprise"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_member")),
    )
    op.create_index(
        op.f("ix_pool_member_enterprise_id"), "pool_member", ["enterprise_id"], unique=False
    )
    op.create_index(
        "ix_pool_member_pool_created", "pool_member", ["pool", "created_at", "id"], unique=False
    )
    op.create_index(
        "uq_pool_member_active_enterprise",
        "pool_member",
        ["pool", "enterprise_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "qualification",
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
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
        sa.CheckConstraint("kind IN ('hte', 'sme')", name=op.f("ck_qualification_kind_known")),
        sa.CheckConstraint(
            "valid_until >= issued_on", name=op.f("ck_qualification_valid_after_issue")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_qualification_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualification")),
    )
    op.create_index(
        "ix_qualification_enterprise_kind",
        "qualification",
        ["enterprise_id", "kind", "valid_until"],
        unique=False,
    )
    op.create_table(
        "pool_transition",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("from_tier", sa.String(length=16), nullable=True),
        sa.Column("to_tier", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('entry', 'tier_change', 'exit')", name=op.f("ck_pool_transition_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["pool_member.id"],
            name=op.f("fk_pool_transition_member_id_pool_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_transition")),
    )
    op.create_index(
        "ix_pool_transition_member",
        "pool_transition",
        ["member_id", "occurred_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_pool_transition_member", table_name="pool_transition")
    op.drop_table("pool_transition")
    op.drop_index("ix_qualification_enterprise_kind", table_name="qualification")
    op.drop_table("qualification")
    op.drop_index(
        "uq_pool_member_active_enterprise",
        table_name="pool_member",
        postgresql_where=sa.text("status = 'active'"),
    )
    op.drop_index("ix_pool_member_pool_created", table_name="pool_member")
    op.drop_index(op.f("ix_pool_member_enterprise_id"), table_name="pool_member")
    op.drop_table("pool_member")
