"""Projects carry their approval date (立项), which the outcomes ledger records

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-05 16:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0046"
down_revision: str | None = "0045"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("project", sa.Column("approved_on", sa.Date(), nullable=True))
    # Projects approved before the date was kept: the earlier of their start and their record
    # (the closest the service knows); a terminated one may never have been approved.
    op.execute(
        "UPDATE project SET approved_on = least(start_on, CAST(created_at AS date))"
        " WHERE status IN ('approved', 'in_progress', 'completed', 'accepted')"
    )


def downgrade() -> None:
    op.drop_column("project", "approved_on")
