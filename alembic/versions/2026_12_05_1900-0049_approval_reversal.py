"""A certified pool exit keeps the qualification it recorded, so withdrawing the approval
behind it can reinstate the membership (a new transition kind, `reinstatement`)

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-05 19:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0049"
down_revision: str | None = "0048"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("pool_member", sa.Column("qualification_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_pool_member_qualification_id_qualification"),
        "pool_member",
        "qualification",
        ["qualification_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_pool_member_qualification_id"), "pool_member", ["qualification_id"])
    op.drop_constraint(op.f("ck_pool_transition_kind_known"), "pool_transition")
    op.create_check_constraint(
        op.f("ck_pool_transition_kind_known"),
        "pool_transition",
        "kind IN ('entry', 'tier_change', 'exit', 'reinstatement')",
    )


def downgrade() -> None:
    op.execute("DELETE FROM pool_transition WHERE kind = 'reinstatement'")
    op.drop_constraint(op.f("ck_pool_transition_kind_known"), "pool_transition")
    op.create_check_constraint(
        op.f("ck_pool_transition_kind_known"),
        "pool_transition",
        "kind IN ('entry', 'tier_change', 'exit')",
    )
    op.drop_index(op.f("ix_pool_member_qualification_id"), "pool_member")
    op.drop_constraint(
        op.f("fk_pool_member_qualification_id_qualification"), "pool_member", type_="foreignkey"
    )
    op.drop_column("pool_member", "qualification_id")
