"""customers: industry, channel, contract type and lifecycle stage are optional — a retailer
has no contracts, many organisations record no industry or channel

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 11:15:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPTIONAL = (("industry", 40), ("channel", 20), ("contract_type", 12), ("lifecycle_stage", 20))


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        for name, length in OPTIONAL:
            batch.alter_column(name, existing_type=sa.String(length=length), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        for name, length in OPTIONAL:
            batch.alter_column(name, existing_type=sa.String(length=length), nullable=False)
