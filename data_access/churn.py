"""Churn, retention and credit aggregates. Cohorts, trends, survival counts and credit aging
are grouped in SQL (one row per cohort × period, per month, per duration); only the churn
model and the ranked lists read one row per customer, and the lists one page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Float,
    FromClause,
    Integer,
    Select,
    Subquery,
    Table,
    and_,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    or_,
    select,
)

from data_access.churn_basis import lost_on
from data_access.filters import Filters, add_months, month_start
from data_access.models import (
    Complaint,
    CreditScoreHistory,
    Customer,
    CustomerAttribute,
    Invoice,
    SurveyResponse,
)
from data_access.pii import mask_frame
from data_access.satisfaction import (
    DIMENSION_CODES,
    NOT_GIVEN,
    dimension_column,
    is_attribute_dimension,
)
from data_access.scope import customer_conditions
from data_access.security import Viewer
from data_access.snapshot import COHORT_MONTHS, CREDIT_TREND, OPEN_INVOICES, REVENUE_MOVES
from data_access.sql import days_between, hours_between, sum_if

DAYS_PER_MONTH = 30.4375

# Dimensions the churn pages may split by, each with its code list: an allow-list of
# names, never user text in SQL; the values come from the data.
CHURN_DIMENSIONS: dict[str, str] = {
    **{d: DIMENSION_CODES[d] for d in ("region", "segment", "tier", "channel")},
    "contract_type": "contract_type",
}
COMPLAINT_WINDOW_DAYS = 90
# What a customer list shows of each customer (name masked for viewers without PII rights).
LISTED_CUSTOMER = (
    Customer.id,
    Customer.external_id.label("customer_id"),
    Customer.name.label("customer"),
    Customer.region,
    Customer.segment,
    Customer.tier,
    Customer.contract_type,
)
AGING_BUCKETS = (("1-30", 1, 30), ("31-60", 31, 60), ("61-90", 61, 90), (">90", 91, None))


def month_index(column: ColumnElement) -> ColumnElement[int]:
    """year * 12 + month - 1 of a date column (NULL stays NULL), the same on every dialect."""
    year = cast(extract("year", column), Integer)
    month = cast(extract("month", column), Integer)
    return year * 12 + month - 1


def index_of(month: date) -> int:
    return month.year * 12 + month.month - 1


def split_column(dimension: str) -> ColumnElement:
    """The customer column to split by; a field the organisation left empty (no contract
    for a retail customer) is its own group, "not_given", so nobody drops out of a split."""
    if is_attribute_dimension(dimension):
        return dimension_column(dimension)  # an imported attribute, "not_given" without one
    if dimension not in CHURN_DIMENSIONS:
        raise ValueError(f"cannot split by {dimension!r}")
    return func.coalesce(getattr(Customer, dimension), literal(NOT_GIVEN))


# --- cohorts ----------------------------------------------------------------------------------


def cohort_churn_counts(
    conn: Connection, viewer: Viewer, filters: Filters, cohorts: int = 12
) -> pd.DataFrame:
    """Customers per signup-month cohort (the `cohorts` months ending with the period) and the
    month index they churned in (NULL = still active): one row per cohort × churn month."""
    first = add_months(filters.end_month, -(cohorts - 1))
    cohort = month_index(Customer.signup_date).label("cohort")
    churned = month_index(lost_on(conn, filters)).label("churn_month")
    stmt = (
        select(cohort, churned, func.count(Customer.id).label("customers"))
        .where(
            Customer.signup_date >= first,
            Customer.signup_date < filters.end_exclusive,
            *customer_conditions(viewer, filters),
        )
        .group_by(cohort, churned)
    )
    frame = pd.DataFrame(conn.execute(stmt).all(), columns=["cohort", "churn_month", "customers"])
    return frame.astype({"cohort": "int64", "customers": "int64"})


def cohort_invoices(
    conn: Connection, viewer: Viewer, filters: Filters, cohorts: int = 12
) -> pd.DataFrame:
    """Per signup-month cohort and invoice month (one row per cell with any invoice): the
    amount invoiced (revenue retention) and how many of the cohort's customers had an
    invoice or order (activity retention). One grouped pass over the invoices."""
    first = add_months(filters.end_month, -(cohorts - 1))
    if conn.dialect.name == "duckdb":
        return _cohort_invoices_from_summary(viewer, filters, first, conn)
    cohort = month_index(Customer.signup_date).label("cohort")
    month = month_index(Invoice.period_month).label("month")
    stmt = (
        select(
            cohort,
            month,
            func.sum(Invoice.amount).label("revenue"),
            func.count(func.distinct(Invoice.customer_id)).label("active"),
        )
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(
            Customer.signup_date >= first,
            Customer.signup_date < filters.end_exclusive,
            *customer_conditions(viewer, filters),
        )
        .group_by(cohort, month)
    )
    return _cohort_frame(conn.execute(stmt).all())


def _cohort_frame(rows: list) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["cohort", "month", "revenue", "active"])
    return frame.astype(
        {"cohort": "int64", "month": "int64", "revenue": "float64", "active": "int64"}
    )


def _cohort_invoices_from_summary(
    viewer: Viewer, filters: Filters, first: date, conn: Connection
) -> pd.DataFrame:
    """`cohort_invoices` from the snapshot's cohort × month × slice summary."""
    cells = COHORT_MONTHS.c
    cohort = month_index(cells.signup_month).label("cohort")
    month = month_index(cells.month).label("month")
    stmt = (
        select(
            cohort,
            month,
            func.sum(cells.revenue).label("revenue"),
            func.sum(cells.active).label("active"),
        )
        .where(
            cells.signup_month >= first,
            cells.signup_month < filters.end_exclusive,
            *customer_conditions(viewer, filters, COHORT_MONTHS),
        )
        .group_by(cohort, month)
    )
    return _cohort_frame(conn.execute(stmt).all())


