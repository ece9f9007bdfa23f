"""api key scopes and rate limit

Revision ID: 0030
Revises: 0010
Create Date: 2026-11-28 06:59:00.000000+00:00

Scopes are enforced from here on: keys issued before get every read scope, so that no
integration breaks; administrators narrow them by issuing new keys.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0030"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READ_SCOPES = (
    "read:changes",
    "read:enterprises",
    "read:outcomes",
    "read:pools",
    "read:projects",
    "read:rankings",
    "read:visits",
)


def upgrade() -> None:
    op.create_table(
        "api_key_window",
        sa.Column("api_key_id", sa.Uuid(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_key.id"],
            name=op.f("fk_api_key_window_api_key_id_api_key"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("api_key_id", "window_start", name=op.f("pk_api_key_window")),
    )
    op.execute(
        sa.text(
            "UPDATE api_key SET scopes = ARRAY(SELECT DISTINCT s FROM "
            "unnest(scopes || CAST(:scopes AS varchar[])) AS s ORDER BY 1)"
        ).bindparams(scopes=list(READ_SCOPES))
    )


def downgrade() -> None:
    # The widened scopes stay: before this revision they were not enforced anyway.
    op.drop_table("api_key_window")
