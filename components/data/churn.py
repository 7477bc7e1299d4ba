"""Cached data of the churn and credit page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Connection, Engine

from analytics import churn as churn_stats
from analytics.kpi import Estimate, proportion
from components.cache import cached, engine, facts
from components.data.shared import app_settings
from data_access import (
    churn,
    churn_model,
    overview,
    satisfaction,
)
from data_access.churn_model import ModelKey
from data_access.filters import Filters, add_months
from data_access.security import VIEW_RECORDS, Viewer

COHORTS = 12
AT_RISK_PAGE_SIZE = 50


def _as_of(conn: Connection) -> tuple[date, int]:
    """The first day after the data's latest full month (the current, partial month) and
    the latest full month's index."""
    latest = overview.latest_full_month(conn)
    return add_months(latest, 1), churn.index_of(latest)


@dataclass
class Cohorts:
    unit: str  # "month" or "quarter"
    logo: churn_stats.CohortMatrix
    revenue: churn_stats.CohortMatrix | None  # by signup month only
    activity: churn_stats.CohortMatrix | None  # share with a purchase in the month; by month
    labels: list[str]  # one per cohort row, in the matrix order
    starts: list[date]  # first day of each cohort, for the drill-down
    ends: list[date]  # first day after each cohort


@cached("churn")
def churn_cohorts(viewer: Viewer, filters: Filters, unit: str = "month") -> Cohorts:
    """Logo retention of the last 12 signup months (or 4 calendar quarters) ending with the
    period, and revenue retention by signup month."""
    last = churn.index_of(filters.end_month)
    months = COHORTS if unit == "month" else 9 + last % 3 + 1
    with facts().connect() as conn:
        _at, latest = _as_of(conn)
        counts = churn.cohort_churn_counts(conn, viewer, filters, months)
        if unit == "month":
            invoiced = churn.cohort_invoices(conn, viewer, filters, COHORTS)
    if unit == "month":
        cohorts = list(range(last - COHORTS + 1, last + 1))
        starts = [churn_stats.month_of(c) for c in cohorts]
        logo = churn_stats.logo_retention(counts, cohorts, latest, COHORTS)
        return Cohorts(
            unit,
            logo,
            churn_stats.revenue_retention_matrix(invoiced, cohorts, latest, COHORTS),
            churn_stats.activity_retention_matrix(invoiced, logo.sizes, cohorts, latest, COHORTS),
            [],
            starts,
            [add_months(m, 1) for m in starts],
        )
    quarters, latest_quarter = churn_stats.to_quarters(counts, latest)
    cohorts = list(range(last // 3 - 3, last // 3 + 1))
    starts = [churn_stats.month_of(q * 3) for q in cohorts]
    return Cohorts(
        unit,
        churn_stats.logo_retention(quarters, cohorts, latest_quarter, 4),
        None,
        None,
        [churn_stats.quarter_label(q) for q in cohorts],
        starts,
        [min(add_months(m, 3), filters.end_exclusive) for m in starts],
    )


@dataclass
class ChurnTrend:
    monthly: pd.DataFrame  # 12 months: active, churned, rate with CI, GRR, NRR, revenue churn
    by_split: pd.DataFrame  # per value of the split, over the period: rate with CI
    period: Estimate  # logo churn over the period (churned / active at its start)
    previous: Estimate


def _period_churn(frame: pd.DataFrame) -> Estimate:
    if frame.empty:
        return proportion(0, 0)
    first = frame["month"].min()
    active = int(frame.loc[frame["month"] == first, "active_at_start"].sum())
    return proportion(int(frame["churned"].sum()), active)


@cached("churn")
def churn_trend(viewer: Viewer, filters: Filters, split: str) -> ChurnTrend:
    year = filters.over_months(12)
    min_n = int(app_settings()["min_sample_size"])
    with facts().connect() as conn:
        counts = churn.lifetime_counts(conn, viewer, filters, split)  # one scan for all four
        revenue = churn.revenue_retention(conn, viewer, year)
    everyone = churn.without_split(counts)
    monthly = churn.monthly_churn(everyone, year.month_starts)
    split_rows = churn.monthly_churn(counts, filters.month_starts)
    now = churn.monthly_churn(everyone, filters.month_starts)
    before = churn.monthly_churn(everyone, filters.previous().month_starts)
    monthly = churn_stats.churn_rates(monthly.drop(columns="value")).merge(
        churn_stats.revenue_rates(revenue), on="month"
    )
    by_value = []
    for value, group in split_rows.groupby("value"):
        estimate = _period_churn(group)
        by_value.append(
            {
                "value": value,
                "active_at_start": estimate.n,
                "churned": int(group["churned"].sum()),
                "rate": estimate.value if estimate.n >= min_n else None,
                "low": estimate.low if estimate.n >= min_n else None,
                "high": estimate.high if estimate.n >= min_n else None,
            }
        )
    return ChurnTrend(monthly, pd.DataFrame(by_value), _period_churn(now), _period_churn(before))


@cached("churn")
def churn_survival(viewer: Viewer, filters: Filters, split: str | None) -> churn_stats.Survival:
    """Kaplan–Meier retention since signup per value of the split, or one curve for all the
    customers in scope (`split` None)."""
    min_n = int(app_settings()["min_sample_size"])
    with facts().connect() as conn:
        at, _latest = _as_of(conn)
        counts = churn.survival_counts(conn, viewer, filters, split, at)
    return churn_stats.kaplan_meier(counts, min_n)


@cached("churn")
def churn_reasons(
    viewer: Viewer, filters: Filters, split: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Churners in the period by reason × split value, and by month × reason over 12 months."""
    year = filters.over_months(12)
    with facts().connect() as conn:
        return (
            churn.churn_reasons(conn, viewer, filters, split),
            churn.churn_reasons_by_month(conn, viewer, year),
        )


@cached("churn")
def churn_model_summary(
    viewer: Viewer, filters: Filters
) -> tuple[churn_stats.ChurnModel | None, date, datetime]:
    """The stored churn model of the viewer's scope and churn definition (fitted when the data
    changed), the day its features are from and when it was fitted. Coefficients and AUC
    only: what a role without record access sees."""
    stored = churn_model.model_for(engine(), ModelKey.of(viewer, filters), viewer.username)
    return stored.model, stored.trained_on, stored.fitted_at


def _scores(stored: churn_model.StoredModel) -> Engine:
    """Where the fit's scores are read: the analytical snapshot when it holds this fit, else
    the primary (a model fitted on first use, after the snapshot was taken)."""
    data = facts()
    if data is not engine():
        with data.connect() as conn:
            if churn_model.holds_fit(conn, stored.id):
                return data
    return engine()


def _require_records(viewer: Viewer) -> None:
    if not viewer.can(VIEW_RECORDS):
        raise PermissionError("customer records")


@cached("churn")
def at_risk_count(viewer: Viewer, filters: Filters, minimum: float) -> int:
    """How many of the viewer's customers in the filters have a stored churn probability of
    at least `minimum`."""
    _require_records(viewer)
    stored = churn_model.model_for(engine(), ModelKey.of(viewer, filters), viewer.username)
    if stored.model is None:
        return 0
    with _scores(stored).connect() as conn:
        return churn_model.at_risk(conn, viewer, filters, stored, minimum, limit=0)[1]


def _with_factors(
    viewer: Viewer, filters: Filters, minimum: float, offset: int, limit: int | None
) -> pd.DataFrame:
    _require_records(viewer)
    key = ModelKey.of(viewer, filters)
    stored = churn_model.model_for(engine(), key, viewer.username)
    if stored.model is None:
        return pd.DataFrame()
    with _scores(stored).connect() as conn:
        rows, _total = churn_model.at_risk(conn, viewer, filters, stored, minimum, offset, limit)
    with engine().connect() as conn:  # a page of customers: indexed lookups
        named = churn_model.factors(conn, viewer, stored, key, rows["id"].tolist())
    return rows.assign(factors=[named.get(i, []) for i in rows["id"]])


@cached("churn")
def at_risk_page(viewer: Viewer, filters: Filters, minimum: float, page: int) -> pd.DataFrame:
    """One page of the at-risk list (AT_RISK_PAGE_SIZE rows, highest tier and risk first),
    each customer with their own top factors."""
    return _with_factors(viewer, filters, minimum, page * AT_RISK_PAGE_SIZE, AT_RISK_PAGE_SIZE)


def at_risk_all(viewer: Viewer, filters: Filters, minimum: float) -> pd.DataFrame:
    """The whole at-risk list, for a download (built when the button is pressed)."""
    return _with_factors(viewer, filters, minimum, 0, None)


@cached("churn")
def churn_probabilities(viewer: Viewer, filters: Filters, ids: tuple[int, ...]) -> dict[int, float]:
    """The stored churn probability of the listed customers (ids from a record list)."""
    _require_records(viewer)
    stored = churn_model.model_for(engine(), ModelKey.of(viewer, filters), viewer.username)
    with _scores(stored).connect() as conn:
        return churn_model.probabilities(conn, stored, list(ids))


@cached("churn")
def win_back(viewer: Viewer, filters: Filters) -> pd.DataFrame:
    """The most valuable customers lost in the period."""
    _require_records(viewer)
    with facts().connect() as conn:
        return churn.recently_churned(conn, viewer, filters)


@dataclass
class CreditExposure:
    at: date
    aging: pd.DataFrame
    receivable: float
    dso: float | None
    reviewed_twice: int
    falling: int
    top: pd.DataFrame  # records; empty for roles without record access


@cached("churn")
def credit_exposure(viewer: Viewer, filters: Filters) -> CreditExposure:
    with facts().connect() as conn:
        at, _latest = _as_of(conn)
        aging = churn.overdue_aging(conn, viewer, filters, at)
        money = churn.receivables(conn, viewer, filters, at)
        scores = churn.credit_score_changes(conn, viewer, filters)
        top = (
            churn.top_exposures(conn, viewer, filters, at)
            if viewer.can(VIEW_RECORDS)
            else pd.DataFrame()
        )
    return CreditExposure(
        at,
        aging,
        money["receivable"],
        churn_stats.dso(money["receivable"], money["billed"], money["days"]),
        scores["reviewed_twice"],
        scores["falling"],
        top,
    )


@cached("churn")
def cohort_customers(
    viewer: Viewer,
    filters: Filters,
    start: date,
    end: date,
    churned_by: date | None,
    page: int,
) -> tuple[pd.DataFrame, int]:
    if not viewer.can(VIEW_RECORDS):
        raise PermissionError("customer records")
    with facts().connect() as conn:
        return churn.cohort_customers(conn, viewer, filters, start, end, churned_by, page)


@cached("churn")
def attribute_dimensions(viewer: Viewer) -> tuple[str, ...]:
    """Imported customer attributes the viewer's customers have, usable as a split."""
    with facts().connect() as conn:
        return satisfaction.attribute_dimensions(conn, viewer)
