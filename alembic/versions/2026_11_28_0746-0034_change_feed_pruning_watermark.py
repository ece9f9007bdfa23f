"""change feed pruning: the watermark of what was pruned, and an index to find it

Revision ID: 0034
Revises: 0033
Create Date: 2026-11-28 07:46:48.852152+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_feed_pruned",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_change_feed_pruned_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_feed_pruned")),
    )
    op.create_index("ix_change_event_changed_at", "change_event", ["changed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_change_event_changed_at", table_name="change_event")
    op.drop_table("change_feed_pruned")
