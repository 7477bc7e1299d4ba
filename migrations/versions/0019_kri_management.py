"""KRI management: a KRI's status (active | retired, who and when), version for optimistic
locking, who created and last changed it, and its source-system scope; `kri_versions` keeps
every saved definition; `outbox` holds notifications for the sender (notify/)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27 04:30:00

Backfill: existing KRIs are active at version 1, with a first version row describing them as
they are (changed by "migration").
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEW_COLUMNS = (
    "scope_source",
    "status",
    "retired_at",
    "retired_by",
    "version",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
)
_DEFINITION = (
    "risk_id",
    "name",
    "metric",
    "metric_param",
    "scope_region",
    "scope_segment",
    "scope_tier",
    "scope_source",
    "direction",
    "amber_threshold",
    "red_threshold",
    "status",
)


def upgrade() -> None:
    with op.batch_alter_table("kris") as batch:
        batch.add_column(sa.Column("scope_source", sa.String(12), nullable=True))
        batch.add_column(sa.Column("status", sa.String(8), nullable=False, server_default="active"))
        batch.add_column(sa.Column("retired_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("retired_by", sa.String(80), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("created_by", sa.String(80), nullable=True))
        batch.add_column(sa.Column("created_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("updated_by", sa.String(80), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
    op.create_table(
        "kri_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kri_id", sa.Integer(), sa.ForeignKey("kris.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        # define | edit | retire
        sa.Column("change", sa.String(8), nullable=False),
        sa.Column("changed_by", sa.String(80), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("metric_param", sa.String(60), nullable=True),
        sa.Column("scope_region", sa.String(20), nullable=True),
        sa.Column("scope_segment", sa.String(20), nullable=True),
        sa.Column("scope_tier", sa.String(12), nullable=True),
        sa.Column("scope_source", sa.String(12), nullable=True),
        sa.Column("direction", sa.String(12), nullable=False),
        sa.Column("amber_threshold", sa.Float(), nullable=False),
        sa.Column("red_threshold", sa.Float(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.UniqueConstraint("kri_id", "version"),
    )
    op.create_index("ix_kri_versions_kri_id", "kri_versions", ["kri_id"])
    kris = sa.table("kris", *(sa.column(c) for c in ("id", *_DEFINITION)))
    versions = sa.table(
        "kri_versions",
        *(sa.column(c) for c in ("kri_id", "version", "change", "changed_by", "changed_at")),
        *(sa.column(c) for c in _DEFINITION),
    )
    now = datetime.now()
    rows = [
        {
            "kri_id": r.id,
            "version": 1,
            "change": "define",
            "changed_by": "migration",
            "changed_at": now,
            **{c: getattr(r, c) for c in _DEFINITION},
        }
        for r in op.get_bind().execute(sa.select(kris))
    ]
    if rows:
        op.bulk_insert(versions, rows)
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        # email | webhook
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("recipient", sa.String(300), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False, unique=True),
        # pending | sent | failed
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_outbox_status", "outbox", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_status", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_kri_versions_kri_id", table_name="kri_versions")
    op.drop_table("kri_versions")
    with op.batch_alter_table("kris") as batch:
        for name in reversed(_NEW_COLUMNS):
            batch.drop_column(name)
