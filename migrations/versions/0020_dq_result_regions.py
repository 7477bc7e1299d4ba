"""dq_results.region: a check run's counts per region of the checked rows' customers, next to
the all-region row (region NULL) that equals their sum; and an index on customers
(source_system, region) from which a run counts a table's rows per source system and region

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27 04:40:00

Depends only on dq_results and customers (0001), so it can sit after any later revision.
Runs stored before it keep their rows with region NULL: they stay all-region scores, which a
region-scoped viewer does not see (their trend starts with the first run after it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dq_results") as batch:
        batch.add_column(sa.Column("region", sa.String(20), nullable=True))
    op.create_index("ix_customers_source_region", "customers", ["source_system", "region"])


def downgrade() -> None:
    op.drop_index("ix_customers_source_region", table_name="customers")
    # The region rows would read as extra all-region rows once the column is gone.
    op.execute(sa.text("DELETE FROM dq_results WHERE region IS NOT NULL"))
    with op.batch_alter_table("dq_results") as batch:
        batch.drop_column("region")
