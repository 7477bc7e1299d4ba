"""invoices: the invoice (or order) number and its date, so transactions import as they are
(several per customer and month), keyed by their own number

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 11:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("invoice_number", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("issued_on", sa.Date(), nullable=True))
    op.create_index("ix_invoices_number", "invoices", ["invoice_number"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_invoices_number", table_name="invoices")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("issued_on")
        batch.drop_column("invoice_number")
