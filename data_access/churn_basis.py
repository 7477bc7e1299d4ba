"""When a customer counts as lost, for every churn figure: the contract's end date
(`contract` basis), or — for retail and other businesses without contracts — the day of
the last invoice or order once `inactivity_days` have passed without another (`activity`
basis). The activity basis reads `customers.last_activity_on`, which every write of
invoices keeps current (`refresh_last_activity`), so both bases are one column per row."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, Connection, Date, case, cast, func, null, select, update

from data_access.filters import Filters
from data_access.models import Customer, Invoice


def activity_as_of(conn: Connection) -> date | None:
    """The newest activity day in the data: inactivity is measured up to it, not to today,
    so an old extract does not turn every customer into a churner."""
    latest = conn.execute(select(func.max(Customer.last_activity_on))).scalar_one_or_none()
    if isinstance(latest, str):  # SQLite returns max() of a DATE column as text
        latest = date.fromisoformat(latest)
    return latest


def lost_on(conn: Connection, filters: Filters) -> ColumnElement:
    """The date the customer was lost under the filters' churn basis (NULL = not lost)."""
    if filters.churn_basis == "contract":
        return Customer.churn_date
    as_of = activity_as_of(conn)
    if as_of is None:
        return cast(null(), Date)  # no activity at all: nobody is lost
    cutoff = as_of - timedelta(days=filters.inactivity_days)
    # Lost once `inactivity_days` whole days have passed since the last purchase.
    return case(
        (Customer.last_activity_on <= cutoff, Customer.last_activity_on),
        else_=None,
    )


def last_activity_expression() -> ColumnElement:
    """The latest invoice/order day of the customer in the outer statement, or the signup."""
    latest = (
        select(func.max(func.coalesce(Invoice.issued_on, Invoice.period_month)))
        .where(Invoice.customer_id == Customer.id)
        .correlate(Customer)
        .scalar_subquery()
    )
    return func.coalesce(latest, Customer.signup_date)


# Past this many customers one statement over the table is faster than the id lists (a
# million invoices of a million customers: 10 s instead of 2,000 statements holding the
# write lock for longer than a login waits).
WHOLE_TABLE_FROM = 20_000


def refresh_last_activity(conn: Connection, customer_ids: list[int] | None = None) -> None:
    """Recompute `last_activity_on` (set-based) for the given customers, or for all."""
    stmt = update(Customer).values(last_activity_on=last_activity_expression())
    if customer_ids is None or len(customer_ids) > WHOLE_TABLE_FROM:
        conn.execute(stmt)
        return
    for i in range(0, len(customer_ids), 500):  # bounded IN lists on every dialect
        conn.execute(stmt.where(Customer.id.in_(customer_ids[i : i + 500])))
