"""Enterprises carry the tech-based SME basic conditions: residence, restricted products, the
credit lists and how their income tax is collected

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-05 14:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0044"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # What nothing on record says otherwise: a resident, unlisted enterprise without
    # restricted products; how its tax is collected stays unknown until staff record it.
    op.add_column(
        "enterprise",
        sa.Column("resident_enterprise", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column(
        "enterprise",
        sa.Column("restricted_products", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "enterprise",
        sa.Column("credit_listed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("enterprise", sa.Column("tax_collection", sa.String(16), nullable=True))
    op.create_check_constraint(
        op.f("ck_enterprise_tax_collection_known"),
        "enterprise",
        "tax_collection IN ('audit', 'assessed')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_enterprise_tax_collection_known"), "enterprise")
    for column in ("tax_collection", "credit_listed", "restricted_products", "resident_enterprise"):
        op.drop_column("enterprise", column)
