"""customer_attributes: the columns of an organisation's customer file that the customers
table does not know, kept as name/value pairs when the importer is asked to keep them

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_attributes",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("customer_id", "name"),
    )
    op.create_index("ix_customer_attributes_name", "customer_attributes", ["name", "value"])


def downgrade() -> None:
    op.drop_index("ix_customer_attributes_name", table_name="customer_attributes")
    op.drop_table("customer_attributes")
