"""Post-resolution answers of complaint cases (complaints.feedback_score, 1–5, asked when a
case closes) counted as CSAT answers: n and top-2-box (4 or 5), dated by the case's closing
time, filtered by the customer's region, segment and tier and the viewer's scope.

Why a separate CSAT source rather than answers added to the survey CSAT: only customers who
complained are asked, right after their complaint was handled, and the answer mostly rates
that handling (the demo plants 81 % top-2 within the SLA and 35 % after a breach, against the
surveys' CSAT of all customers). Mixed in, the page's CSAT would move with the number of
complaints and of SLA breaches rather than with the satisfaction of the customer base, and
the trend and breakdowns would compare different populations month by month. So the page
shows them as their own labelled source, with their own n and interval, chosen by a source
filter (`CSAT_SOURCES`)."""

from __future__ import annotations

from datetime import date, datetime, time

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Select, false, func, select

from data_access.filters import Filters
from data_access.models import Complaint, Customer
from data_access.satisfaction import Focus, dimension_column, focus_conditions
from data_access.scope import customer_conditions
from data_access.security import Viewer
from data_access.sql import month_bucket, sum_if

SURVEY, POST_RESOLUTION = "survey", "post_resolution"
CSAT_SOURCES = (SURVEY, POST_RESOLUTION)
COLUMNS = ["n_csat", "csat_top2"]


def _moment(day: date) -> datetime:
    return datetime.combine(day, time())


def _answers(
    viewer: Viewer, filters: Filters, focus: Focus | None, start: date, end: date
) -> Select:
    """n and top-2 of the answers of cases closed from `start` to `end` (exclusive). A focus
    on a survey-only dimension (touchpoint) matches no complaint: no answers."""
    score = Complaint.feedback_score
    survey_only = focus is not None and not focus.applies_to_customers
    return (
        select(func.count(score).label("n_csat"), sum_if(score >= 4).label("csat_top2"))
        .join(Customer, Customer.id == Complaint.customer_id)
        .where(
            Complaint.feedback == "answered",
            Complaint.closed_at >= _moment(start),
            Complaint.closed_at < _moment(end),
            *customer_conditions(viewer, filters),
            *focus_conditions(focus, surveys=False),
            *([false()] if survey_only else []),
        )
    )


def _frame(rows: list, keys: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[*keys, *COLUMNS])
    frame[COLUMNS] = frame[COLUMNS].fillna(0).astype("int64")
    return frame


def feedback_csat_by_month(
    conn: Connection, viewer: Viewer, filters: Filters, focus: Focus | None = None
) -> pd.DataFrame:
    """Answers per month of closing, for every month of the period (zeros without any)."""
    month = month_bucket(Complaint.closed_at, filters.month_starts).label("month")
    stmt = _answers(viewer, filters, focus, filters.start, filters.end_exclusive)
    stmt = stmt.add_columns(month).group_by(month)
    rows = [(r.month, r.n_csat, r.csat_top2) for r in conn.execute(stmt)]
    found = _frame(rows, ["month"]).set_index("month")
    index = [m.isoformat() for m in filters.month_starts]
    out = found.reindex(index, fill_value=0).reset_index(names="month")
    out["month"] = filters.month_starts
    return out


def feedback_csat_breakdown(
    conn: Connection, viewer: Viewer, filters: Filters, by: str, focus: Focus | None = None
) -> pd.DataFrame:
    """Answers in the period per value of the customer's `by` (value, n_csat, csat_top2); a
    survey-only dimension (touchpoint) has no value for a complaint: no rows."""
    if by == "touchpoint":
        return _frame([], ["value"])
    column: ColumnElement = dimension_column(by).label("value")
    stmt = _answers(viewer, filters, focus, filters.start, filters.end_exclusive)
    stmt = stmt.add_columns(column).group_by(column)
    rows = [(r.value, r.n_csat, r.csat_top2) for r in conn.execute(stmt)]
    return _frame(rows, ["value"])


def with_csat_from(counts: pd.DataFrame, answers: pd.DataFrame, key: str) -> pd.DataFrame:
    """Survey `counts` (data_access.satisfaction.COUNT_COLUMNS per `key`) with their CSAT
    counts replaced by the post-resolution `answers` of the same key (zeros where none), so
    the page's CSAT figures read the chosen source and NPS and CES stay the surveys'."""
    out = counts.drop(columns=COLUMNS)
    merged = out.merge(answers[[key, *COLUMNS]], on=key, how="left")
    merged[COLUMNS] = merged[COLUMNS].fillna(0).astype("int64")
    return merged[list(counts.columns)]
