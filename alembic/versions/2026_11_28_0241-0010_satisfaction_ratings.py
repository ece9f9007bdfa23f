"""satisfaction ratings

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 02:41:28.028160+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "satisfaction_rating",
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column("demand_id", sa.Uuid(), nullable=True),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column(
            "specialist_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False
        ),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_by", sa.Uuid(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(visit_id IS NULL) <> (demand_id IS NULL)",
            name=op.f("ck_satisfaction_rating_visit_or_demand"),
        ),
        sa.CheckConstraint(
            "score BETWEEN 1 AND 5", name=op.f("ck_satisfaction_rating_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"],
            ["demand.id"],
            name=op.f("fk_satisfaction_rating_demand_id_demand"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_satisfaction_rating_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visit.id"],
            name=op.f("fk_satisfaction_rating_visit_id_visit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_rating")),
        sa.UniqueConstraint("demand_id", name=op.f("uq_satisfaction_rating_demand_id")),
        sa.UniqueConstraint("visit_id", name=op.f("uq_satisfaction_rating_visit_id")),
    )
    op.create_index(
        op.f("ix_satisfaction_rating_enterprise_id"),
        "satisfaction_rating",
        ["enterprise_id"],
        unique=False,
    )
    op.create_index(
        "ix_satisfaction_rating_rated_at", "satisfaction_rating", ["rated_at", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_satisfaction_rating_rated_at", table_name="satisfaction_rating")
    op.drop_index(op.f("ix_satisfaction_rating_enterprise_id"), table_name="satisfaction_rating")
    op.drop_table("satisfaction_rating")
