"""churn_models and churn_scores: the churn model is fitted when the data changes (seed,
import) per region scope and churn definition, stored with its coefficients, AUC and fit
date, and every active customer scored in one SQL pass; pages read them instead of refitting

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 14:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "churn_models",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope_region", sa.String(40), nullable=True),
        sa.Column("churn_basis", sa.String(10), nullable=False),
        sa.Column("inactivity_days", sa.Integer(), nullable=False),
        sa.Column("scored_on", sa.Date(), nullable=False),
        sa.Column("trained_on", sa.Date(), nullable=False),
        sa.Column("fitted_at", sa.DateTime(), nullable=False),
        sa.Column("fitted_by", sa.String(60), nullable=False),
        sa.Column("model", sa.Text(), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_churn_models_key",
        "churn_models",
        ["scope_region", "churn_basis", "inactivity_days", "scored_on"],
    )
    op.create_table(
        "churn_scores",
        sa.Column(
            "model_id",
            sa.Integer(),
            sa.ForeignKey("churn_models.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("customer_id", sa.Integer(), primary_key=True),
        sa.Column("linear", sa.Float(), nullable=False),
        sa.Column("monthly_revenue", sa.Float(), nullable=False),
    )
    op.create_index("ix_churn_scores_rank", "churn_scores", ["model_id", "linear"])


def downgrade() -> None:
    op.drop_index("ix_churn_scores_rank", table_name="churn_scores")
    op.drop_table("churn_scores")
    op.drop_index("ix_churn_models_key", table_name="churn_models")
    op.drop_table("churn_models")
