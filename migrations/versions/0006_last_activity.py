"""customers.last_activity_on: the day of the customer's latest invoice or order (signup when
none), kept by every write of invoices, so activity-based churn is one indexed column

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 11:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("last_activity_on", sa.Date(), nullable=True))
    op.create_index("ix_customers_last_activity", "customers", ["last_activity_on"])
    op.execute(
        "UPDATE customers SET last_activity_on = COALESCE("
        "(SELECT MAX(COALESCE(i.issued_on, i.period_month)) FROM invoices i"
        " WHERE i.customer_id = customers.id), signup_date)"
    )


def downgrade() -> None:
    op.drop_index("ix_customers_last_activity", table_name="customers")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("last_activity_on")
