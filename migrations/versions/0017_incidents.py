"""incidents: a risk that materialised, with its affected customers (`incident_customers`),
timeline (`incident_events`), breach notification duties (`incident_notifications`), and the
register actions it created (`risk_actions.incident_id`)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("risk_id", sa.Integer(), sa.ForeignKey("risks.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("is_data_breach", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("region", sa.String(20), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.Column("contained_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("lessons_learned", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_incidents_risk_id", "incidents", ["risk_id"])
    op.create_index("ix_incidents_status", "incidents", ["status"])
    op.create_table(
        "incident_customers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("incident_id", "customer_id", name="uq_incident_customer"),
    )
    op.create_index("ix_incident_customers_customer", "incident_customers", ["customer_id"])
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by_user", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_incident_events_incident", "incident_events", ["incident_id", "at"])
    op.create_table(
        "incident_notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("party", sa.String(10), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("met_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.UniqueConstraint("incident_id", "party", name="uq_incident_party"),
    )
    with op.batch_alter_table("risk_actions") as batch:
        batch.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_risk_actions_incident", "incidents", ["incident_id"], ["id"])
        batch.create_index("ix_risk_actions_incident_id", ["incident_id"])


def downgrade() -> None:
    with op.batch_alter_table("risk_actions") as batch:
        batch.drop_index("ix_risk_actions_incident_id")
        batch.drop_constraint("fk_risk_actions_incident", type_="foreignkey")
        batch.drop_column("incident_id")
    op.drop_table("incident_notifications")
    op.drop_index("ix_incident_events_incident", table_name="incident_events")
    op.drop_table("incident_events")
    op.drop_index("ix_incident_customers_customer", table_name="incident_customers")
    op.drop_table("incident_customers")
    op.drop_index("ix_incidents_status", table_name="incidents")
    op.drop_index("ix_incidents_risk_id", table_name="incidents")
    op.drop_table("incidents")
