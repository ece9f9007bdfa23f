"""Qualifications take the tech-based SME direct routes (a national S&T award, a recognised
R&D institution, a standard led) with their particulars

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-05 15:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0045"
down_revision: str | None = "0044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("hte", "sme", "national_st_award", "provincial_rd_institution", "led_standard")
LEVELS = ("international", "national", "ministerial", "provincial", "industry")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade() -> None:
    op.alter_column(
        "qualification", "kind", type_=sa.String(32), existing_type=sa.String(8), nullable=False
    )
    op.drop_constraint(op.f("ck_qualification_kind_known"), "qualification")
    op.create_check_constraint(
        op.f("ck_qualification_kind_known"), "qualification", f"kind IN ({_in(KINDS)})"
    )
    # A policy may ask for any of them.
    op.alter_column(
        "policy",
        "qualification_required",
        type_=sa.String(32),
        existing_type=sa.String(8),
        existing_nullable=True,
    )
    op.drop_constraint(op.f("ck_policy_qualification_known"), "policy")
    op.create_check_constraint(
        op.f("ck_policy_qualification_known"),
        "policy",
        f"qualification_required IS NULL OR qualification_required IN ({_in(KINDS)})",
    )
    op.add_column("qualification", sa.Column("award_rank", sa.Integer(), nullable=True))
    op.add_column("qualification", sa.Column("level", sa.String(16), nullable=True))
    op.create_check_constraint(
        op.f("ck_qualification_level_known"), "qualification", f"level IN ({_in(LEVELS)})"
    )
    op.create_check_constraint(
        op.f("ck_qualification_award_rank_first_three"),
        "qualification",
        "award_rank BETWEEN 1 AND 3",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_qualification_award_rank_first_three"), "qualification")
    op.drop_constraint(op.f("ck_qualification_level_known"), "qualification")
    op.drop_column("qualification", "level")
    op.drop_column("qualification", "award_rank")
    op.execute("DELETE FROM qualification WHERE kind NOT IN ('hte', 'sme')")
    op.execute(
        "UPDATE policy SET qualification_required = NULL"
        " WHERE qualification_required NOT IN ('hte', 'sme')"
    )
    op.drop_constraint(op.f("ck_policy_qualification_known"), "policy")
    op.create_check_constraint(
        op.f("ck_policy_qualification_known"),
        "policy",
        "qualification_required IS NULL OR qualification_required IN ('hte', 'sme')",
    )
    op.alter_column(
        "policy",
        "qualification_required",
        type_=sa.String(8),
        existing_type=sa.String(32),
        existing_nullable=True,
    )
    op.drop_constraint(op.f("ck_qualification_kind_known"), "qualification")
    op.create_check_constraint(
        op.f("ck_qualification_kind_known"), "qualification", "kind IN ('hte', 'sme')"
    )
    op.alter_column(
        "qualification", "kind", type_=sa.String(8), existing_type=sa.String(32), nullable=False
    )
