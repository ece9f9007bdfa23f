"""visits

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 02:37:08.456305+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visit",
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("specialist_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column(
            "policies_presented",
            postgresql.ARRAY(sa.String(length=200)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "resources_linked",
            postgresql.ARRAY(sa.String(length=200)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
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
            "channel IN ('onsite', 'phone', 'online')", name=op.f("ck_visit_channel_known")
        ),
        sa.CheckConstraint(
            "kind IN ('coverage', 'on_demand', 'follow_up')", name=op.f("ck_visit_kind_known")
        ),
        sa.CheckConstraint(
            "cardinality(specialist_ids) >= 1", name=op.f("ck_visit_has_specialist")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_visit_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit")),
    )
    op.create_index(
        "ix_visit_enterprise_visited", "visit", ["enterprise_id", "visited_at"], unique=False
    )
    op.create_index(
        "ix_visit_specialist_ids", "visit", ["specialist_ids"], unique=False, postgresql_using="gin"
    )
    op.create_index("ix_visit_visited_at", "visit", ["visited_at", "id"], unique=False)
    op.add_column("demand", sa.Column("visit_id", sa.Uuid(), nullable=True))
    op.create_index(op.f("ix_demand_visit_id"), "demand", ["visit_id"], unique=False)
    op.create_foreign_key(
        op.f("fk_demand_visit_id_visit"),
        "demand",
        "visit",
        ["visit_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_demand_visit_id_visit"), "demand", type_="foreignkey")
    op.drop_index(op.f("ix_demand_visit_id"), table_name="demand")
    op.drop_column("demand", "visit_id")
    op.drop_index("ix_visit_visited_at", table_name="visit")
    op.drop_index("ix_visit_specialist_ids", table_name="visit", postgresql_using="gin")
    op.drop_index("ix_visit_enterprise_visited", table_name="visit")
    op.drop_table("visit")