def cohort_customers(
    conn: Connection,
    viewer: Viewer,
    filters: Filters,
    start: date,
    end: date,
    churned_by: date | None,
    page: int = 0,
    page_size: int = 50,
) -> tuple[pd.DataFrame, int]:
    """Drill from a cohort cell: customers who signed up in [start, end) and churned before
    `churned_by` (None = all of the cohort), one page, PII masked for the viewer."""
    lost = lost_on(conn, filters)
    where = [
        Customer.signup_date >= start,
        Customer.signup_date < end,
        *customer_conditions(viewer, filters),
    ]
    if churned_by is not None:
        where.append(lost < churned_by)
    total = conn.execute(select(func.count(Customer.id)).where(*where)).scalar_one()
    stmt = (
        select(
            Customer.external_id.label("customer_id"),
            Customer.name.label("customer"),
            Customer.email,
            Customer.region,
            Customer.segment,
            Customer.tier,
            Customer.contract_type,
            Customer.signup_date,
            lost.label("churn_date"),
            Customer.churn_reason,
        )
        .where(*where)
        .order_by(lost.desc(), Customer.id)
        .limit(page_size)
        .offset(max(page, 0) * page_size)
    )
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    return mask_frame(frame, viewer, {"customer": "name", "email": "email"}), int(total)


# --- churn and revenue retention per month ----------------------------------------------------


def lifetime_counts(
    conn: Connection, viewer: Viewer, filters: Filters, by: str | None = None
) -> pd.DataFrame:
    """Customers per signup month × month lost (NULL = not lost) [× value of `by`], as month
    indexes: one grouped scan whose rows add up to any month's active and churned counts
    (`monthly_churn`), whatever the months asked for."""
    lost = month_index(lost_on(conn, filters)).label("lost")
    signup = month_index(Customer.signup_date).label("signup")
    keys = [signup, lost] if by is None else [split_column(by).label("value"), signup, lost]
    stmt = (
        select(*keys, func.count(Customer.id).label("customers"))
        .where(*customer_conditions(viewer, filters))
        .group_by(*keys)
    )
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    if by is None:
        frame.insert(0, "value", None)
    return frame


def without_split(counts: pd.DataFrame) -> pd.DataFrame:
    """`lifetime_counts` by a dimension added up over its values."""
    keys = ["signup", "lost"]
    total = counts.groupby(keys, dropna=False)["customers"].sum().reset_index()
    return total.assign(value=None)[["value", *keys, "customers"]]


