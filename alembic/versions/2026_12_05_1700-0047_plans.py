"""plans (一企一策): a plan per enterprise, year and goal, its tasks and their comments; the
change feed follows plans and tasks; keys that read the pools read the plans

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-05 17:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0047"
down_revision: str | None = "0046"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRACKED = (("plan", "plan"), ("plan_task", "plan_task"))
# A plan is built on the pools' assessments: a key that could read those reads the plans, as
# migration 0033 did for the scopes it added.
GRANTED = (("read:pools", "read:plans"),)


def _timestamps() -> list[sa.Column[object]]:
    return [
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
    ]


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("goal_kind", sa.String(length=16), nullable=False),
        sa.Column("goal_level", sa.String(length=16), nullable=True),
        sa.Column("target_year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("assessed_year", sa.Integer(), nullable=True),
        sa.Column("ranking_run_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        *_timestamps(),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "goal_kind IN ('hte', 'sme', 'project')", name=op.f("ck_plan_goal_kind_known")
        ),
        sa.CheckConstraint(
            "goal_level IS NULL OR goal_level IN ('national', 'regional', 'city', 'district')",
            name=op.f("ck_plan_goal_level_known"),
        ),
        sa.CheckConstraint(
            "(goal_kind = 'project') = (goal_level IS NOT NULL)",
            name=op.f("ck_plan_goal_level_iff_project"),
        ),
        sa.CheckConstraint("status IN ('active', 'closed')", name=op.f("ck_plan_status_known")),
        sa.CheckConstraint("target_year >= year", name=op.f("ck_plan_target_not_before_year")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_plan_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ranking_run_id"],
            ["ranking_run.id"],
            name=op.f("fk_plan_ranking_run_id_ranking_run"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
        sa.UniqueConstraint(
            "enterprise_id", "year", "goal_kind", name=op.f("uq_plan_enterprise_id_year_goal_kind")
        ),
    )
    op.create_index("ix_plan_order", "plan", ["created_at", "id"], unique=False)
    op.create_table(
        "plan_task",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("gap_code", sa.String(length=64), nullable=True),
        sa.Column("gap_current", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("gap_target", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("gap_sentence", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("short_board", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        *_timestamps(),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'done', 'dropped')",
            name=op.f("ck_plan_task_status_known"),
        ),
        sa.CheckConstraint(
            "source IN ('gap', 'short_board', 'manual')", name=op.f("ck_plan_task_source_known")
        ),
        sa.CheckConstraint(
            "(source = 'gap') = (gap_code IS NOT NULL)", name=op.f("ck_plan_task_gap_code_iff_gap")
        ),
        sa.CheckConstraint(
            "(source = 'short_board') = (short_board IS NOT NULL)",
            name=op.f("ck_plan_task_short_board_iff_short_board"),
        ),
        sa.CheckConstraint(
            "(status = 'done') = (done_at IS NOT NULL)", name=op.f("ck_plan_task_done_at_iff_done")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_plan_task_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_task")),
    )
    op.create_index(
        "ix_plan_task_plan_id", "plan_task", ["plan_id", "created_at", "id"], unique=False
    )
    op.create_index(
        "ix_plan_task_pending_due",
        "plan_task",
        ["due_on", "plan_id"],
        unique=False,
        postgresql_where=sa.text("status IN ('open', 'in_progress')"),
    )
    op.create_table(
        "plan_task_comment",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_role", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "author_role IN ('admin', 'manager', 'specialist', 'enterprise', 'integration')",
            name=op.f("ck_plan_task_comment_author_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["plan_task.id"],
            name=op.f("fk_plan_task_comment_task_id_plan_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_task_comment")),
    )
    op.create_index(
        "ix_plan_task_comment_task_id",
        "plan_task_comment",
        ["task_id", "created_at", "id"],
        unique=False,
    )
    for table, resource in TRACKED:
        op.execute(f"SELECT change_feed_track('{table}', '{resource}')")
    for held, granted in GRANTED:
        op.execute(
            sa.text(
                "UPDATE api_key SET scopes = array_append(scopes, CAST(:granted AS varchar)) "
                "WHERE CAST(:held AS varchar) = ANY(scopes) "
                "AND NOT CAST(:granted AS varchar) = ANY(scopes)"
            ).bindparams(held=held, granted=granted)
        )


def downgrade() -> None:
    for _, granted in GRANTED:
        op.execute(
            sa.text(
                "UPDATE api_key SET scopes = array_remove(scopes, CAST(:granted AS varchar))"
            ).bindparams(granted=granted)
        )
    for table, _ in reversed(TRACKED):
        op.execute(f"SELECT change_feed_untrack('{table}')")
    op.drop_index("ix_plan_task_comment_task_id", table_name="plan_task_comment")
    op.drop_table("plan_task_comment")
    op.drop_index(
        "ix_plan_task_pending_due",
        table_name="plan_task",
        postgresql_where=sa.text("status IN ('open', 'in_progress')"),
    )
    op.drop_index("ix_plan_task_plan_id", table_name="plan_task")
    op.drop_table("plan_task")
    op.drop_index("ix_plan_order", table_name="plan")
    op.drop_table("plan")
