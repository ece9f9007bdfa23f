"""outcomes ledger

Revision ID: 0020
Revises: 0010
Create Date: 2026-11-28 06:58:08.331332+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0020"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "achievement",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("achieved_on", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("qualification_id", sa.Uuid(), nullable=True),
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
            "(kind = 'competition_award') = (grade IS NOT NULL)",
            name=op.f("ck_achievement_grade_iff_award"),
        ),
        sa.CheckConstraint(
            "kind IN ('competition_award', 'funding_awarded', 'ip_pledge_loan', 'project_approved') OR amount IS NULL",
            name=op.f("ck_achievement_amount_allowed"),
        ),
        sa.CheckConstraint(
            "kind IN ('hte_certified', 'sme_registered', 'little_giant', 'srdi_little_giant', 'project_approved', 'funding_awarded', 'competition_award', 'first_of_kind_product', 'ip_pledge_loan')",
            name=op.f("ck_achievement_kind_known"),
        ),
        sa.CheckConstraint(
            "kind NOT IN ('funding_awarded', 'ip_pledge_loan') OR amount IS NOT NULL",
            name=op.f("ck_achievement_amount_required"),
        ),
        sa.CheckConstraint(
            "level IS NULL OR level IN ('national', 'regional', 'city', 'district')",
            name=op.f("ck_achievement_level_known"),
        ),
        sa.CheckConstraint(
            "amount IS NULL OR amount >= 0", name=op.f("ck_achievement_amount_not_negative")
        ),
        sa.CheckConstraint(
            "grade IS NULL OR grade BETWEEN 1 AND 3", name=op.f("ck_achievement_grade_range")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_achievement_enterprise_id_enterprise"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["qualification_id"],
            ["qualification.id"],
            name=op.f("fk_achievement_qualification_id_qualification"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievement")),
    )
    op.create_index("ix_achievement_achieved", "achievement", ["achieved_on", "id"], unique=False)
    op.create_index(
        op.f("ix_achievement_enterprise_id"), "achievement", ["enterprise_id"], unique=False
    )
    op.create_index(
        "ix_achievement_kind_achieved", "achievement", ["kind", "achieved_on"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_achievement_kind_achieved", table_name="achievement")
    op.drop_index(op.f("ix_achievement_enterprise_id"), table_name="achievement")
    op.drop_index("ix_achievement_achieved", table_name="achievement")
    op.drop_table("achievement")
