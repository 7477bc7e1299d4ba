"""Cached data of the satisfaction and complaints page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from analytics import satisfaction as sat_stats
from analytics.complaint_cases import feedback_estimates
from analytics.kpi import Estimate
from components.cache import cached, engine, facts
from components.data.shared import app_settings, period_end
from data_access import (
    complaint_cases,
    complaints,
    overview,
    post_resolution,
    satisfaction,
)
from data_access.filters import Filters
from data_access.security import VIEW_RECORDS, Viewer

EARLY_WARNING_BASELINE_MONTHS = 12


@dataclass
class SatisfactionModel:
    as_of_month: date
    at: datetime
    min_n: int
    period: pd.Series  # scores of the whole period
    previous: pd.Series  # scores of the period before
    monthly: pd.DataFrame  # scores per month, 12 months ending with the period
    breakdowns: dict[str, pd.DataFrame]  # scores per value of each dimension
    warnings: pd.DataFrame
    customers: int  # active at some time in the period
    customers_before: int  # the same, in the period before
    complaints: pd.DataFrame  # category × severity counts
    complaints_before: pd.DataFrame
    times: pd.DataFrame  # median/p90 response and resolution hours per severity
    backlog: pd.DataFrame  # open complaints by severity and age
    complaint_vs_nps: dict[str, pd.DataFrame]  # per customer dimension
    # Post-resolution satisfaction (1–5): "all", "within_sla", "breached", with 95% intervals.
    feedback: dict[str, Estimate]
    # Where the CSAT figures (tiles, trend, breakdown) come from: survey answers or the
    # complaint cases' post-resolution answers (data_access.post_resolution says why they are
    # a source of their own). NPS, CES and the early warnings are always the surveys'.
    csat_source: str = post_resolution.SURVEY


def _one_row(counts: pd.DataFrame, min_n: int) -> pd.Series:
    totals = counts[satisfaction.COUNT_COLUMNS].sum().to_frame().T.astype("int64")
    return sat_stats.scores(totals, min_n).iloc[0]


@cached("satisfaction")
def satisfaction_model(
    viewer: Viewer,
    filters: Filters,
    focus: satisfaction.Focus | None,
    csat_source: str = post_resolution.SURVEY,
) -> SatisfactionModel:
    """Everything the satisfaction page shows except the record lists; the CSAT figures from
    `csat_source` (post_resolution.CSAT_SOURCES)."""
    if csat_source not in post_resolution.CSAT_SOURCES:
        raise ValueError(f"unknown CSAT source {csat_source!r}")
    answers = csat_source == post_resolution.POST_RESOLUTION
    now = datetime.now()
    at = period_end(filters, now)
    previous = filters.previous()
    min_n = int(app_settings()["min_sample_size"])
    # One monthly scan covers the 12-month trend, the period and the period before.
    span = filters.over_months(max(12, 2 * filters.months))
    with facts().connect() as conn:
        by_month = satisfaction.survey_by_month(conn, viewer, span, focus)
        if answers:
            by_month = post_resolution.with_csat_from(
                by_month,
                post_resolution.feedback_csat_by_month(conn, viewer, span, focus),
                "month",
            )
        breakdowns, windows, customers, vs_nps = {}, [], [], {}
        # The listed dimensions, then the organisation's own attributes with a few values.
        dimensions = (
            *satisfaction.DIMENSION_CODES,
            *satisfaction.attribute_dimensions(conn, viewer),
        )
        # Three grouped scans serve every listed dimension (their counts add up); an
        # imported attribute is read by its own grouped queries.
        cube = satisfaction.survey_cube(conn, viewer, filters, EARLY_WARNING_BASELINE_MONTHS, focus)
        people = satisfaction.customer_cube(conn, viewer, filters, focus)
        complained = complaints.complaint_cube(conn, viewer, filters, focus)
        for dim in dimensions:
            if dim in satisfaction.LISTED_DIMENSIONS:
                breakdown = satisfaction.breakdown_from(conn, cube, dim)
                window = satisfaction.roll_up(cube, dim, satisfaction.COUNT_COLUMNS, "window")
            else:
                breakdown = satisfaction.survey_breakdown(conn, viewer, filters, dim, focus)
                window = satisfaction.survey_windows(
                    conn, viewer, filters, dim, EARLY_WARNING_BASELINE_MONTHS, focus
                )
            if dim in satisfaction.CUSTOMER_DIMENSIONS:
                active = satisfaction.active_from(people, dim)
            else:
                active = satisfaction.active_customers(conn, viewer, filters, dim, focus)
            if answers:
                breakdown = post_resolution.with_csat_from(
                    breakdown,
                    post_resolution.feedback_csat_breakdown(conn, viewer, filters, dim, focus),
                    "value",
                )
            breakdowns[dim] = sat_stats.scores(breakdown, min_n)
            windows.append(window.assign(dimension=dim))
            customers.append(active.assign(dimension=dim))
            breakdowns[dim] = breakdowns[dim].merge(active, on="value", how="left")
            if dim in satisfaction.CUSTOMER_DIMENSIONS:
                vs_nps[dim] = breakdowns[dim].merge(
                    satisfaction.roll_up(complained, dim, ["complaints"]), on="value", how="left"
                )
        complaint_counts = complaints.complaint_counts(conn, viewer, filters, at, focus)
        complaints_before = complaints.complaint_counts(
            conn, viewer, previous, period_end(previous, now), focus
        )
        times = complaints.response_times(conn, viewer, filters, focus)
        backlog = complaints.backlog_aging(conn, viewer, filters, at, focus)
        feedback = complaint_cases.feedback_sums(conn, viewer, filters, focus)
        as_of = overview.latest_full_month(conn)
    for frame in vs_nps.values():
        frame["complaints"] = pd.to_numeric(frame["complaints"]).fillna(0).astype(int)
        frame["per_1000"] = (
            1000 * frame["complaints"] / frame["customers"].where(frame["customers"] > 0)
        )
    period_customers = int(customers[0]["customers"].sum()) if customers else 0
    return SatisfactionModel(
        as_of_month=as_of,
        at=at,
        min_n=min_n,
        period=_one_row(by_month.iloc[-filters.months :], min_n),
        previous=_one_row(by_month.iloc[-2 * filters.months : -filters.months], min_n),
        monthly=sat_stats.scores(by_month.iloc[-12:].reset_index(drop=True), min_n),
        breakdowns=breakdowns,
        warnings=sat_stats.early_warnings(pd.concat(windows), pd.concat(customers), min_n),
        customers=period_customers,
        customers_before=int(people["customers_before"].sum()),
        complaints=complaint_counts,
        complaints_before=complaints_before,
        times=times,
        backlog=backlog,
        complaint_vs_nps=vs_nps,
        feedback=feedback_estimates(feedback, min_n),
        csat_source=csat_source,
    )


@cached("satisfaction")
def detractor_comments(
    viewer: Viewer, filters: Filters, focus: satisfaction.Focus | None
) -> pd.DataFrame:
    with facts().connect() as conn:
        return satisfaction.detractor_comments(conn, viewer, filters, focus)


@cached("satisfaction")
def complaint_page(
    viewer: Viewer,
    filters: Filters,
    focus: satisfaction.Focus | None,
    category: str | None,
    severity: str | None,
    status: str,
    page: int,
) -> tuple[pd.DataFrame, int]:
    """One page of the complaint list; only roles that may drill to records get rows."""
    if not viewer.can(VIEW_RECORDS):
        raise PermissionError("complaint records")
    at = period_end(filters, datetime.now())
    with facts().connect() as conn:
        return complaints.complaint_page(
            conn, viewer, filters, at, focus, category, severity, status, page
        )


@cached("satisfaction")
def complaint_case(viewer: Viewer, complaint_id: int, minute: datetime) -> dict:
    """A complaint's case (stage, owner, flags, version, timeline) and the clock of its stage
    read at `minute`, for roles that handle complaints."""
    with engine().connect() as conn:
        return complaint_cases.case_view(conn, viewer, complaint_id, minute)
