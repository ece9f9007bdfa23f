"""Annual reports say how many class II IP items already supported a recognition

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-05 13:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Reports filed before said nothing of it: none counted as used, as the service read them.
    op.add_column(
        "annual_report",
        sa.Column("ip_class2_used", sa.Integer(), nullable=False, server_default="0"),
    )
    op.alter_column("annual_report", "ip_class2_used", server_default=None)
    op.create_check_constraint(
        op.f("ck_annual_report_ip_class2_used_owned"),
        "annual_report",
        "ip_class2_used >= 0 AND ip_class2_used <= ip_class2",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_annual_report_ip_class2_used_owned"), "annual_report")
    op.drop_column("annual_report", "ip_class2_used")
