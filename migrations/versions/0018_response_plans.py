"""response plans per risk category: roles, ordered steps and communication templates with a
version for optimistic locking (`response_plans`), every saved version kept
(`response_plan_versions`) so an incident can cite the one it followed, and the plans' drills
with their result (`response_plan_drills`)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "response_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("category", sa.String(3), nullable=False, unique=True),
        # JSON text: roles [{role, duty}], steps [text], templates {kind: text}
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("steps", sa.Text(), nullable=False),
        sa.Column("templates", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "response_plan_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("response_plans.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("steps", sa.Text(), nullable=False),
        sa.Column("templates", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(80), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("plan_id", "version"),
    )
    op.create_table(
        "response_plan_drills",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("response_plans.id"), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("drilled_on", sa.Date(), nullable=False),
        # passed | partly | failed
        sa.Column("result", sa.String(8), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_response_plan_drills_plan", "response_plan_drills", ["plan_id", "drilled_on"]
    )


def downgrade() -> None:
    op.drop_index("ix_response_plan_drills_plan", table_name="response_plan_drills")
    op.drop_table("response_plan_drills")
    op.drop_table("response_plan_versions")
    op.drop_table("response_plans")
