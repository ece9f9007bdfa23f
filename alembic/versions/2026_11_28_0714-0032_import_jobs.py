"""import jobs

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-28 07:14:14.223757+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_by_role", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint("format IN ('ndjson', 'csv')", name=op.f("ck_import_job_format_known")),
        sa.CheckConstraint(
            "kind IN ('enterprises', 'annual_reports')", name=op.f("ck_import_job_kind_known")
        ),
        sa.CheckConstraint(
            "mode IN ('all_or_nothing', 'valid_only')", name=op.f("ck_import_job_mode_known")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'succeeded', 'failed')",
            name=op.f("ck_import_job_status_known"),
        ),
        sa.CheckConstraint(
            "processed <= total AND stored <= total", name=op.f("ck_import_job_counts_within_total")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["app_user.id"],
            name=op.f("fk_import_job_created_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
    )
    op.create_index(
        "ix_import_job_status_heartbeat", "import_job", ["status", "heartbeat_at"], unique=False
    )
    op.create_table(
        "import_error",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["import_job.id"],
            name=op.f("fk_import_error_job_id_import_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_error")),
    )
    op.create_index(
        "ix_import_error_job_line", "import_error", ["job_id", "line", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_import_error_job_line", table_name="import_error")
    op.drop_table("import_error")
    op.drop_index("ix_import_job_status_heartbeat", table_name="import_job")
    op.drop_table("import_job")
