"""ranking runs count their entries' short boards by dimension

Revision ID: 0035
Revises: 0034
Create Date: 2026-11-28 07:55:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "ranking_run",
        sa.Column(
            "short_board_counts",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )
    # Runs computed before this revision: count from their stored entries.
    op.execute(
        """
        UPDATE ranking_run AS r SET short_board_counts = counted.counts
        FROM (
            SELECT run_id, jsonb_object_agg(short_board_dimension, n) AS counts
            FROM (
                SELECT run_id, short_board_dimension, count(*) AS n
                FROM ranking_entry GROUP BY run_id, short_board_dimension
            ) AS per_dimension
            GROUP BY run_id
        ) AS counted
        WHERE counted.run_id = r.id
        """
    )


def downgrade() -> None:
    op.drop_column("ranking_run", "short_board_counts")
