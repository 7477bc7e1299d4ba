"""customer_actions: what was done about a warning on a customer (a retention offer, a call,
a credit-limit change, a collection step), by whom and by when, and how it ended

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 01:40:00

Depends on nothing after 0013 (only `customers`), so it can sit after any later revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("amount_at_stake", sa.Numeric(14, 2), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("amount_recovered", sa.Numeric(14, 2), nullable=True),
        sa.Column("outcome_at", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_customer_actions_customer_id", "customer_actions", ["customer_id"])
    op.create_index("ix_customer_actions_status_due", "customer_actions", ["status", "due_date"])


def downgrade() -> None:
    op.drop_index("ix_customer_actions_status_due", table_name="customer_actions")
    op.drop_index("ix_customer_actions_customer_id", table_name="customer_actions")
    op.drop_table("customer_actions")
