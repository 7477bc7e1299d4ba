"""Aggregates behind the executive overview. All counting happens in SQL."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from sqlalchemy import Connection, Select, and_, func, or_, select

from data_access import churn, satisfaction
from data_access.filters import Filters, add_months, month_start
from data_access.models import (
    Complaint,
    Customer,
    Invoice,
    Risk,
    RiskAppetite,
    RiskAssessment,
    RiskReview,
)
from data_access.scope import customer_conditions, risk_conditions
from data_access.security import Viewer
from data_access.sql import month_bucket, sum_if


def latest_full_month(conn: Connection) -> date:
    """The newest month with invoices (the data's as-of month); last month if empty."""
    latest = conn.execute(select(func.max(Invoice.period_month))).scalar_one_or_none()
    if latest is None:
        return add_months(month_start(date.today()), -1)
    if isinstance(latest, str):  # SQLite returns max() of a DATE column as text
        latest = date.fromisoformat(latest)
    return month_start(latest)


def customer_count(conn: Connection, viewer: Viewer) -> int:
    """How many customers the viewer may see (0 on an empty install)."""
    return int(
        conn.execute(
            select(func.count(Customer.id)).where(*customer_conditions(viewer))
        ).scalar_one()
    )


def churn_by_month(conn: Connection, viewer: Viewer, filters: Filters) -> pd.DataFrame:
    """Per month of the period: customers active at the month's start and how many of them
    churned during it (one grouped scan of customers)."""
    return churn.churn_by_split(conn, viewer, filters).drop(columns="value")


def _nps_query(
    conn: Connection, viewer: Viewer, filters: Filters, by: str | None = None, monthly: bool = False
) -> Select:
    """n, promoters (9–10) and detractors (0–6) of NPS answers in the period, per month
    and/or per `by` (neither: one overall row), within the viewer's scope; on the analytical
    snapshot from its monthly summary of the answers."""
    summary = satisfaction.summarised(conn, None, (by,) if by else ())
    keys = []
    if monthly:
        day = satisfaction.answer_day(summary)
        keys.append(month_bucket(day, filters.month_starts).label("month"))
    if by:
        keys.append(satisfaction.answer_column(by, summary).label(by))
    counts = satisfaction.answer_stmt(
        viewer, filters, None, filters.start, filters.end_exclusive, *keys, summary=summary
    ).subquery()
    return select(
        *(counts.c[k.key] for k in keys),
        counts.c.n_nps.label("n"),
        counts.c.promoters,
        counts.c.detractors,
    ).order_by(*(counts.c[k.key] for k in keys))


def nps_counts(
    conn: Connection, viewer: Viewer, filters: Filters, by: str | None = None
) -> pd.DataFrame:
    """NPS answer counts in the period, overall or per `by` ∈ {region, segment, tier,
    channel} (an allow-list: the grouping column never comes from user text)."""
    if by not in (None, "region", "segment", "tier", "channel"):
        raise ValueError(f"cannot group NPS by {by!r}")
    columns = [*([by] if by else []), "n", "promoters", "detractors"]
    rows = conn.execute(_nps_query(conn, viewer, filters, by)).all()
    frame = pd.DataFrame(rows, columns=columns)
    frame[["n", "promoters", "detractors"]] = frame[["n", "promoters", "detractors"]].astype(
        "int64"
    )
    return frame


def nps_by_month(conn: Connection, viewer: Viewer, filters: Filters) -> pd.DataFrame:
    """NPS answer counts for each month of the period (one grouped query; empty months 0)."""
    found = {r.month: r for r in conn.execute(_nps_query(conn, viewer, filters, monthly=True))}
    rows = []
    for m in filters.month_starts:
        r = found.get(m.isoformat())
        counts = (int(r.n), int(r.promoters), int(r.detractors)) if r else (0, 0, 0)
        rows.append(dict(zip(("month", "n", "promoters", "detractors"), (m, *counts), strict=True)))
    return pd.DataFrame(rows)


def complaint_sla_counts(
    conn: Connection, viewer: Viewer, filters: Filters, at: datetime
) -> tuple[int, int]:
    """(complaints opened in the period, of which breached the resolution SLA by `at`)."""
    breached = or_(
        Complaint.resolved_at > Complaint.resolution_due_at,
        and_(Complaint.resolved_at.is_(None), Complaint.resolution_due_at < at),
    )
    row = conn.execute(
        select(func.count(Complaint.id), sum_if(breached))
        .join(Customer, Customer.id == Complaint.customer_id)
        .where(
            Complaint.opened_at >= datetime.combine(filters.start, datetime.min.time()),
            Complaint.opened_at < datetime.combine(filters.end_exclusive, datetime.min.time()),
            *customer_conditions(viewer, filters),
        )
    ).one()
    return int(row[0]), int(row[1])


def risk_snapshot(conn: Connection, viewer: Viewer, filters: Filters, at: datetime) -> pd.DataFrame:
    """Open risks as they stood at `at`: the current assessment and the review due date valid
    then, and the category's appetite (levels and flags: analytics.risk.annotate)."""
    latest_assessment = (
        select(
            RiskAssessment.risk_id,
            RiskAssessment.likelihood,
            RiskAssessment.impact,
            func.row_number()
            .over(
                partition_by=RiskAssessment.risk_id,
                order_by=(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc()),
            )
            .label("rn"),
        )
        .where(RiskAssessment.kind == "current", RiskAssessment.assessed_at <= at)
        .subquery()
    )
    latest_review = (
        select(
            RiskReview.risk_id,
            RiskReview.next_review_date,
            func.row_number()
            .over(
                partition_by=RiskReview.risk_id,
                order_by=(RiskReview.reviewed_at.desc(), RiskReview.id.desc()),
            )
            .label("rn"),
        )
        .where(RiskReview.reviewed_at <= at)
        .subquery()
    )
    stmt = (
        select(
            Risk.id,
            Risk.code,
            Risk.title,
            Risk.category,
            Risk.owner,
            Risk.region,
            Risk.status,
            latest_assessment.c.likelihood,
            latest_assessment.c.impact,
            latest_review.c.next_review_date,
            RiskAppetite.max_score.label("appetite"),
        )
        .join(
            latest_assessment,
            and_(latest_assessment.c.risk_id == Risk.id, latest_assessment.c.rn == 1),
        )
        .outerjoin(latest_review, and_(latest_review.c.risk_id == Risk.id, latest_review.c.rn == 1))
        .outerjoin(RiskAppetite, RiskAppetite.category == Risk.category)
        .where(
            Risk.created_at <= at,
            or_(Risk.closed_at.is_(None), Risk.closed_at > at),
            *risk_conditions(viewer, filters),
        )
        .order_by(Risk.code)
    )
    columns = [
        "id",
        "code",
        "title",
        "category",
        "owner",
        "region",
        "status",
        "likelihood",
        "impact",
        "next_review_date",
        "appetite",
    ]
    return pd.DataFrame(conn.execute(stmt).mappings().all(), columns=columns)
