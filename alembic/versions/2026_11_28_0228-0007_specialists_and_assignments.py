"""specialists and assignments

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 02:28:17.163577+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "specialist",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
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
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_specialist_user_id_app_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_specialist")),
        sa.UniqueConstraint("user_id", name=op.f("uq_specialist_user_id")),
    )
    op.create_table(
        "specialist_assignment",
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("specialist_id", sa.Uuid(), nullable=False),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_specialist_assignment_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["specialist_id"],
            ["specialist.id"],
            name=op.f("fk_specialist_assignment_specialist_id_specialist"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_specialist_assignment")),
    )
    op.create_index(
        "ix_specialist_assignment_enterprise",
        "specialist_assignment",
        ["enterprise_id", "assigned_on", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_specialist_assignment_specialist_id"),
        "specialist_assignment",
        ["specialist_id"],
        unique=False,
    )
    op.create_index(
        "uq_specialist_assignment_current",
        "specialist_assignment",
        ["enterprise_id"],
        unique=True,
        postgresql_where=sa.text("ended_on IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_specialist_assignment_current",
        table_name="specialist_assignment",
        postgresql_where=sa.text("ended_on IS NULL"),
    )
    op.drop_index(
        op.f("ix_specialist_assignment_specialist_id"), table_name="specialist_assignment"
    )
    op.drop_index("ix_specialist_assignment_enterprise", table_name="specialist_assignment")
    op.drop_table("specialist_assignment")
    op.drop_table("specialist")
