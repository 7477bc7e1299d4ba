"""incidents cite the response plan they followed: the version of the risk category's plan in
force when the incident was recorded

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-27 05:00:00

Backfill: an incident recorded before has no cited version (it stays empty: which version was
in force then is not known).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("response_plan_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("response_plan_version")
