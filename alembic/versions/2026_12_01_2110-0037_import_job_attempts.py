"""import jobs count their runs and name the run that holds them

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-01 21:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("import_job", sa.Column("claim_id", sa.Uuid(), nullable=True))
    op.add_column(
        "import_job", sa.Column("attempts", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("import_job", sa.Column("last_error", sa.Text(), nullable=True))
    # A job running when this revision lands has had one run.
    op.execute("UPDATE import_job SET attempts = 1 WHERE status <> 'pending'")
    op.create_check_constraint(
        op.f("ck_import_job_attempts_not_negative"), "import_job", "attempts >= 0"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_import_job_attempts_not_negative"), "import_job", type_="check")
    op.drop_column("import_job", "last_error")
    op.drop_column("import_job", "attempts")
    op.drop_column("import_job", "claim_id")
