"""change feed follows achievements and ranking runs; scopes for activities and policies

Revision ID: 0033
Revises: 0032
Create Date: 2026-11-28 07:35:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRACKED = (("achievement", "achievement"), ("ranking_run", "ranking"))
# A key that could read an area gets the new scope of its neighbour, so no key loses sight of
# what it read before these scopes existed: visits → activities, outcomes → policies.
GRANTED = (("read:visits", "read:activities"), ("read:outcomes", "read:policies"))


def upgrade() -> None:
    for table, resource in TRACKED:
        op.execute(f"SELECT change_feed_track('{table}', '{resource}')")
    for held, granted in GRANTED:
        op.execute(
            sa.text(
                "UPDATE api_key SET scopes = array_append(scopes, CAST(:granted AS varchar)) "
                "WHERE CAST(:held AS varchar) = ANY(scopes) "
                "AND NOT CAST(:granted AS varchar) = ANY(scopes)"
            ).bindparams(held=held, granted=granted)
        )


def downgrade() -> None:
    for _, granted in GRANTED:
        op.execute(
            sa.text(
                "UPDATE api_key SET scopes = array_remove(scopes, CAST(:granted AS varchar))"
            ).bindparams(granted=granted)
        )
    for table, _ in TRACKED:
        op.execute(f"SELECT change_feed_untrack('{table}')")
