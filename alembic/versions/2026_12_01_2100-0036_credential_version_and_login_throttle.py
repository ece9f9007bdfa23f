"""users carry a credential version (tokens name it); login failures carry the client address

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-01 21:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "app_user",
        sa.Column("credential_version", sa.Integer(), server_default="1", nullable=False),
    )
    # Failures are kept 15 minutes; those without an address cannot be attributed, so they go.
    op.execute("DELETE FROM login_failure")
    op.add_column("login_failure", sa.Column("address", sa.String(length=64), nullable=False))
    op.drop_index("ix_login_failure_email_failed_at", table_name="login_failure")
    op.create_index(
        "ix_login_failure_email_address_failed_at",
        "login_failure",
        ["email", "address", "failed_at"],
        unique=False,
    )
    op.create_index(
        "ix_login_failure_address_failed_at",
        "login_failure",
        ["address", "failed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_login_failure_address_failed_at", table_name="login_failure")
    op.drop_index("ix_login_failure_email_address_failed_at", table_name="login_failure")
    op.create_index(
        "ix_login_failure_email_failed_at", "login_failure", ["email", "failed_at"], unique=False
    )
    op.drop_column("login_failure", "address")
    op.drop_column("app_user", "credential_version")