def monthly_churn(counts: pd.DataFrame, months: list[date]) -> pd.DataFrame:
    """Per value and month: customers active at the month's start (signed up before it, not
    lost before it) and how many of them were lost during it, from `lifetime_counts`."""
    rows = []
    # No customers at all: every month counts zero (a split by a dimension has no values).
    groups = counts.groupby("value", dropna=False, sort=False) if len(counts) else [(None, counts)]
    for value, group in groups:
        signup = group["signup"].to_numpy(dtype=float)
        lost = pd.to_numeric(group["lost"]).to_numpy(dtype=float)  # NaN = not lost
        n = group["customers"].to_numpy(dtype="int64")
        for m in months:
            k = index_of(m)
            active = (signup < k) & (np.isnan(lost) | (lost >= k))
            rows.append(
                {
                    "value": None if pd.isna(value) else value,
                    "month": m,
                    "active_at_start": int(n[active].sum()),
                    "churned": int(n[active & (lost == k)].sum()),
                }
            )
    return pd.DataFrame(rows, columns=["value", "month", "active_at_start", "churned"])


def churn_by_split(
    conn: Connection, viewer: Viewer, filters: Filters, by: str | None = None
) -> pd.DataFrame:
    """Per month of the period (and per value of `by`): customers active at the month's start
    and how many of them churned in it."""
    return monthly_churn(lifetime_counts(conn, viewer, filters, by), filters.month_starts)


def revenue_retention(conn: Connection, viewer: Viewer, filters: Filters) -> pd.DataFrame:
    """Per month m of the period, over the customers invoiced in month m-1: their revenue in
    m-1 (`start`), in m (`current`), the part kept (min of the two: `kept`) and the revenue of
    those with no invoice in m (`lost`), and everything invoiced in m (`revenue`, the
    month's recurring revenue). GRR = kept / start; NRR = current / start."""
    if conn.dialect.name == "duckdb":  # the analytical snapshot: summed once per slice
        return _revenue_retention_from_moves(conn, viewer, filters)
    months = [add_months(filters.start, -1), *filters.month_starts]
    per_customer = (
        select(
            *[
                func.coalesce(
                    func.sum(case((Invoice.period_month == m, Invoice.amount), else_=0)), 0
                ).label(f"r{i}")
                for i, m in enumerate(months)
            ]
        )
        .where(Invoice.period_month >= months[0], Invoice.period_month < filters.end_exclusive)
        .group_by(Invoice.customer_id)
    )
    scope = customer_conditions(viewer, filters)
    if scope:  # the join costs a third of the time, so only when the customers are limited
        per_customer = per_customer.join(Customer, Customer.id == Invoice.customer_id).where(*scope)
    per_customer = per_customer.subquery()
    columns = []
    for i in range(1, len(months)):
        before, now = per_customer.c[f"r{i - 1}"], per_customer.c[f"r{i}"]
        had = before > 0
        columns += [
            func.coalesce(func.sum(now), 0).label(f"revenue{i}"),
            func.coalesce(func.sum(case((had, before), else_=0)), 0).label(f"start{i}"),
            func.coalesce(func.sum(case((had, now), else_=0)), 0).label(f"current{i}"),
            func.coalesce(
                func.sum(case((and_(had, now < before), now), (had, before), else_=0)), 0
            ).label(f"kept{i}"),
            func.coalesce(func.sum(case((and_(had, now == 0), before), else_=0)), 0).label(
                f"lost{i}"
            ),
        ]
    row = conn.execute(select(*columns)).mappings().one()
    return pd.DataFrame(
        [
            {
                "month": m,
                **{
                    k: float(row[f"{k}{i}"])
                    for k in ("revenue", "start", "current", "kept", "lost")
                },
            }
            for i, m in enumerate(filters.month_starts, start=1)
        ]
    )


