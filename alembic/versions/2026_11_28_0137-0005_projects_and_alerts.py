"""projects and alerts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 01:37:52.444951+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_policy",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("thresholds", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_alert_policy")),
    )
    op.create_table(
        "scheduled_run",
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("run_on", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("job", "run_on", name=op.f("pk_scheduled_run")),
    )
    op.create_table(
        "project",
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("programme", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("approved_funding", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("disbursed_funding", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("alert_color", sa.String(length=8), nullable=True),
        sa.Column("alert_reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("alert_evaluated_on", sa.Date(), nullable=True),
        sa.Column("alert_policy_version", sa.Integer(), nullable=True),
        sa.Column("override_color", sa.String(length=8), nullable=True),
        sa.Column("override_reason", sa.String(length=500), nullable=True),
        sa.Column("override_expires_on", sa.Date(), nullable=True),
        sa.Column("override_by", sa.Uuid(), nullable=True),
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
            "alert_color IN ('red', 'yellow', 'green')", name=op.f("ck_project_alert_color_known")
        ),
        sa.CheckConstraint(
            "level IN ('national', 'regional', 'city', 'district')",
            name=op.f("ck_project_level_known"),
        ),
        sa.CheckConstraint(
            "override_color IN ('red', 'yellow', 'green')",
            name=op.f("ck_project_override_color_known"),
        ),
        sa.CheckConstraint(
            "status IN ('applying', 'approved', 'in_progress', 'completed', 'accepted', 'terminated')",
            name=op.f("ck_project_status_known"),
        ),
        sa.CheckConstraint(
            "approved_funding >= 0 AND disbursed_funding >= 0",
            name=op.f("ck_project_funding_not_negative"),
        ),
        sa.CheckConstraint(
            "disbursed_funding <= approved_funding",
            name=op.f("ck_project_disbursed_within_approved"),
        ),
        sa.CheckConstraint("end_on >= start_on", name=op.f("ck_project_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_project_enterprise_id_enterprise"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
    )
    op.create_index("ix_project_created_id", "project", ["created_at", "id"], unique=False)
    op.create_index(op.f("ix_project_enterprise_id"), "project", ["enterprise_id"], unique=False)
    op.create_index("ix_project_status_alert", "project", ["status", "alert_color"], unique=False)
    op.create_table(
        "alert_event",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("from_color", sa.String(length=8), nullable=True),
        sa.Column("to_color", sa.String(length=8), nullable=True),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("cause", sa.String(length=8), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("cause IN ('write', 'sweep')", name=op.f("ck_alert_event_cause_known")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_alert_event_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_event")),
    )
    op.create_index(
        "ix_alert_event_project", "alert_event", ["project_id", "occurred_at", "id"], unique=False
    )
    op.create_index(
        "ix_alert_event_to_color", "alert_event", ["to_color", "occurred_at"], unique=False
    )
    op.create_table(
        "milestone",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("weight", sa.Numeric(precision=9, scale=2), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
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
        sa.CheckConstraint("weight > 0", name=op.f("ck_milestone_weight_positive")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_milestone_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone")),
    )
    op.create_index(op.f("ix_milestone_project_id"), "milestone", ["project_id"], unique=False)
    op.create_table(
        "progress_report",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reported_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "percent >= 0 AND percent <= 100", name=op.f("ck_progress_report_percent_range")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_progress_report_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_report")),
    )
    op.create_index(
        "ix_progress_report_project_reported",
        "progress_report",
        ["project_id", "reported_on", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_progress_report_project_reported", table_name="progress_report")
    op.drop_table("progress_report")
    op.drop_index(op.f("ix_milestone_project_id"), table_name="milestone")
    op.drop_table("milestone")
    op.drop_index("ix_alert_event_to_color", table_name="alert_event")
    op.drop_index("ix_alert_event_project", table_name="alert_event")
    op.drop_table("alert_event")
    op.drop_index("ix_project_status_alert", table_name="project")
    op.drop_index(op.f("ix_project_enterprise_id"), table_name="project")
    op.drop_index("ix_project_created_id", table_name="project")
    op.drop_table("project")
    op.drop_table("scheduled_run")
    op.drop_table("alert_policy")
