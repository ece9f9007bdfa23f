"""cultivation activities and ranking runs

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 06:59:19.780126+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activity",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("organiser", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
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
            "kind IN ('training', 'policy_briefing', 'matchmaking', 'little_giant_consulting', 'maker_space_placement', 'pilot_base_placement', 'publicity')",
            name=op.f("ck_activity_kind_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
    )
    op.create_index("ix_activity_held_on", "activity", ["held_on", "id"], unique=False)
    op.create_table(
        "ranking_run",
        sa.Column("pool", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("weights", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("top_share", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("report_deadline", sa.Date(), nullable=False),
        sa.Column("cohort_on", sa.Date(), nullable=False),
        sa.Column("cohort_size", sa.Integer(), nullable=False),
        sa.Column("incentive_count", sa.Integer(), nullable=False),
        sa.Column("incomplete_count", sa.Integer(), nullable=False),
        sa.Column("compared_run_id", sa.Uuid(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.Uuid(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
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
            "(status = 'draft') = (published_at IS NULL)",
            name=op.f("ck_ranking_run_published_iff_not_draft"),
        ),
        sa.CheckConstraint(
            "(status = 'superseded') = (superseded_at IS NOT NULL)",
            name=op.f("ck_ranking_run_superseded_iff_superseded_at"),
        ),
        sa.CheckConstraint(
            "pool IN ('hte', 'sme', 'project')", name=op.f("ck_ranking_run_pool_known")
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'superseded')",
            name=op.f("ck_ranking_run_status_known"),
        ),
        sa.CheckConstraint(
            "top_share >= 0 AND top_share <= 1", name=op.f("ck_ranking_run_top_share_share")
        ),
        sa.ForeignKeyConstraint(
            ["compared_run_id"],
            ["ranking_run.id"],
            name=op.f("fk_ranking_run_compared_run_id_ranking_run"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranking_run")),
    )
    op.create_index(
        "ix_ranking_run_order", "ranking_run", ["year", "created_at", "id"], unique=False
    )
    op.create_index(
        "uq_ranking_run_published",
        "ranking_run",
        ["pool", "year"],
        unique=True,
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_table(
        "activity_invitation",
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("invited_by", sa.Uuid(), nullable=True),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.Column("attendance_recorded_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint(
            "attended = (attendance_recorded_at IS NOT NULL)",
            name=op.f("ck_activity_invitation_attendance_has_time"),
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_activity_invitation_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_activity_invitation_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_invitation")),
        sa.UniqueConstraint(
            "activity_id",
            "enterprise_id",
            name=op.f("uq_activity_invitation_activity_id_enterprise_id"),
        ),
    )
    op.create_index(
        "ix_activity_invitation_enterprise_id",
        "activity_invitation",
        ["enterprise_id"],
        unique=False,
    )
    op.create_table(
        "ranking_entry",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("composite", sa.Numeric(precision=12, scale=6), nullable=False),
        sa.Column("innovation", sa.Numeric(precision=12, scale=6), nullable=False),
        sa.Column("growth", sa.Numeric(precision=12, scale=6), nullable=False),
        sa.Column("participation", sa.Numeric(precision=12, scale=6), nullable=False),
        sa.Column("indicators", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("short_board", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("short_board_dimension", sa.String(length=16), nullable=False),
        sa.Column("incentive", sa.Boolean(), nullable=False),
        sa.Column("data_incomplete", sa.Boolean(), nullable=False),
        sa.Column("movement", sa.Integer(), nullable=True),
        sa.CheckConstraint("position >= 1", name=op.f("ck_ranking_entry_position_positive")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_ranking_entry_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["ranking_run.id"],
            name=op.f("fk_ranking_entry_run_id_ranking_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "position", name=op.f("pk_ranking_entry")),
        sa.UniqueConstraint(
            "run_id", "enterprise_id", name=op.f("uq_ranking_entry_run_id_enterprise_id")
        ),
    )
    op.create_index(
        "ix_ranking_entry_enterprise_id", "ranking_entry", ["enterprise_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_ranking_entry_enterprise_id", table_name="ranking_entry")
    op.drop_table("ranking_entry")
    op.drop_index("ix_activity_invitation_enterprise_id", table_name="activity_invitation")
    op.drop_table("activity_invitation")
    op.drop_index(
        "uq_ranking_run_published",
        table_name="ranking_run",
        postgresql_where=sa.text("status = 'published'"),
    )
    op.drop_index("ix_ranking_run_order", table_name="ranking_run")
    op.drop_table("ranking_run")
    op.drop_index("ix_activity_held_on", table_name="activity")
    op.drop_table("activity")
