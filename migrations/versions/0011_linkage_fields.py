"""customers: the fields record linkage needs — given and family name, date of birth,
address, postcode, city and a national ID — all optional, with indexes on the blocking keys
(family name + date of birth, postcode)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_FIELDS = (
    ("given_name", 80),
    ("family_name", 80),
    ("address_line", 200),
    ("postcode", 20),
    ("city", 80),
    ("national_id", 64),
)


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        for name, length in TEXT_FIELDS[:2]:
            batch.add_column(sa.Column(name, sa.String(length=length), nullable=True))
        batch.add_column(sa.Column("date_of_birth", sa.Date(), nullable=True))
        for name, length in TEXT_FIELDS[2:]:
            batch.add_column(sa.Column(name, sa.String(length=length), nullable=True))
    op.create_index("ix_customers_family_birth", "customers", ["family_name", "date_of_birth"])
    op.create_index("ix_customers_postcode", "customers", ["postcode"])


def downgrade() -> None:
    op.drop_index("ix_customers_postcode", table_name="customers")
    op.drop_index("ix_customers_family_birth", table_name="customers")
    with op.batch_alter_table("customers") as batch:
        for name, _length in reversed(TEXT_FIELDS):
            batch.drop_column(name)
        batch.drop_column("date_of_birth")
