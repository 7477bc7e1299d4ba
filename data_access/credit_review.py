"""Credit warnings as customer lists: the customers whose latest credit score fell against
their previous review (with the drop), and the latest review of listed customers — what the
next-review date is counted from (analytics.actions.next_credit_review).

Reads the primary database (record lists: a page of customers at a time), scoped in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
from sqlalchemy import Connection, case, func, select

from data_access.churn import INVOICES, _outstanding, _unpaid, latest_two_reviews
from data_access.churn_basis import lost_on
from data_access.filters import Filters
from data_access.models import Customer
from data_access.pii import mask_frame
from data_access.scope import customer_conditions
from data_access.security import VIEW_RECORDS, Viewer

PAGE_SIZE = 50


def _as_date(values: pd.Series) -> pd.Series:
    """A DATE column as dates (SQLite returns max() of a date as text)."""
    return pd.to_datetime(values).dt.date


def falling_credit_customers(
    conn: Connection,
    viewer: Viewer,
    filters: Filters,
    at: date,
    page: int = 0,
    page_size: int = PAGE_SIZE,
) -> tuple[pd.DataFrame, int]:
    """One page of the viewer's active customers whose latest credit score is lower than the
    previous review's, largest drop first, and how many there are. Each row: the scores, the
    drop, the latest review's day, the credit limit and what is overdue on `at` (the amount
    at stake of a credit action). PII masked for the viewer."""
    if not viewer.can(VIEW_RECORDS):
        raise PermissionError("customer records")
    trend = latest_two_reviews(
        [lost_on(conn, filters).is_(None), *customer_conditions(viewer, filters)]
    )
    falling = trend.c.latest < trend.c.previous
    total = conn.execute(select(func.count()).select_from(trend).where(falling)).scalar_one()
    unpaid_due = (_unpaid(INVOICES), INVOICES.c.due_date < at)
    overdue = (
        select(func.coalesce(func.sum(_outstanding(INVOICES)), 0))
        .where(INVOICES.c.customer_id == Customer.id, *unpaid_due)
        .correlate(Customer)
        .scalar_subquery()
    )
    oldest = (
        select(func.min(INVOICES.c.due_date))
        .where(INVOICES.c.customer_id == Customer.id, *unpaid_due)
        .correlate(Customer)
        .scalar_subquery()
    )
    drop = (trend.c.previous - trend.c.latest).label("drop")
    stmt = (
        select(
            Customer.id,
            Customer.external_id.label("customer_id"),
            Customer.name.label("customer"),
            Customer.region,
            Customer.segment,
            Customer.tier,
            trend.c.previous.label("previous_score"),
            trend.c.latest.label("credit_score"),
            drop,
            trend.c.last_review,
            Customer.credit_limit,
            overdue.label("overdue"),
            oldest.label("oldest_due"),
        )
        .join(trend, trend.c.customer_id == Customer.id)
        .where(falling)
        .order_by(drop.desc(), Customer.id)
        .offset(max(0, page) * page_size)
        .limit(page_size)
    )
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    if frame.empty:
        return frame, int(total)
    frame["last_review"] = _as_date(frame["last_review"])
    frame["overdue"] = frame["overdue"].astype(float)
    frame["credit_limit"] = frame["credit_limit"].astype(float)
    oldest_due = pd.to_datetime(frame.pop("oldest_due"))
    frame["days_overdue"] = (pd.Timestamp(at) - oldest_due).dt.days
    return mask_frame(frame, viewer, {"customer": "name"}), int(total)


def latest_reviews(conn: Connection, viewer: Viewer, ids: Sequence[int]) -> pd.DataFrame:
    """For the listed customers (internal ids) of the viewer's scope: the latest review's day
    and whether its score fell against the previous one (`falling`)."""
    if not ids:
        return pd.DataFrame(columns=["id", "last_review", "falling"])
    trend = latest_two_reviews([Customer.id.in_(list(ids)), *customer_conditions(viewer)])
    stmt = select(
        trend.c.customer_id.label("id"),
        trend.c.last_review,
        case((trend.c.latest < trend.c.previous, True), else_=False).label("falling"),
    )
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    if not frame.empty:
        frame["last_review"] = _as_date(frame["last_review"])
        frame["falling"] = frame["falling"].astype(bool)
    return frame
