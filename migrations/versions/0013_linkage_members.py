"""linkage_members: the resolved duplicate clusters of each linkage run, filled for the runs
already stored; the data-quality rule that counts a cluster's second records as duplicates

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 22:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULE_CODE = "CUS_NOT_DUPLICATE"


def upgrade() -> None:
    op.create_table(
        "linkage_members",
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("linkage_runs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("customer_id", sa.Integer(), primary_key=True),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
    )
    op.create_index("ix_linkage_members_customer", "linkage_members", ["customer_id", "run_id"])
    op.create_index("ix_linkage_members_cluster", "linkage_members", ["run_id", "cluster_id"])
    # Imported here, not at the top: the application's code as of this revision.
    from data_access.linkage_clusters import store_members
    from quality.rule_set import DEFAULT_RULES
    from quality.runs import seed_rules

    conn = op.get_bind()
    runs = conn.execute(sa.text("select id, threshold from linkage_runs")).all()
    for run_id, threshold in runs:
        store_members(conn, run_id, threshold)
    # An install that has its rules gets the new one; a new install seeds all rules later.
    if conn.execute(sa.text("select count(*) from dq_rules")).scalar_one():
        seed_rules(conn, [r for r in DEFAULT_RULES if r["code"] == RULE_CODE])


def downgrade() -> None:
    op.execute(
        sa.text(
            "delete from dq_results where rule_id in (select id from dq_rules where code = :c)"
        ).bindparams(c=RULE_CODE)
    )
    op.execute(sa.text("delete from dq_rules where code = :c").bindparams(c=RULE_CODE))
    op.drop_index("ix_linkage_members_cluster", table_name="linkage_members")
    op.drop_index("ix_linkage_members_customer", table_name="linkage_members")
    op.drop_table("linkage_members")
