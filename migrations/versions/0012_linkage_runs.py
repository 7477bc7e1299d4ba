"""linkage_runs, linkage_pairs and customer_merges: record-linkage runs with the candidate
duplicate pairs to review (what each field contributed, review status, version for stale
edits), and the audited, reversible merges of customers

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "linkage_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("run_by", sa.String(60), nullable=False),
        sa.Column("region_scope", sa.String(20), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("pairs_compared", sa.BigInteger(), nullable=False),
        sa.Column("pairs_stored", sa.Integer(), nullable=False),
        sa.Column("clusters", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("model_json", sa.Text(), nullable=True),
    )
    op.create_index("ix_linkage_runs_scope", "linkage_runs", ["region_scope", "id"])
    op.create_table(
        "linkage_pairs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("linkage_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("left_id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("contributions", sa.Text(), nullable=False),
        sa.Column("prior_weight", sa.Float(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reviewed_by", sa.String(60), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_index("ix_linkage_pairs_review", "linkage_pairs", ["run_id", "status", "probability"])
    op.create_table(
        "customer_merges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(20), nullable=True),
        sa.Column("merged_at", sa.DateTime(), nullable=False),
        sa.Column("merged_by", sa.String(60), nullable=False),
        sa.Column("pair_id", sa.Integer(), sa.ForeignKey("linkage_pairs.id"), nullable=True),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by", sa.String(60), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_customer_merges_survivor", "customer_merges", ["survivor_id"])
    op.create_index("ix_customer_merges_merged", "customer_merges", ["merged_id"])
    op.create_index("ix_customer_merges_region", "customer_merges", ["region"])


def downgrade() -> None:
    op.drop_index("ix_customer_merges_region", table_name="customer_merges")
    op.drop_index("ix_customer_merges_merged", table_name="customer_merges")
    op.drop_index("ix_customer_merges_survivor", table_name="customer_merges")
    op.drop_table("customer_merges")
    op.drop_index("ix_linkage_pairs_review", table_name="linkage_pairs")
    op.drop_table("linkage_pairs")
    op.drop_index("ix_linkage_runs_scope", table_name="linkage_runs")
    op.drop_table("linkage_runs")
