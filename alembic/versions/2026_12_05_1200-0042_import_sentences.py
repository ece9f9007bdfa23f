"""Import errors and failures keep their sentence, worded in each reader's language

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-05 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows written before keep only their English text, which is what they are read as.
    op.add_column("import_error", sa.Column("sentence", postgresql.JSONB(), nullable=True))
    op.add_column("import_job", sa.Column("failure_sentence", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("import_job", "failure_sentence")
    op.drop_column("import_error", "sentence")
