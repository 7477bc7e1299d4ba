"""complaint cases: a complaint's stage (received → classified → investigating → resolved →
closed), owner, escalation reason, mediation, version for optimistic locking, the customer's
answer to the post-resolution satisfaction question, and the case timeline
(`complaint_case_events`)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 02:30:00

Backfill: a complaint already resolved is "closed" since its resolution time (no feedback was
asked for then: its answer stays empty); an open one is "received" since it was opened.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEW_COLUMNS = (
    "stage",
    "stage_since",
    "owner",
    "escalation_reason",
    "mediation",
    "version",
    "closed_at",
    "feedback",
    "feedback_score",
    "feedback_comment",
)


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(
            sa.Column("stage", sa.String(14), nullable=False, server_default="received")
        )
        batch.add_column(sa.Column("stage_since", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("owner", sa.String(80), nullable=True))
        batch.add_column(sa.Column("escalation_reason", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("mediation", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        # "answered" | "no_answer" once closed.
        batch.add_column(sa.Column("feedback", sa.String(10), nullable=True))
        batch.add_column(sa.Column("feedback_score", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("feedback_comment", sa.Text(), nullable=True))
    complaints = sa.table(
        "complaints",
        sa.column("stage", sa.String),
        sa.column("stage_since", sa.DateTime),
        sa.column("closed_at", sa.DateTime),
        sa.column("opened_at", sa.DateTime),
        sa.column("resolved_at", sa.DateTime),
    )
    op.execute(
        complaints.update()
        .where(complaints.c.resolved_at.is_not(None))
        .values(
            stage="closed",
            stage_since=complaints.c.resolved_at,
            closed_at=complaints.c.resolved_at,
        )
    )
    op.execute(
        complaints.update()
        .where(complaints.c.resolved_at.is_(None))
        .values(stage="received", stage_since=complaints.c.opened_at)
    )
    op.create_index("ix_complaints_stage", "complaints", ["stage"])
    op.create_table(
        "complaint_case_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("complaint_id", sa.Integer(), sa.ForeignKey("complaints.id"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by_user", sa.String(80), nullable=False),
        # advance | escalate | mediation | owner | note | close
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("from_stage", sa.String(14), nullable=True),
        sa.Column("to_stage", sa.String(14), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index(
        "ix_complaint_case_events_complaint", "complaint_case_events", ["complaint_id", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_complaint_case_events_complaint", table_name="complaint_case_events")
    op.drop_table("complaint_case_events")
    op.drop_index("ix_complaints_stage", table_name="complaints")
    with op.batch_alter_table("complaints") as batch:
        for name in reversed(_NEW_COLUMNS):
            batch.drop_column(name)
