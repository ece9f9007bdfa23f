"""enterprise search prefix indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 01:29:54.168662+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_enterprise_search_text_prefix",
        "enterprise",
        ["search_text"],
        unique=False,
        postgresql_ops={"search_text": "text_pattern_ops"},
    )
    op.create_index("ix_enterprise_short_name", "enterprise", ["short_name"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_enterprise_short_name", table_name="enterprise")
    op.drop_index(
        "ix_enterprise_search_text_prefix",
        table_name="enterprise",
        postgresql_ops={"search_text": "text_pattern_ops"},
    )