def _revenue_retention_from_moves(
    conn: Connection, viewer: Viewer, filters: Filters
) -> pd.DataFrame:
    """`revenue_retention` from the snapshot's per-month, per-slice summary."""
    moves = REVENUE_MOVES
    measures = ("revenue", "start", "current", "kept", "lost")
    stmt = (
        select(moves.c.month, *[func.coalesce(func.sum(moves.c[m]), 0).label(m) for m in measures])
        .where(
            moves.c.month >= filters.start,
            moves.c.month < filters.end_exclusive,
            *customer_conditions(viewer, filters, moves),
        )
        .group_by(moves.c.month)
    )
    found = {row.month: row for row in conn.execute(stmt)}
    return pd.DataFrame(
        [
            {
                "month": m,
                **{k: float(getattr(found[m], k)) if m in found else 0.0 for k in measures},
            }
            for m in filters.month_starts
        ]
    )


# --- survival ---------------------------------------------------------------------------------


def survival_counts(
    conn: Connection, viewer: Viewer, filters: Filters, by: str | None, as_of: date
) -> pd.DataFrame:
    """Customers per (group, whole days from signup to churn or to `as_of`, churned?) for
    Kaplan–Meier: at most groups × days × 2 rows, whatever the number of customers."""
    lost = lost_on(conn, filters)
    end = case((lost.is_not(None), lost), else_=literal(as_of))
    days = days_between(conn, Customer.signup_date, end).label("days")
    event = case((lost.is_not(None), 1), else_=0).label("churned")
    keys = [] if by is None else [split_column(by).label("value")]
    value = literal("all").label("value") if by is None else keys[0]
    stmt = (
        select(value, days, event, func.count(Customer.id).label("customers"))
        .where(Customer.signup_date < as_of, *customer_conditions(viewer, filters))
        .group_by(*keys, days, event)  # not by a constant: not every engine takes one
    )
    frame = pd.DataFrame(
        conn.execute(stmt).all(), columns=["value", "days", "churned", "customers"]
    )
    return frame.astype({"days": "int64", "churned": "int64", "customers": "int64"})


# --- churn reasons ----------------------------------------------------------------------------


def _last_nps(answered: ColumnElement[bool]) -> ColumnElement:
    """The customer's latest NPS answer among those where `answered` holds (correlated)."""
    return (
        select(SurveyResponse.nps)
        .where(
            SurveyResponse.customer_id == Customer.id,
            answered,
            SurveyResponse.nps.is_not(None),
        )
        .order_by(SurveyResponse.responded_on.desc(), SurveyResponse.id.desc())
        .limit(1)
        .correlate(Customer)
        .scalar_subquery()
    )


def _reason(filters: Filters) -> ColumnElement[str]:
    """The recorded reason; without one, "other" — or "inactive" on the activity basis,
    where leaving is known only from the purchases that stopped."""
    fallback = "inactive" if filters.churn_basis == "activity" else "other"
    return func.coalesce(Customer.churn_reason, literal(fallback)).label("reason")


def churn_reasons(
    conn: Connection, viewer: Viewer, filters: Filters, by: str = "segment"
) -> pd.DataFrame:
    """Churners in the period per reason and value of `by`, with how many of them gave a
    detractor answer (NPS 0–6) as their last answer before leaving and how many complained
    in the COMPLAINT_WINDOW_DAYS before they left."""
    column = split_column(by)
    lost = lost_on(conn, filters)
    last_nps = _last_nps(SurveyResponse.responded_on <= lost)
    days_before = hours_between(conn, Complaint.opened_at, lost) / 24.0
    recent_complaint = exists().where(
        Complaint.customer_id == Customer.id,
        days_before >= -1,  # opened on the day of leaving counts
        days_before <= COMPLAINT_WINDOW_DAYS,
    )
    reason = _reason(filters)
    stmt = (
        select(
            reason,
            column.label("value"),
            func.count(Customer.id).label("churned"),
            sum_if(last_nps <= 6).label("detractors"),
            sum_if(recent_complaint).label("complained"),
        )
        .where(
            lost >= filters.start,
            lost < filters.end_exclusive,
            *customer_conditions(viewer, filters),
        )
        .group_by(reason, column)
    )
    columns = ["reason", "value", "churned", "detractors", "complained"]
    return pd.DataFrame(conn.execute(stmt).all(), columns=columns)


