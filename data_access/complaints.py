"""Complaint aggregates: volume, SLA timing (median and p90 in SQL), breaches, escalations,
backlog aging, per-segment rates, and one page of the complaint list with PII masked."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Select, and_, case, func, literal, or_, select

from data_access.code_lists import code_lists
from data_access.codes import SEVERITIES
from data_access.filters import Filters
from data_access.models import Complaint, Customer
from data_access.pii import mask_frame
from data_access.satisfaction import (
    CUSTOMER_DIMENSIONS,
    Focus,
    dimension_column,
    focus_conditions,
)
from data_access.scope import customer_conditions
from data_access.security import Viewer
from data_access.sql import hours_between, sum_if

# Age buckets of the open backlog, in days: (label, lower bound inclusive, upper exclusive).
AGE_BUCKETS = (("0-2", 0, 3), ("3-7", 3, 8), ("8-30", 8, 31), (">30", 31, None))
LIST_FILTERS = ("all", "open", "breached", "escalated")
PAGE_SIZE = 50


def _day(d) -> datetime:  # noqa: ANN001
    return datetime.combine(d, datetime.min.time())


def _in_period(viewer: Viewer, filters: Filters, focus: Focus | None) -> list[ColumnElement]:
    return [
        Complaint.opened_at >= _day(filters.start),
        Complaint.opened_at < _day(filters.end_exclusive),
        *customer_conditions(viewer, filters),
        *focus_conditions(focus, surveys=False),
    ]


def _first_response_breached(at: datetime) -> ColumnElement[bool]:
    return or_(
        Complaint.first_response_at > Complaint.first_response_due_at,
        and_(Complaint.first_response_at.is_(None), Complaint.first_response_due_at < at),
    )


def _resolution_breached(at: datetime) -> ColumnElement[bool]:
    return or_(
        Complaint.resolved_at > Complaint.resolution_due_at,
        and_(Complaint.resolved_at.is_(None), Complaint.resolution_due_at < at),
    )


def _breached(at: datetime) -> ColumnElement[bool]:
    """Either SLA (first response or resolution) missed."""
    return or_(_first_response_breached(at), _resolution_breached(at))


def _open_at(at: datetime) -> ColumnElement[bool]:
    return or_(Complaint.resolved_at.is_(None), Complaint.resolved_at > at)


def complaint_counts(
    conn: Connection, viewer: Viewer, filters: Filters, at: datetime, focus: Focus | None = None
) -> pd.DataFrame:
    """Per category × severity: complaints opened in the period, SLA breaches (first response,
    resolution; an unanswered one past its due time counts), escalations, still open at `at`."""
    stmt = (
        select(
            Complaint.category,
            Complaint.severity,
            func.count(Complaint.id).label("complaints"),
            sum_if(_first_response_breached(at)).label("response_breached"),
            sum_if(_resolution_breached(at)).label("resolution_breached"),
            sum_if(Complaint.escalated.is_(True)).label("escalated"),
            sum_if(_open_at(at)).label("open"),
        )
        .join(Customer, Customer.id == Complaint.customer_id)
        .where(*_in_period(viewer, filters, focus))
        .group_by(Complaint.category, Complaint.severity)
    )
    columns = [
        "category",
        "severity",
        "complaints",
        "response_breached",
        "resolution_breached",
        "escalated",
        "open",
    ]
    return pd.DataFrame(conn.execute(stmt).mappings().all(), columns=columns)


def _percentiles(duration: ColumnElement, where: list, label: str) -> Select:
    """Median and p90 (nearest rank: the smallest value whose rank ≥ p·n) per severity, with
    window functions so both SQLite and PostgreSQL compute them in the database."""
    ranked = (
        select(
            Complaint.severity.label("severity"),
            duration.label("hours"),
            func.row_number()
            .over(partition_by=Complaint.severity, order_by=duration)
            .label("rank"),
            func.count().over(partition_by=Complaint.severity).label("n"),
        )
        .join(Customer, Customer.id == Complaint.customer_id)
        .where(*where)
        .subquery()
    )
    return select(
        ranked.c.severity,
        func.max(ranked.c.n).label(f"{label}_n"),
        func.min(case((ranked.c.rank >= 0.5 * ranked.c.n, ranked.c.hours))).label(f"{label}_p50"),
        func.min(case((ranked.c.rank >= 0.9 * ranked.c.n, ranked.c.hours))).label(f"{label}_p90"),
    ).group_by(ranked.c.severity)


def response_times(
    conn: Connection, viewer: Viewer, filters: Filters, focus: Focus | None = None
) -> pd.DataFrame:
    """Per severity: SLA hours, n, median and p90 hours to first response and to resolution
    (complaints opened in the period that got one)."""
    base = _in_period(viewer, filters, focus)
    first = _percentiles(
        hours_between(conn, Complaint.opened_at, Complaint.first_response_at),
        [*base, Complaint.first_response_at.is_not(None)],
        "response",
    ).subquery()
    resolved = _percentiles(
        hours_between(conn, Complaint.opened_at, Complaint.resolved_at),
        [*base, Complaint.resolved_at.is_not(None)],
        "resolution",
    ).subquery()
    sla = (
        select(
            Complaint.severity,
            func.max(Complaint.sla_hours).label("sla_hours"),
            func.max(
                hours_between(conn, Complaint.opened_at, Complaint.first_response_due_at)
            ).label("response_sla_hours"),
        )
        .join(Customer, Customer.id == Complaint.customer_id)
        .where(*base)
        .group_by(Complaint.severity)
        .subquery()
    )
    stmt = (
        select(
            sla,
            *[c for c in first.c if c.key != "severity"],
            *[c for c in resolved.c if c.key != "severity"],
        )
        .outerjoin(first, first.c.severity == sla.c.severity)
        .outerjoin(resolved, resolved.c.severity == sla.c.severity)
    )
    frame = pd.DataFrame(conn.execute(stmt).mappings().all())
    if frame.empty:
        return frame
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return frame.sort_values("severity", key=lambda s: s.map(order), ignore_index=True)


def backlog_aging(
    conn: Connection, viewer: Viewer, filters: Filters, at: datetime, focus: Focus | None = None
) -> pd.DataFrame:
    """Complaints still open at `at` (opened before it, any time), per severity and age bucket."""
    age_days = hours_between(conn, Complaint.opened_at, literal(at)) / 24.0
    bucket = case(
        *[
            (age_days < upper, literal(label))
            for label, _lower, upper in AGE_BUCKETS
            if upper is not None
        ],
        else_=literal(AGE_BUCKETS[-1][0]),
    ).label("age")
    stmt = (
        select(Complaint.severity, bucket, func.count(Complaint.id).label("open"))
        .join(Customer, Customer.id == Complaint.customer_id)
        .where(
            Complaint.opened_at < at,
            _open_at(at),
            *customer_conditions(viewer, filters),
            *focus_conditions(focus, surveys=False),
        )
        .group_by(Complaint.severity, bucket)
    )
    return pd.DataFrame(conn.execute(stmt).mappings().all(), columns=["severity", "age", "open"])


def complaint_cube(
    conn: Connection, viewer: Viewer, filters: Filters, focus: Focus | None = None
) -> pd.DataFrame:
    """Complaints opened in the period per combination of the customer dimensions, in one
    grouped scan: any one dimension's counts are sums of its rows (`satisfaction.roll_up`)."""
    keys = [dimension_column(d).label(d) for d in CUSTOMER_DIMENSIONS]
    stmt = (
        select(*keys, func.count(Complaint.id).label("complaints"))
        .join(Customer, Customer.id == Complaint.customer_id)
        .where(*_in_period(viewer, filters, focus))
        .group_by(*keys)
    )
    return pd.DataFrame(conn.execute(stmt).all(), columns=[*CUSTOMER_DIMENSIONS, "complaints"])


