"""SQLAlchemy 2.0 typed models for the whole CRM-risk domain.

The schema is created only through Alembic (``migrations/``); these classes are the single
description of it. Codes (regions, tiers, categories…) live in ``data_access.codes``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


# --- customers and their signals -------------------------------------------------------------


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    company: Mapped[str | None] = mapped_column(String(160))
    position: Mapped[str | None] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(20))
    industry: Mapped[str | None] = mapped_column(String(40))
    segment: Mapped[str] = mapped_column(String(20))
    tier: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str | None] = mapped_column(String(20))
    lifecycle_stage: Mapped[str | None] = mapped_column(String(20))
    source_system: Mapped[str] = mapped_column(String(12))
    signup_date: Mapped[date] = mapped_column(Date)
    churn_date: Mapped[date | None] = mapped_column(Date)
    churn_reason: Mapped[str | None] = mapped_column(String(40))
    # Latest invoice/order day (signup when none): activity-based churn reads only this.
    last_activity_on: Mapped[date | None] = mapped_column(Date)
    contract_type: Mapped[str | None] = mapped_column(String(12))
    credit_score: Mapped[int | None] = mapped_column(Integer)
    credit_limit: Mapped[float | None] = mapped_column(Numeric(14, 2))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_date: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # What record linkage compares (all optional, all PII): the person's name in parts, birth
    # date, address and a national ID — kept as text, or as a keyed hash when the
    # organisation's `hash_national_id` setting is on.
    given_name: Mapped[str | None] = mapped_column(String(80))
    family_name: Mapped[str | None] = mapped_column(String(80))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    address_line: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(80))
    national_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_customers_scope", "region", "segment", "tier"),
        Index("ix_customers_signup", "signup_date"),
        Index("ix_customers_churn", "churn_date"),
        Index("ix_customers_last_activity", "last_activity_on"),
        Index("ix_customers_source", "source_system"),
        # Check runs count a table's rows per customer's source system and region from this
        # index alone (quality.rules._rows_per_group), without reading the customers.
        Index("ix_customers_source_region", "source_system", "region"),
        # Blocking keys for record linkage.
        Index("ix_customers_family_birth", "family_name", "date_of_birth"),
        Index("ix_customers_postcode", "postcode"),
    )


class CustomerAttribute(Base):
    """A column of the organisation's customer file that `customers` does not have (kept on
    import when asked): one row per customer and attribute name."""

    __tablename__ = "customer_attributes"
    __table_args__ = (Index("ix_customer_attributes_name", "name", "value"),)

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class CreditScoreHistory(Base):
    """Quarterly credit reviews, so a falling score can be seen."""

    __tablename__ = "credit_score_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    reviewed_on: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)
    credit_limit: Mapped[float] = mapped_column(Numeric(14, 2))


class CustomerAction(Base):
    """What was done about a warning on a customer (data_access.actions): a retention offer,
    a call, a credit-limit change or a collection step, and later its outcome."""

    __tablename__ = "customer_actions"
    __table_args__ = (Index("ix_customer_actions_status_due", "status", "due_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # actions.ACTION_KINDS
    source: Mapped[str] = mapped_column(String(16))  # the warning: actions.ACTION_SOURCES
    owner: Mapped[str] = mapped_column(String(80))
    due_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    amount_at_stake: Mapped[float] = mapped_column(Numeric(14, 2))
    status: Mapped[str] = mapped_column(String(8))  # open | done
    outcome: Mapped[str | None] = mapped_column(String(16))
    amount_recovered: Mapped[float | None] = mapped_column(Numeric(14, 2))
    outcome_at: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer)


class CustomerSourceRecord(Base):
    """The same customer as another system (ERP, billing, support) holds it, to see silos."""

    __tablename__ = "customer_source_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    source_system: Mapped[str] = mapped_column(String(12))
    name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    company: Mapped[str | None] = mapped_column(String(160))
    region: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("customer_id", "source_system"),)


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    period_month: Mapped[date] = mapped_column(Date)
    amount: Mapped[float] = mapped_column(Numeric(14, 2))
    due_date: Mapped[date] = mapped_column(Date)
    paid_date: Mapped[date | None] = mapped_column(Date)
    paid_amount: Mapped[float] = mapped_column(Numeric(14, 2), default=0)
    status: Mapped[str] = mapped_column(String(12))  # paid | open | overdue | written_off
    # The organisation's own invoice or order number (unique when given) and its date: a
    # transaction log imports as it is, several invoices per customer and month.
    invoice_number: Mapped[str | None] = mapped_column(String(40))
    issued_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        Index("ix_invoices_customer_month", "customer_id", "period_month"),
        Index("ix_invoices_month", "period_month"),
        Index("ix_invoices_number", "invoice_number", unique=True),
    )


class SurveyResponse(Base):
    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    responded_on: Mapped[date] = mapped_column(Date)
    touchpoint: Mapped[str] = mapped_column(String(20))
    nps: Mapped[int | None] = mapped_column(Integer)  # 0–10
    csat: Mapped[int | None] = mapped_column(Integer)  # 1–5
    ces: Mapped[int | None] = mapped_column(Integer)  # 1–7
    comment: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_survey_date", "responded_on"),
        Index("ix_survey_customer", "customer_id"),
    )


class Complaint(Base):
    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    category: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(20))
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    sla_hours: Mapped[int] = mapped_column(Integer)
    # Due times are stored, not derived in SQL, so breach checks are portable comparisons.
    first_response_due_at: Mapped[datetime] = mapped_column(DateTime)
    resolution_due_at: Mapped[datetime] = mapped_column(DateTime)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    # The case (data_access.complaint_cases): stage in COMPLAINT_STAGES since `stage_since`.
    stage: Mapped[str] = mapped_column(String(14), default="received", server_default="received")
    stage_since: Mapped[datetime | None] = mapped_column(DateTime)
    owner: Mapped[str | None] = mapped_column(String(80))
    escalation_reason: Mapped[str | None] = mapped_column(Text)
    mediation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The post-resolution question at closing: "answered" (score 1–5, comment) | "no_answer".
    feedback: Mapped[str | None] = mapped_column(String(10))
    feedback_score: Mapped[int | None] = mapped_column(Integer)
    feedback_comment: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_complaints_opened", "opened_at"),
        Index("ix_complaints_customer", "customer_id"),
        Index("ix_complaints_stage", "stage"),
    )


class ComplaintCaseEvent(Base):
    """One entry of a complaint case's timeline: a stage change, an escalation, mediation,
    an owner change, a note, the closing."""

    __tablename__ = "complaint_case_events"
    __table_args__ = (Index("ix_complaint_case_events_complaint", "complaint_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    by_user: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(12))
    from_stage: Mapped[str | None] = mapped_column(String(14))
    to_stage: Mapped[str | None] = mapped_column(String(14))
    note: Mapped[str] = mapped_column(Text)


# --- risk register ---------------------------------------------------------------------------


class Risk(Base):
    __tablename__ = "risks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(3))
    owner: Mapped[str] = mapped_column(String(80))
    region: Mapped[str | None] = mapped_column(String(20))  # None = all regions
    segment: Mapped[str | None] = mapped_column(String(20))
    tier: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(14))
    # Latest assessment per kind, denormalised for fast filtering; history in risk_assessments.
    inherent_likelihood: Mapped[int] = mapped_column(Integer)
    inherent_impact: Mapped[int] = mapped_column(Integer)
    current_likelihood: Mapped[int] = mapped_column(Integer)
    current_impact: Mapped[int] = mapped_column(Integer)
    target_likelihood: Mapped[int] = mapped_column(Integer)
    target_impact: Mapped[int] = mapped_column(Integer)
    treatment: Mapped[str | None] = mapped_column(String(10))
    next_review_date: Mapped[date | None] = mapped_column(Date)
    incident_note: Mapped[str | None] = mapped_column(Text)
    lessons_learned: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class RiskAssessment(Base):
    __tablename__ = "risk_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # inherent | current | target
    likelihood: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    assessed_by: Mapped[str] = mapped_column(String(80))
    assessed_at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)


class RiskTreatment(Base):
    __tablename__ = "risk_treatments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id"), index=True)
    strategy: Mapped[str] = mapped_column(String(10))  # Avoid | Mitigate | Transfer | Accept
    rationale: Mapped[str] = mapped_column(Text, default="")
    approver: Mapped[str | None] = mapped_column(String(80))
    acceptance_expiry: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str] = mapped_column(String(80))
    decided_at: Mapped[datetime] = mapped_column(DateTime)


class RiskAction(Base):
    __tablename__ = "risk_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(80))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))  # open | in_progress | done
    created_at: Mapped[datetime] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The incident that created the action (data_access.incidents); None for register actions.
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)


class RiskReview(Base):
    __tablename__ = "risk_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id"), index=True)
    reviewed_at: Mapped[datetime] = mapped_column(DateTime)
    reviewer: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")
    next_review_date: Mapped[date] = mapped_column(Date)


class RiskHistory(Base):
    """Field-level change log of a risk: who changed what, old → new."""

    __tablename__ = "risk_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    changed_by: Mapped[str] = mapped_column(String(80))
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


class Incident(Base):
    """A risk that materialised (data_access.incidents): severity, status open → contained →
    resolved → closed with its times, the lessons learned at closing. `region` is the risk's
    (None = all regions) and decides who may see and change the incident."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(10))  # low | medium | high | critical
    is_data_breach: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10))  # open | contained | resolved | closed
    region: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    detected_at: Mapped[datetime] = mapped_column(DateTime)
    contained_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    lessons_learned: Mapped[str | None] = mapped_column(Text)
    # The version of the risk category's response plan in force when the incident was
    # recorded (response_plan_versions), the plan it follows; None: the category had none.
    response_plan_version: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class IncidentCustomer(Base):
    """A customer affected by an incident; `source` says how the set was made: the filter
    used (JSON text) or "import"."""

    __tablename__ = "incident_customers"
    __table_args__ = (
        UniqueConstraint("incident_id", "customer_id", name="uq_incident_customer"),
        Index("ix_incident_customers_customer", "customer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    source: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(DateTime)


class IncidentEvent(Base):
    """One timeline entry: what happened, who was informed, a decision, a note."""

    __tablename__ = "incident_events"
    __table_args__ = (Index("ix_incident_events_incident", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    by_user: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(10))  # happened | informed | decision | note
    text: Mapped[str] = mapped_column(Text)


class IncidentNotification(Base):
    """A data breach's duty to notify a party (customers, regulator) by a deadline computed
    from the detection time and the organisation's hours for that party."""

    __tablename__ = "incident_notifications"
    __table_args__ = (UniqueConstraint("incident_id", "party", name="uq_incident_party"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    party: Mapped[str] = mapped_column(String(10))  # customers | regulator
    deadline: Mapped[datetime] = mapped_column(DateTime)
    met_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)


class RiskAppetite(Base):
    __tablename__ = "risk_appetite"

    category: Mapped[str] = mapped_column(String(3), primary_key=True)
    max_score: Mapped[int] = mapped_column(Integer)
    statement: Mapped[str] = mapped_column(Text, default="")


class ResponsePlan(Base):
    """The response plan of one risk category (organisation-wide, no region): who does what
    (`roles`), the ordered `steps` and the communication `templates`, each stored as JSON
    text (data_access.response_plans). Every saved version is kept in
    response_plan_versions, so an incident can cite the version it followed."""

    __tablename__ = "response_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(3), unique=True)
    roles: Mapped[str] = mapped_column(Text)  # [{"role": …, "duty": …}, …]
    steps: Mapped[str] = mapped_column(Text)  # ["first step", …] in order
    templates: Mapped[str] = mapped_column(Text)  # {"customer": …, "regulator": …, …}
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ResponsePlanVersion(Base):
    """A saved version of a response plan, as it was saved (the current one included)."""

    __tablename__ = "response_plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("response_plans.id"))
    version: Mapped[int] = mapped_column(Integer)
    roles: Mapped[str] = mapped_column(Text)
    steps: Mapped[str] = mapped_column(Text)
    templates: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[str] = mapped_column(String(80))
    saved_at: Mapped[datetime] = mapped_column(DateTime)


class ResponsePlanDrill(Base):
    """A drill (exercise) of a response plan: when, the result and what it found."""

    __tablename__ = "response_plan_drills"
    __table_args__ = (Index("ix_response_plan_drills_plan", "plan_id", "drilled_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("response_plans.id"))
    plan_version: Mapped[int] = mapped_column(Integer)  # the version in force when recorded
    drilled_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(8))  # passed | partly | failed
    findings: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class KeyRiskIndicator(Base):
    __tablename__ = "kris"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    metric: Mapped[str] = mapped_column(String(40))  # churn_rate | nps | csat | sla_breach | …
    scope_region: Mapped[str | None] = mapped_column(String(20))
    scope_segment: Mapped[str | None] = mapped_column(String(20))
    scope_tier: Mapped[str | None] = mapped_column(String(12))
    metric_param: Mapped[str | None] = mapped_column(String(60))  # e.g. a table for DQ score
    direction: Mapped[str] = mapped_column(String(12))  # higher_bad | lower_bad
    amber_threshold: Mapped[float] = mapped_column(Float)
    red_threshold: Mapped[float] = mapped_column(Float)
    # The customers' source system (customers.source_system); None = every source.
    scope_source: Mapped[str | None] = mapped_column(String(12))
    # active | retired: a retired KRI keeps its values but leaves states and attention.
    status: Mapped[str] = mapped_column(String(8), default="active", server_default="active")
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    retired_by: Mapped[str | None] = mapped_column(String(80))
    # Bumped by every change (data_access.kri_admin): an edit of an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class KriVersion(Base):
    """A KRI's definition as saved at each version (data_access.kri_admin), oldest first."""

    __tablename__ = "kri_versions"
    __table_args__ = (UniqueConstraint("kri_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kri_id: Mapped[int] = mapped_column(ForeignKey("kris.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(8))  # define | edit | retire
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    risk_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    metric: Mapped[str] = mapped_column(String(40))
    metric_param: Mapped[str | None] = mapped_column(String(60))
    scope_region: Mapped[str | None] = mapped_column(String(20))
    scope_segment: Mapped[str | None] = mapped_column(String(20))
    scope_tier: Mapped[str | None] = mapped_column(String(12))
    scope_source: Mapped[str | None] = mapped_column(String(12))
    direction: Mapped[str] = mapped_column(String(12))
    amber_threshold: Mapped[float] = mapped_column(Float)
    red_threshold: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(8))


class OutboxMessage(Base):
    """A notification waiting for its sender (notify/): one row per recipient, never enqueued
    twice for the same event (dedupe_key)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(String(8))  # email | webhook
    recipient: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(8))  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class KriValue(Base):
    __tablename__ = "kri_values"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kri_id: Mapped[int] = mapped_column(ForeignKey("kris.id"), index=True)
    period_month: Mapped[date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(12))  # green | amber | red | insufficient
    computed_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("kri_id", "period_month"),)


class ChurnModelFit(Base):
    """A churn model fitted when the data changed, for one region scope (NULL = all regions)
    and churn definition, with the day its customers are scored as of. Pages read the newest
    fit and its scores (`ChurnScore`) instead of refitting."""

    __tablename__ = "churn_models"
    __table_args__ = (
        Index("ix_churn_models_key", "scope_region", "churn_basis", "inactivity_days", "scored_on"),
        {"sqlite_autoincrement": True},  # a refit never reuses the id a cached view holds
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope_region: Mapped[str | None] = mapped_column(String(40))
    churn_basis: Mapped[str] = mapped_column(String(10))
    inactivity_days: Mapped[int] = mapped_column(Integer)  # 0 on the contract basis
    scored_on: Mapped[date] = mapped_column(Date)  # customers active on this day are scored
    trained_on: Mapped[date] = mapped_column(Date)  # features as of it, churn in the months after
    fitted_at: Mapped[datetime] = mapped_column(DateTime)
    fitted_by: Mapped[str] = mapped_column(String(60))
    model: Mapped[str | None] = mapped_column(Text)  # JSON; NULL = too little data to fit


class ChurnScore(Base):
    """One customer's linear predictor (log-odds of churning) under a stored model, and the
    last full month's revenue it was scored with: the at-risk list is a sorted read."""

    __tablename__ = "churn_scores"
    __table_args__ = (Index("ix_churn_scores_rank", "model_id", "linear"),)

    model_id: Mapped[int] = mapped_column(
        ForeignKey("churn_models.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    linear: Mapped[float] = mapped_column(Float)
    monthly_revenue: Mapped[float] = mapped_column(Float)


# --- data quality ----------------------------------------------------------------------------


class DqRule(Base):
    __tablename__ = "dq_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    table_name: Mapped[str] = mapped_column(String(40))
    column_name: Mapped[str | None] = mapped_column(String(40))
    dimension: Mapped[str] = mapped_column(String(14))
    rule_type: Mapped[str] = mapped_column(String(20))
    params: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    threshold: Mapped[float] = mapped_column(Float, default=0.95)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DqRun(Base):
    __tablename__ = "dq_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    triggered_by: Mapped[str] = mapped_column(String(80))


class DqResult(Base):
    __tablename__ = "dq_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("dq_runs.id"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("dq_rules.id"), index=True)
    source_system: Mapped[str] = mapped_column(String(12))
    # The region of the checked rows' customers; NULL = every region (the sum of the others).
    region: Mapped[str | None] = mapped_column(String(20))
    checked: Mapped[int] = mapped_column(Integer)
    passed: Mapped[int] = mapped_column(Integer)


# --- users, settings and audit ---------------------------------------------------------------


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    region_scope: Mapped[str | None] = mapped_column(String(20))  # None = all regions
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Bumped by every administrator change: a change made on an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Bumped on logout, password reset, deactivation and role or scope change: a login
    # (cookie or live session) carrying an older value is ended.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Set for an account created with a one-time password: the next login must replace it.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # The UI language the user last chose (en, zh); None until they choose one.
    language: Mapped[str | None] = mapped_column(String(5))


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # JSON


class AuditLog(Base):
    """Append-only: the migration installs triggers that refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str | None] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(60))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON


# --- importer --------------------------------------------------------------------------------


class ImportMapping(Base):
    """A user's mapping of a file's header to a table's columns, saved under a name so the
    same export imports without renaming its columns again."""

    __tablename__ = "import_mappings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    table_name: Mapped[str] = mapped_column(String(40))
    # JSON: {file header cell: table column, "skip" or "attribute"}
    mapping: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(60))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # Bumped by every save: a save made on an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __table_args__ = (UniqueConstraint("table_name", "name", name="uq_import_mappings_name"),)


class SavedDeck(Base):
    """A presentation deck saved under a name: its slides (page url paths, in order) and the
    filters and language of the link it was saved from; anyone who may present opens it by
    link (`?deck=<name>`)."""

    __tablename__ = "saved_decks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    slides: Mapped[str] = mapped_column(Text)  # JSON: ["overview", "churn", ...]
    params: Mapped[str] = mapped_column(Text)  # JSON: {"region": "East", "lang": "zh", ...}
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("name", name="uq_saved_decks_name"),)


# --- reference data --------------------------------------------------------------------------


class CodeValue(Base):
    """One code of an organisation's code list (regions, segments, tiers, channels...), edited
    by an administrator. A retired code (active false) is refused in new data; stored rows
    that carry it stay readable."""

    __tablename__ = "code_values"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_name: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(40))
    label_en: Mapped[str] = mapped_column(String(120))
    label_zh: Mapped[str | None] = mapped_column(String(120))
    sort_order: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Bumped by every change: a change made on an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __table_args__ = (UniqueConstraint("list_name", "code", name="uq_code_values_code"),)


# --- record linkage --------------------------------------------------------------------------


class LinkageRun(Base):
    """One record-linkage run over a region scope's customers (NULL = all regions): its
    counts, timing and the estimated model (Splink settings JSON; NULL when nothing could be
    compared)."""

    __tablename__ = "linkage_runs"
    __table_args__ = (Index("ix_linkage_runs_scope", "region_scope", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime] = mapped_column(DateTime)
    run_by: Mapped[str] = mapped_column(String(60))
    region_scope: Mapped[str | None] = mapped_column(String(20))
    threshold: Mapped[float] = mapped_column(Float)
    records: Mapped[int] = mapped_column(Integer)
    pairs_compared: Mapped[int] = mapped_column(BigInteger)
    pairs_stored: Mapped[int] = mapped_column(Integer)
    clusters: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    model_json: Mapped[str | None] = mapped_column(Text)


class LinkagePair(Base):
    """A candidate duplicate pair of a run (left_id < right_id, customer ids; no foreign key:
    a merge deletes one of them) with what each field contributed, and its review."""

    __tablename__ = "linkage_pairs"
    __table_args__ = (Index("ix_linkage_pairs_review", "run_id", "status", "probability"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("linkage_runs.id", ondelete="CASCADE"))
    left_id: Mapped[int] = mapped_column(Integer)
    right_id: Mapped[int] = mapped_column(Integer)
    match_weight: Mapped[float] = mapped_column(Float)
    probability: Mapped[float] = mapped_column(Float)
    # JSON: [{field, left, right, level, weight}] in the model's field order
    contributions: Mapped[str] = mapped_column(Text)
    prior_weight: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10))  # open | confirmed | rejected | merged
    reviewed_by: Mapped[str | None] = mapped_column(String(60))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Bumped by every review: a review made on an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class LinkageMember(Base):
    """A customer of a resolved duplicate cluster of a run: the connected components of its
    pairs at the run's threshold, rejected pairs left out (`cluster_id` = the smallest
    customer id of the cluster). Kept current as pairs are reviewed; the uniqueness rule and
    the silo view read it."""

    __tablename__ = "linkage_members"
    __table_args__ = (
        Index("ix_linkage_members_customer", "customer_id", "run_id"),
        Index("ix_linkage_members_cluster", "run_id", "cluster_id"),
    )

    run_id: Mapped[int] = mapped_column(
        ForeignKey("linkage_runs.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(Integer)


class CustomerMerge(Base):
    """A merge of one customer (merged_id, deleted) into another (survivor_id). `detail`
    (JSON) holds what undoing it needs: the deleted row, the survivor's values before, the ids
    of the child rows moved and the child rows deleted."""

    __tablename__ = "customer_merges"
    __table_args__ = (
        Index("ix_customer_merges_survivor", "survivor_id"),
        Index("ix_customer_merges_merged", "merged_id"),
        Index("ix_customer_merges_region", "region"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survivor_id: Mapped[int] = mapped_column(Integer)
    merged_id: Mapped[int] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(20))  # the survivor's, at the merge
    merged_at: Mapped[datetime] = mapped_column(DateTime)
    merged_by: Mapped[str] = mapped_column(String(60))
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("linkage_pairs.id"))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)
    undone_by: Mapped[str | None] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text)