def churn_reasons_by_month(conn: Connection, viewer: Viewer, filters: Filters) -> pd.DataFrame:
    """Churners per month of the period and reason."""
    lost = lost_on(conn, filters)
    month = month_index(lost).label("month")
    reason = _reason(filters)
    stmt = (
        select(month, reason, func.count(Customer.id).label("churned"))
        .where(
            lost >= filters.start,
            lost < filters.end_exclusive,
            *customer_conditions(viewer, filters),
        )
        .group_by(month, reason)
    )
    frame = pd.DataFrame(conn.execute(stmt).all(), columns=["month", "reason", "churned"])
    frame["month"] = [date(int(i) // 12, int(i) % 12 + 1, 1) for i in frame["month"]]
    return frame


# --- features for the churn model -------------------------------------------------------------


def _invoice_history(at: date, since: date, ids: list[int] | None = None) -> Subquery:
    """Per customer (of `ids`, or all), from the invoices and orders before `at` (one grouped
    pass): the last purchase day, purchases and amount in the 6 months from `since`, the last
    full month's revenue, invoices due in the window and paid late or not at all, and what
    was overdue and unpaid on `at`."""
    day = func.coalesce(Invoice.issued_on, Invoice.period_month)
    in_window = and_(day >= since, day < at)
    due_in_window = and_(Invoice.due_date >= since, Invoice.due_date < at)
    unpaid_on_at = or_(Invoice.paid_date.is_(None), Invoice.paid_date >= at)
    stmt = select(
        Invoice.customer_id.label("customer_id"),
        func.max(day).label("last_purchase"),
        sum_if(in_window).label("frequency_6m"),
        func.coalesce(func.sum(case((in_window, Invoice.amount))), 0).label("monetary_6m"),
        func.coalesce(
            func.sum(case((Invoice.period_month == add_months(at, -1), Invoice.amount))), 0
        ).label("monthly_revenue"),
        sum_if(
            and_(
                due_in_window,
                or_(Invoice.paid_date.is_(None), Invoice.paid_date > Invoice.due_date),
            )
        ).label("late_invoices_6m"),
        func.coalesce(
            func.sum(
                case(
                    (
                        and_(
                            Invoice.due_date < at,
                            unpaid_on_at,
                            Invoice.status != "written_off",
                        ),
                        Invoice.amount,
                    )
                )
            ),
            0,
        ).label("overdue_amount"),
    ).where(day < at)
    if ids is not None:
        stmt = stmt.where(Invoice.customer_id.in_(ids))
    return stmt.group_by(Invoice.customer_id).subquery()


def feature_select(
    conn: Connection,
    conditions: list[ColumnElement[bool]],
    filters: Filters,
    at: date,
    horizon_months: int = 3,
    ids: list[int] | None = None,
) -> Select:
    """One row per customer active on `at` meeting `conditions` (and among `ids`), with what
    was known on `at`: tenure in months, contract, tier, credit score, last NPS answer,
    complaints in the 6 months before, and from the invoices recency (days since the last
    purchase, or since signup), frequency and amount of purchases, last month's revenue,
    late and overdue invoices; and whether they churned in the `horizon_months` after it."""
    since = add_months(at, -6)
    last_nps = _last_nps(SurveyResponse.responded_on < at)
    complaints = select(
        Complaint.customer_id.label("customer_id"),
        func.count(Complaint.id).label("complaints_6m"),
    ).where(Complaint.opened_at >= since, Complaint.opened_at < at)
    if ids is not None:
        complaints = complaints.where(Complaint.customer_id.in_(ids))
    complaints = complaints.group_by(Complaint.customer_id).subquery()
    history = _invoice_history(at, since, ids)
    horizon_end = add_months(at, horizon_months)
    lost = lost_on(conn, filters)
    day = literal(at, Date)
    stmt = (
        select(
            *LISTED_CUSTOMER,
            cast(Customer.credit_score, Float).label("credit_score"),
            last_nps.label("last_nps"),
            func.coalesce(complaints.c.complaints_6m, 0).label("complaints_6m"),
            func.coalesce(history.c.late_invoices_6m, 0).label("late_invoices_6m"),
            cast(func.coalesce(history.c.monthly_revenue, 0), Float).label("monthly_revenue"),
            func.coalesce(history.c.frequency_6m, 0).label("frequency_6m"),
            cast(func.coalesce(history.c.monetary_6m, 0), Float).label("monetary_6m"),
            cast(func.coalesce(history.c.overdue_amount, 0), Float).label("overdue_amount"),
            (cast(days_between(conn, Customer.signup_date, day), Float) / DAYS_PER_MONTH).label(
                "tenure_months"
            ),
            # A customer who never bought counts from the signup.
            cast(
                days_between(
                    conn, func.coalesce(history.c.last_purchase, Customer.signup_date), day
                ),
                Float,
            ).label("recency_days"),
            case((and_(lost.is_not(None), lost < horizon_end), 1), else_=0).label("churned"),
        )
        .outerjoin(complaints, complaints.c.customer_id == Customer.id)
        .outerjoin(history, history.c.customer_id == Customer.id)
        .where(Customer.signup_date < at, or_(lost.is_(None), lost >= at), *conditions)
    )
    if ids is not None:
        stmt = stmt.where(Customer.id.in_(ids))
    return stmt


def customer_features(
    conn: Connection,
    viewer: Viewer,
    filters: Filters | None,
    at: date,
    horizon_months: int = 3,
    basis: Filters | None = None,
    ids: list[int] | None = None,
) -> pd.DataFrame:
    """`feature_select` for the customers of the viewer's scope and the filters (None: the
    whole scope), PII masked for the viewer. `basis` carries the churn definition when
    `filters` is None."""
    definition = filters or basis
    if definition is None:
        raise ValueError("customer_features needs the filters or the churn basis")
    stmt = feature_select(
        conn, customer_conditions(viewer, filters), definition, at, horizon_months, ids
    )
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    if frame.empty:
        return frame
    return mask_frame(frame, viewer, {"customer": "name"})


def customer_attributes(
    conn: Connection, viewer: Viewer, filters: Filters | None, ids: list[int] | None = None
) -> pd.DataFrame:
    """The imported attributes (columns of the organisation's customer file the customers
    table does not have) of the customers in scope (among `ids`): one row per customer and
    attribute."""
    stmt = (
        select(CustomerAttribute.customer_id, CustomerAttribute.name, CustomerAttribute.value)
        .join(Customer, Customer.id == CustomerAttribute.customer_id)
        .where(*customer_conditions(viewer, filters))
    )
    if ids is not None:
        stmt = stmt.where(CustomerAttribute.customer_id.in_(ids))
    return pd.DataFrame(conn.execute(stmt).all(), columns=["id", "name", "value"])


def recently_churned(
    conn: Connection, viewer: Viewer, filters: Filters, limit: int = 50
) -> pd.DataFrame:
    """Win-back list: customers who churned in the period, most valuable first (their last
    invoiced month's revenue), with reason and tier; PII masked for the viewer."""
    last_revenue = (
        select(Invoice.amount)
        .where(Invoice.customer_id == Customer.id)
        .order_by(Invoice.period_month.desc())
        .limit(1)
        .correlate(Customer)
        .scalar_subquery()
    )
    lost = lost_on(conn, filters)
    stmt = (
        select(
            Customer.id,
            Customer.external_id.label("customer_id"),
            Customer.name.label("customer"),
            Customer.email,
            Customer.region,
            Customer.segment,
            Customer.tier,
            lost.label("churn_date"),
            _reason(filters),
            last_revenue.label("monthly_revenue"),
        )
        .where(
            lost >= filters.start,
            lost < filters.end_exclusive,
            *customer_conditions(viewer, filters),
        )
        .order_by(last_revenue.desc(), Customer.id)
        .limit(max(1, min(limit, 500)))
    )
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["monthly_revenue"] = frame["monthly_revenue"].astype(float)
    return mask_frame(frame, viewer, {"customer": "name", "email": "email"})


# --- credit exposure --------------------------------------------------------------------------


INVOICES = Invoice.__table__


def _open_items(conn: Connection) -> Table:
    """Where unpaid invoices are read: on the analytical snapshot its copy of the invoices
    unpaid now (a few per cent of them), elsewhere the invoices."""
    return OPEN_INVOICES if conn.dialect.name == "duckdb" else INVOICES


def _scoped_items(
    items: Table, viewer: Viewer, filters: Filters
) -> tuple[FromClause, list[ColumnElement[bool]]]:
    """The invoices to read and the viewer's scope and filters on them: the snapshot's open
    invoices carry the customer's slice, the invoices are joined to their customers."""
    if items is OPEN_INVOICES:
        return items, customer_conditions(viewer, filters, items)
    joined = items.join(Customer, Customer.id == items.c.customer_id)
    return joined, customer_conditions(viewer, filters)


def _outstanding(invoices: Table) -> ColumnElement:
    return invoices.c.amount - func.coalesce(invoices.c.paid_amount, 0)


def _unpaid(invoices: Table) -> ColumnElement[bool]:
    return and_(invoices.c.paid_date.is_(None), invoices.c.status != "written_off")


def overdue_aging(conn: Connection, viewer: Viewer, filters: Filters, at: date) -> pd.DataFrame:
    """Unpaid amounts past their due date on `at`, per aging bucket (days overdue), with the
    number of invoices and customers. Written-off invoices are excluded."""
    items = _open_items(conn)
    source, scope = _scoped_items(items, viewer, filters)
    bucket = case(
        *[
            (items.c.due_date >= at - timedelta(days=upper), literal(label))
            for label, _low, upper in AGING_BUCKETS
            if upper is not None
        ],
        else_=literal(AGING_BUCKETS[-1][0]),
    ).label("bucket")
    stmt = (
        select(
            bucket,
            func.sum(_outstanding(items)).label("amount"),
            func.count(items.c.id).label("invoices"),
            func.count(func.distinct(items.c.customer_id)).label("customers"),
        )
        .select_from(source)
        .where(_unpaid(items), items.c.due_date < at, *scope)
        .group_by(bucket)
    )
    found = pd.DataFrame(
        conn.execute(stmt).all(), columns=["bucket", "amount", "invoices", "customers"]
    ).set_index("bucket")
    order = [label for label, _low, _high in AGING_BUCKETS]
    out = found.reindex(order, fill_value=0).reset_index(names="bucket")
    return out.astype({"amount": "float64", "invoices": "int64", "customers": "int64"})


def receivables(conn: Connection, viewer: Viewer, filters: Filters, at: date) -> dict:
    """Open receivables on `at` and the amount invoiced in the three full months before
    `at`'s month (and their length in days), for days sales outstanding."""
    window = add_months(month_start(at), -3)
    items = _open_items(conn)
    source, scope = _scoped_items(items, viewer, filters)
    receivable = (
        select(func.coalesce(func.sum(_outstanding(items)), 0))
        .select_from(source)
        .where(_unpaid(items), items.c.period_month < at, *scope)
    )
    if conn.dialect.name == "duckdb":  # the snapshot's revenue per month and slice
        months = REVENUE_MOVES.c.month
        billed = select(func.coalesce(func.sum(REVENUE_MOVES.c.revenue), 0)).where(
            months >= window,
            months < month_start(at),
            *customer_conditions(viewer, filters, REVENUE_MOVES),
        )
    else:
        billed = (
            select(func.coalesce(func.sum(Invoice.amount), 0))
            .join(Customer, Customer.id == Invoice.customer_id)
            .where(
                Invoice.period_month >= window,
                Invoice.period_month < month_start(at),
                *customer_conditions(viewer, filters),
            )
        )
    row = conn.execute(
        select(receivable.scalar_subquery().label("r"), billed.scalar_subquery().label("b"))
    ).one()
    return {
        "receivable": float(row.r),
        "billed": float(row.b),
        "days": (month_start(at) - window).days,
    }


def latest_two_reviews(conditions: Sequence[ColumnElement[bool]]) -> Subquery:
    """Per customer matching `conditions` (on `customers`): the latest and previous credit
    review's score and the latest review's day, from one ranking pass over the reviews (the
    newest first; the same day broken by the later row). Serves the falling-credit count
    below and the falling-credit list (data_access.credit_review)."""
    ranked = (
        select(
            CreditScoreHistory.customer_id,
            CreditScoreHistory.score,
            CreditScoreHistory.reviewed_on,
            func.row_number()
            .over(
                partition_by=CreditScoreHistory.customer_id,
                order_by=(CreditScoreHistory.reviewed_on.desc(), CreditScoreHistory.id.desc()),
            )
            .label("rank"),
        )
        .join(Customer, Customer.id == CreditScoreHistory.customer_id)
        .where(*conditions)
        .subquery()
    )
    first = ranked.c.rank == 1
    return (
        select(
            ranked.c.customer_id,
            func.max(case((first, ranked.c.score))).label("latest"),
            func.max(case((ranked.c.rank == 2, ranked.c.score))).label("previous"),
            func.max(case((first, ranked.c.reviewed_on))).label("last_review"),
        )
        .where(ranked.c.rank <= 2)
        .group_by(ranked.c.customer_id)
        .subquery()
    )


def credit_score_changes(conn: Connection, viewer: Viewer, filters: Filters) -> dict:
    """Active customers whose latest credit review scored lower than the one before it (one
    ranking pass: each customer's two newest reviews side by side; the analytical snapshot
    has them ready)."""
    if conn.dialect.name == "duckdb":
        trend = CREDIT_TREND
        stmt = (
            select(
                func.count().label("reviewed_twice"),
                sum_if(trend.c.latest < trend.c.previous).label("falling"),
            )
            .join(Customer, Customer.id == trend.c.customer_id)
            .where(
                trend.c.previous.is_not(None),
                lost_on(conn, filters).is_(None),
                *customer_conditions(viewer, filters),
            )
        )
        row = conn.execute(stmt).mappings().one()
        return {"reviewed_twice": int(row["reviewed_twice"]), "falling": int(row["falling"])}
    latest_two = latest_two_reviews(
        [lost_on(conn, filters).is_(None), *customer_conditions(viewer, filters)]
    )
    stmt = select(
        func.count().label("reviewed_twice"),
        sum_if(latest_two.c.latest < latest_two.c.previous).label("falling"),
    ).where(latest_two.c.previous.is_not(None))
    row = conn.execute(stmt).mappings().one()
    return {"reviewed_twice": int(row["reviewed_twice"]), "falling": int(row["falling"])}


def top_exposures(
    conn: Connection, viewer: Viewer, filters: Filters, at: date, limit: int = 50
) -> pd.DataFrame:
    """Customers with the largest overdue amount on `at`, with days since the oldest unpaid
    due date, credit score and limit; PII masked for the viewer."""
    items = _open_items(conn)
    overdue = func.sum(_outstanding(items)).label("overdue")
    oldest = func.min(items.c.due_date).label("oldest_due")
    stmt = (
        select(
            Customer.id,
            Customer.external_id.label("customer_id"),
            Customer.name.label("customer"),
            Customer.region,
            Customer.segment,
            Customer.tier,
            Customer.credit_score,
            Customer.credit_limit,
            overdue,
            oldest,
            func.count(items.c.id).label("invoices"),
        )
        .join(items, items.c.customer_id == Customer.id)
        .where(_unpaid(items), items.c.due_date < at, *customer_conditions(viewer, filters))
        .group_by(  # every selected column: not every engine infers them from the key
            Customer.id,
            Customer.external_id,
            Customer.name,
            Customer.region,
            Customer.segment,
            Customer.tier,
            Customer.credit_score,
            Customer.credit_limit,
        )
        .order_by(overdue.desc(), Customer.id)
        .limit(max(1, min(limit, 500)))
    )
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    if not frame.empty:
        frame["overdue"] = frame["overdue"].astype(float)
        frame["credit_limit"] = frame["credit_limit"].astype(float)
        frame["days_overdue"] = (pd.Timestamp(at) - pd.to_datetime(frame["oldest_due"])).dt.days
    return mask_frame(frame, viewer, {"customer": "name"})