def complaint_page(
    conn: Connection,
    viewer: Viewer,
    filters: Filters,
    at: datetime,
    focus: Focus | None = None,
    category: str | None = None,
    severity: str | None = None,
    status: str = "all",
    page: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One page (PAGE_SIZE rows, newest first) of complaints opened in the period, and the
    total; `id` and `version` (internal) open the complaint's case. Customer name, e-mail,
    phone and the free text are masked unless the viewer may see PII. Filter values are
    checked against the code lists."""
    where = _in_period(viewer, filters, focus)
    if category is not None:
        # The organisation's categories (code lists, retired ones too: old rows keep them).
        known = code_lists(conn, include_retired=True).get("complaint_category", ())
        if category not in known:
            raise ValueError(f"unknown complaint category {category!r}")
        where.append(Complaint.category == category)
    if severity is not None:
        if severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}")
        where.append(Complaint.severity == severity)
    if status not in LIST_FILTERS:
        raise ValueError(f"unknown status filter {status!r}")
    where += {
        "all": [],
        "open": [_open_at(at)],
        "breached": [_breached(at)],
        "escalated": [Complaint.escalated.is_(True)],
    }[status]
    total = conn.execute(
        select(func.count(Complaint.id))
        .join(Customer, Customer.id == Complaint.customer_id)
        .where(*where)
    ).scalar_one()
    stmt = (
        select(
            Complaint.id,
            Complaint.version,
            Complaint.opened_at,
            Customer.external_id.label("customer_id"),
            Customer.name.label("customer"),
            Customer.email,
            Customer.phone,
            Customer.region,
            Customer.segment,
            Customer.tier,
            Complaint.category,
            Complaint.severity,
            Complaint.channel,
            hours_between(conn, Complaint.opened_at, Complaint.first_response_at).label(
                "response_hours"
            ),
            hours_between(conn, Complaint.opened_at, Complaint.resolved_at).label(
                "resolution_hours"
            ),
            _breached(at).label("sla_breached"),
            Complaint.escalated,
            case((_open_at(at), literal("open")), else_=literal("resolved")).label("status"),
            Complaint.stage,
            Complaint.description,
        )
        .join(Customer, Customer.id == Complaint.customer_id)
        .where(*where)
        .order_by(Complaint.opened_at.desc(), Complaint.id.desc())
        .limit(PAGE_SIZE)
        .offset(max(page, 0) * PAGE_SIZE)
    )
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["sla_breached"] = frame["sla_breached"].astype(bool)
    frame["escalated"] = frame["escalated"].astype(bool)
    masks = {"customer": "name", "email": "email", "phone": "phone", "description": "text"}
    return mask_frame(frame, viewer, masks), int(total)
