"""imports take xlsx workbooks

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-05 10:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Named as the naming convention names it: create_check_constraint adds the prefix again.
CONSTRAINT = "format_known"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_import_job_format_known"), "import_job", type_="check")
    op.create_check_constraint(CONSTRAINT, "import_job", "format IN ('ndjson', 'csv', 'xlsx')")


def downgrade() -> None:
    # A workbook's job cannot be described by the older constraint: it goes with the format.
    op.execute("DELETE FROM import_job WHERE format = 'xlsx'")
    op.drop_constraint(op.f("ck_import_job_format_known"), "import_job", type_="check")
    op.create_check_constraint(CONSTRAINT, "import_job", "format IN ('ndjson', 'csv')")
