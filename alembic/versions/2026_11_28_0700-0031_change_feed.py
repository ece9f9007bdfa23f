"""change feed

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-28 07:00:05.077087+00:00

One table written by one generic trigger function. `change_feed_track(table, resource)`
attaches it to a table (three statement-level triggers, so that bulk statements such as the
alert sweep's unnest UPDATE cost one INSERT ... SELECT) and records the rows already there, so
a consumer reading the feed from the start sees every row. Each change carries its writing
transaction's id: the reader serves only transactions older than its snapshot's xmin.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRACKED = (
    ("enterprise", "enterprise"),
    ("annual_report", "annual_report"),
    ("pool_member", "pool_member"),
    ("project", "project"),
    ("visit", "visit"),
    ("demand", "demand"),
)

CAPTURE = """
CREATE FUNCTION change_feed_capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- TG_ARGV[0] is the feed's resource name. `version` is read through jsonb so that a
    -- table without one can be followed too.
    IF TG_OP = 'DELETE' THEN
        INSERT INTO change_event (xid, resource, resource_id, operation, version)
        SELECT pg_current_xact_id()::text::bigint, TG_ARGV[0], o.id, 'delete',
               (to_jsonb(o) ->> 'version')::int
        FROM old_rows AS o;
    ELSE
        INSERT INTO change_event (xid, resource, resource_id, operation, version)
        SELECT pg_current_xact_id()::text::bigint, TG_ARGV[0], n.id, lower(TG_OP),
               (to_jsonb(n) ->> 'version')::int
        FROM new_rows AS n;
    END IF;
    RETURN NULL;
END $$
"""

TRACK = """
CREATE FUNCTION change_feed_track(target regclass, resource text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- PostgreSQL allows transition tables only on single-event triggers: one per event.
    EXECUTE format('CREATE TRIGGER change_feed_insert AFTER INSERT ON %s '
        'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT '
        'EXECUTE FUNCTION change_feed_capture(%L)', target, resource);
    EXECUTE format('CREATE TRIGGER change_feed_update AFTER UPDATE ON %s '
        'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT '
        'EXECUTE FUNCTION change_feed_capture(%L)', target, resource);
    EXECUTE format('CREATE TRIGGER change_feed_delete AFTER DELETE ON %s '
        'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT '
        'EXECUTE FUNCTION change_feed_capture(%L)', target, resource);
    EXECUTE format('INSERT INTO change_event (xid, resource, resource_id, operation, version) '
        'SELECT pg_current_xact_id()::text::bigint, %L, t.id, ''insert'', '
        '(to_jsonb(t) ->> ''version'')::int FROM %s AS t', resource, target);
END $$
"""

UNTRACK = """
CREATE FUNCTION change_feed_untrack(target regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS change_feed_insert ON %s', target);
    EXECUTE format('DROP TRIGGER IF EXISTS change_feed_update ON %s', target);
    EXECUTE format('DROP TRIGGER IF EXISTS change_feed_delete ON %s', target);
END $$
"""


def upgrade() -> None:
    op.create_table(
        "change_event",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=False),
        sa.Column("resource", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.Uuid(), nullable=False),
        sa.Column("operation", sa.String(length=6), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "operation IN ('insert', 'update', 'delete')",
            name=op.f("ck_change_event_operation_known"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_event")),
    )
    op.create_index("ix_change_event_xid_seq", "change_event", ["xid", "seq"], unique=False)
    op.execute(CAPTURE)
    op.execute(TRACK)
    op.execute(UNTRACK)
    for table, resource in TRACKED:
        op.execute(f"SELECT change_feed_track('{table}', '{resource}')")


def downgrade() -> None:
    for table, _ in TRACKED:
        op.execute(f"SELECT change_feed_untrack('{table}')")
    op.execute("DROP FUNCTION change_feed_untrack(regclass)")
    op.execute("DROP FUNCTION change_feed_track(regclass, text)")
    op.execute("DROP FUNCTION change_feed_capture()")
    op.drop_index("ix_change_event_xid_seq", table_name="change_event")
    op.drop_table("change_event")
