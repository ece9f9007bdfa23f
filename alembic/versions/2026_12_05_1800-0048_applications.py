"""application campaigns, applications, their transitions, checklists and coaching

The change feed follows campaigns and applications.

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-05 18:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0048"
down_revision: str | None = "0047"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRACKED = (("campaign", "campaign"), ("application", "application"))
# Keys that read the pools (and so the readiness assessments) read the applications, whose
# assessment snapshots come from them, as 0033 gave neighbouring areas' keys the new scopes.
GRANTED = (("read:pools", "read:applications"),)


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("batch", sa.String(length=50), nullable=True),
        sa.Column("project_level", sa.String(length=16), nullable=True),
        sa.Column("programme", sa.String(length=200), nullable=True),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("internal_deadline_on", sa.Date(), nullable=False),
        sa.Column("submission_deadline_on", sa.Date(), nullable=False),
        sa.Column("checklist_version", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "(kind = 'project') = (project_level IS NOT NULL)",
            name=op.f("ck_campaign_project_level_iff_project"),
        ),
        sa.CheckConstraint(
            "kind IN ('hte_recognition', 'sme_evaluation', 'project', 'little_giant', 'srdi_little_giant')",
            name=op.f("ck_campaign_kind_known"),
        ),
        sa.CheckConstraint(
            "project_level IS NULL OR project_level IN ('national', 'regional', 'city', 'district')",
            name=op.f("ck_campaign_project_level_known"),
        ),
        sa.CheckConstraint(
            "opens_on <= internal_deadline_on AND internal_deadline_on <= submission_deadline_on",
            name=op.f("ck_campaign_dates_in_order"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_index("ix_campaign_opens_on", "campaign", ["opens_on", "id"], unique=False)
    op.create_table(
        "application",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("specialist_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessment", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("tier_at_submission", sa.String(length=16), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("certificate_no", sa.String(length=100), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column(
            "rejection_reasons",
            postgresql.ARRAY(sa.String(length=500)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("achievement_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(
            "(status = 'approved') = (achievement_id IS NOT NULL)",
            name=op.f("ck_application_achievement_iff_approved"),
        ),
        sa.CheckConstraint(
            "level IS NULL OR level IN ('national', 'regional', 'city', 'district')",
            name=op.f("ck_application_level_known"),
        ),
        sa.CheckConstraint(
            "status IN ('preparing', 'submitted', 'under_review', 'publicized', 'approved', 'rejected', 'withdrawn')",
            name=op.f("ck_application_status_known"),
        ),
        sa.CheckConstraint(
            "tier_at_submission IS NULL OR tier_at_submission IN ('selected', 'cultivating', 'mature', 'applying')",
            name=op.f("ck_application_tier_known"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_application_campaign_id_campaign"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_application_enterprise_id_enterprise"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_application_project_id_project"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["specialist_id"],
            ["specialist.id"],
            name=op.f("fk_application_specialist_id_specialist"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application")),
        sa.UniqueConstraint(
            "campaign_id", "enterprise_id", name=op.f("uq_application_campaign_id_enterprise_id")
        ),
    )
    op.create_index("ix_application_created_at", "application", ["created_at", "id"], unique=False)
    op.create_index("ix_application_enterprise_id", "application", ["enterprise_id"], unique=False)
    op.create_index(
        op.f("ix_application_specialist_id"), "application", ["specialist_id"], unique=False
    )
    op.create_table(
        "application_checklist_item",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('missing', 'provided', 'checked', 'not_applicable')",
            name=op.f("ck_application_checklist_item_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_application_checklist_item_application_id_application"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_checklist_item")),
        sa.UniqueConstraint(
            "application_id", "code", name=op.f("uq_application_checklist_item_application_id_code")
        ),
    )
    op.create_index(
        "ix_application_checklist_item_position",
        "application_checklist_item",
        ["application_id", "position", "id"],
        unique=False,
    )
    op.create_table(
        "application_transition",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column(
            "reasons", postgresql.ARRAY(sa.String(length=500)), server_default="{}", nullable=False
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "to_status IN ('preparing', 'submitted', 'under_review', 'publicized', 'approved', 'rejected', 'withdrawn')",
            name=op.f("ck_application_transition_to_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_application_transition_application_id_application"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_transition")),
    )
    op.create_index(
        "ix_application_transition_application",
        "application_transition",
        ["application_id", "occurred_at", "id"],
        unique=False,
    )
    op.create_table(
        "coaching_session",
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("specialist_id", sa.Uuid(), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column(
            "topics", postgresql.ARRAY(sa.String(length=200)), server_default="{}", nullable=False
        ),
        sa.Column("next_step", sa.String(length=1000), nullable=True),
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "channel IN ('on_site', 'phone', 'online', 'office', 'other')",
            name=op.f("ck_coaching_session_channel_known"),
        ),
        sa.CheckConstraint("minutes > 0", name=op.f("ck_coaching_session_minutes_positive")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_coaching_session_application_id_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["specialist_id"],
            ["specialist.id"],
            name=op.f("fk_coaching_session_specialist_id_specialist"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visit.id"],
            name=op.f("fk_coaching_session_visit_id_visit"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coaching_session")),
    )
    op.create_index(
        "ix_coaching_session_application",
        "coaching_session",
        ["application_id", "held_at", "id"],
        unique=False,
    )
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
    op.drop_index("ix_coaching_session_application", table_name="coaching_session")
    op.drop_table("coaching_session")
    op.drop_index("ix_application_transition_application", table_name="application_transition")
    op.drop_table("application_transition")
    op.drop_index("ix_application_checklist_item_position", table_name="application_checklist_item")
    op.drop_table("application_checklist_item")
    op.drop_index(op.f("ix_application_specialist_id"), table_name="application")
    op.drop_index("ix_application_enterprise_id", table_name="application")
    op.drop_index("ix_application_created_at", table_name="application")
    op.drop_table("application")
    op.drop_index("ix_campaign_opens_on", table_name="campaign")
    op.drop_table("campaign")
