"""demands

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 02:32:36.028075+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "demand",
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("specialist_id", sa.Uuid(), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("raised_by", sa.Uuid(), nullable=True),
        sa.Column("raised_by_role", sa.String(length=32), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.String(length=500), nullable=True),
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
            "category IN ('policy_consultation', 'project_application', 'qualification_recognition', 'financing', 'talent', 'intellectual_property', 'platforms_maker_spaces', 'pilot_base', 'publicity', 'other')",
            name=op.f("ck_demand_category_known"),
        ),
        sa.CheckConstraint(
            "status <> 'rejected' OR rejection_reason IS NOT NULL",
            name=op.f("ck_demand_rejected_why"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'responded', 'in_progress', 'resolved', 'closed', 'rejected')",
            name=op.f("ck_demand_status_known"),
        ),
        sa.CheckConstraint("response_due_at > raised_at", name=op.f("ck_demand_due_after_raised")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_demand_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["specialist_id"],
            ["specialist.id"],
            name=op.f("fk_demand_specialist_id_specialist"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand")),
    )
    op.create_index(op.f("ix_demand_enterprise_id"), "demand", ["enterprise_id"], unique=False)
    op.create_index("ix_demand_raised", "demand", ["raised_at", "id"], unique=False)
    op.create_index(op.f("ix_demand_specialist_id"), "demand", ["specialist_id"], unique=False)
    op.create_index(
        "ix_demand_unanswered_due",
        "demand",
        ["response_due_at"],
        unique=False,
        postgresql_where=sa.text("first_response_at IS NULL"),
    )
    op.create_table(
        "demand_action",
        sa.Column("demand_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["demand_id"],
            ["demand.id"],
            name=op.f("fk_demand_action_demand_id_demand"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_action")),
    )
    op.create_index(
        "ix_demand_action_demand", "demand_action", ["demand_id", "occurred_at", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_demand_action_demand", table_name="demand_action")
    op.drop_table("demand_action")
    op.drop_index(
        "ix_demand_unanswered_due",
        table_name="demand",
        postgresql_where=sa.text("first_response_at IS NULL"),
    )
    op.drop_index(op.f("ix_demand_specialist_id"), table_name="demand")
    op.drop_index("ix_demand_raised", table_name="demand")
    op.drop_index(op.f("ix_demand_enterprise_id"), table_name="demand")
    op.drop_table("demand")
