"""projects in the project pool

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 02:07:00.533919+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("pool_member", sa.Column("project_id", sa.Uuid(), nullable=True))
    # No project pool members could exist before: entering it was refused.
    op.create_check_constraint(
        op.f("ck_pool_member_project_iff_pool"),
        "pool_member",
        "(pool = 'project') = (project_id IS NOT NULL)",
    )
    # An enterprise may have several projects in the project pool at once.
    op.drop_index("uq_pool_member_active_enterprise", table_name="pool_member")
    op.create_index(
        "uq_pool_member_active_enterprise",
        "pool_member",
        ["pool", "enterprise_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active' AND project_id IS NULL"),
    )
    op.create_index(op.f("ix_pool_member_project_id"), "pool_member", ["project_id"], unique=False)
    op.create_index(
        "uq_pool_member_active_project",
        "pool_member",
        ["project_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active' AND project_id IS NOT NULL"),
    )
    op.create_foreign_key(
        op.f("fk_pool_member_project_id_project"),
        "pool_member",
        "project",
        ["project_id"],
        ["id"],
        ondelete="RESTRICT",
    )


def downgrade() -> None:
    op.execute(
        "DELETE FROM pool_transition WHERE member_id IN "
        "(SELECT id FROM pool_member WHERE pool = 'project')"
    )
    op.execute("DELETE FROM pool_member WHERE pool = 'project'")
    op.drop_index("uq_pool_member_active_enterprise", table_name="pool_member")
    op.create_index(
        "uq_pool_member_active_enterprise",
        "pool_member",
        ["pool", "enterprise_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.drop_constraint(op.f("ck_pool_member_project_iff_pool"), "pool_member", type_="check")
    op.drop_constraint(op.f("fk_pool_member_project_id_project"), "pool_member", type_="foreignkey")
    op.drop_index(
        "uq_pool_member_active_project",
        table_name="pool_member",
        postgresql_where=sa.text("status = 'active' AND project_id IS NOT NULL"),
    )
    op.drop_index(op.f("ix_pool_member_project_id"), table_name="pool_member")
    op.drop_column("pool_member", "project_id")
