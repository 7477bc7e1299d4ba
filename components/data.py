"""The only place that caches: wraps data_access (and the analytics that turn its counts
into KPIs) with st.cache_resource / st.cache_data. Every cached function takes the Viewer,
so the cache key always includes username, role and region scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
import streamlit as st
from sqlalchemy import Connection, Engine

from analytics import attention
from analytics import churn as churn_stats
from analytics import dq as dq_stats
from analytics import satisfaction as sat_stats
from analytics.kpi import Estimate, nps, proportion
from analytics.risk import LEVELS, annotate, flow_by_month
from data_access import (
    audit,
    churn,
    complaints,
    dq_results,
    kri,
    overview,
    register,
    satisfaction,
    user_admin,
)
from data_access.db import get_engine
from data_access.filters import Filters, add_months
from data_access.security import ADMIN_USERS, VIEW_AUDIT, VIEW_RECORDS, Viewer
from data_access.settings import all_settings
from data_access.settings import appetite as settings_appetite
from quality import duplicates
from quality import records as dq_records

CACHE_TTL_SECONDS = 300
AUDIT_PAGE_SIZE = 50


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """One pooled engine per server process."""
    return get_engine()


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def latest_full_month() -> date:
    with engine().connect() as conn:
        return overview.latest_full_month(conn)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def app_settings() -> dict:
    with engine().connect() as conn:
        return all_settings(conn)


@dataclass
class RiskSummary:
    open_high: int
    above_appetite: int
    overdue_reviews: int
    by_level: dict[str, int]


@dataclass
class OverviewModel:
    as_of_month: date
    at: datetime
    risks_now: RiskSummary
    risks_before: RiskSummary
    churn_now: Estimate
    churn_before: Estimate
    nps_now: Estimate
    nps_before: Estimate
    sla_now: Estimate
    sla_before: Estimate
    dq_now: float | None
    dq_before: float | None
    dq_run_at: datetime | None
    category_levels: pd.DataFrame
    trend: pd.DataFrame
    attention: list[attention.AttentionItem] = field(default_factory=list)


def _period_end(filters: Filters, now: datetime) -> datetime:
    return min(datetime.combine(filters.end_exclusive, datetime.min.time()), now)


def _risk_summary(snapshot: pd.DataFrame) -> RiskSummary:
    return RiskSummary(
        open_high=int(snapshot["level"].isin(["High", "Critical"]).sum()),
        above_appetite=int(snapshot["above_appetite"].sum()),
        overdue_reviews=int(snapshot["review_overdue"].sum()),
        by_level={lvl: int((snapshot["level"] == lvl).sum()) for lvl in LEVELS},
    )


def _churn(frame: pd.DataFrame) -> Estimate:
    return proportion(int(frame["churned"].sum()), int(frame["active_at_start"].sum()))


def _nps(frame: pd.DataFrame, min_n: int) -> Estimate:
    return nps(
        int(frame["promoters"].sum()), int(frame["detractors"].sum()), int(frame["n"].sum()), min_n
    )


def _trend(conn: Connection, viewer: Viewer, filters: Filters, min_n: int) -> pd.DataFrame:
    """NPS (with 95% CI) and churn rate for the 12 months ending with the period."""
    year = Filters(filters.end_month, 12, filters.regions, filters.segments, filters.tiers)
    churn = overview.churn_by_month(conn, viewer, year)
    scores = overview.nps_by_month(conn, viewer, year)
    rows = []
    for c, s in zip(churn.itertuples(), scores.itertuples(), strict=True):
        est = nps(s.promoters, s.detractors, s.n, min_n)
        rows.append(
            {
                "month": c.month,
                "nps": est.value,
                "nps_low": est.low,
                "nps_high": est.high,
                "n": s.n,
                "churn_rate": c.churned / c.active_at_start if c.active_at_start else None,
                "active": c.active_at_start,
            }
        )
    return pd.DataFrame(rows)


def _dq_scores(
    conn: Connection,
) -> tuple[float | None, float | None, datetime | None, pd.DataFrame]:
    run_ids = dq_results.latest_run_ids(conn, n=2)
    if not run_ids:
        return None, None, None, pd.DataFrame(columns=["source_system", "score"])
    latest = dq_results.run_results(conn, run_ids[0])
    before = (
        dq_stats.overall_score(dq_results.run_results(conn, run_ids[1]))
        if len(run_ids) > 1
        else None
    )
    by_source = dq_stats.rollup(latest, by=["source_system"])
    return (
        dq_stats.overall_score(latest),
        before,
        dq_results.run_started_at(conn, run_ids[0]),
        by_source,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def overview_model(viewer: Viewer, filters: Filters) -> OverviewModel:
    """Everything the overview shows for this viewer and filter set."""
    now = datetime.now()
    previous = filters.previous()
    at, at_before = _period_end(filters, now), _period_end(previous, now)
    with engine().connect() as conn:
        settings = all_settings(conn)
        bands, min_n = settings["risk_level_bands"], int(settings["min_sample_size"])
        snap = annotate(overview.risk_snapshot(conn, viewer, filters, at), bands, at.date())
        snap_before = annotate(
            overview.risk_snapshot(conn, viewer, previous, at_before), bands, at_before.date()
        )
        churn_now = overview.churn_by_month(conn, viewer, filters)
        churn_before = overview.churn_by_month(conn, viewer, previous)
        nps_now = overview.nps_counts(conn, viewer, filters)
        nps_before = overview.nps_counts(conn, viewer, previous)
        sla_now = overview.complaint_sla_counts(conn, viewer, filters, at)
        sla_before = overview.complaint_sla_counts(conn, viewer, previous, at_before)
        region_now = overview.nps_counts(conn, viewer, filters, by="region")
        region_before = overview.nps_counts(conn, viewer, previous, by="region")
        dq_now, dq_before, dq_run_at, dq_by_source = _dq_scores(conn)
        kri_states = kri.latest_kri_states(conn)
        trend = _trend(conn, viewer, filters, min_n)
        as_of = overview.latest_full_month(conn)

    category_levels = (
        snap.groupby(["category", "level"]).size().rename("count").reset_index()
        if not snap.empty
        else pd.DataFrame(columns=["category", "level", "count"])
    )
    items = (
        attention.risk_items(snap)
        + attention.kri_items(kri_states, snap)
        + attention.nps_drop_items(region_now, region_before, "region", min_n)
        + attention.dq_items(dq_by_source)
    )
    return OverviewModel(
        as_of_month=as_of,
        at=at,
        risks_now=_risk_summary(snap),
        risks_before=_risk_summary(snap_before),
        churn_now=_churn(churn_now),
        churn_before=_churn(churn_before),
        nps_now=_nps(nps_now, min_n),
        nps_before=_nps(nps_before, min_n),
        sla_now=proportion(sla_now[1], sla_now[0]),
        sla_before=proportion(sla_before[1], sla_before[0]),
        dq_now=dq_now,
        dq_before=dq_before,
        dq_run_at=dq_run_at,
        category_levels=category_levels,
        trend=trend,
        attention=attention.rank(items),
    )


@st.cache_data(ttl=30, show_spinner=False)
def audit_page(
    viewer: Viewer,
    username: str | None,
    action: str | None,
    object_type: str | None,
    since: datetime,
    page: int,
    page_size: int = AUDIT_PAGE_SIZE,
) -> tuple[pd.DataFrame, int, pd.DataFrame, tuple[list[str], list[str], list[str]]]:
    """One page of the audit log, its total, events per day and the filter choices.
    Only viewers who may read the audit log get rows."""
    if not viewer.can(VIEW_AUDIT):
        raise PermissionError("audit log")
    with engine().connect() as conn:
        rows, total = audit.search(
            conn, username, action, since, page_size, page * page_size, object_type
        )
        return rows, total, audit.counts_by_day(conn, since), audit.distinct_values(conn)


# --- risk register ---------------------------------------------------------------------------


def _annotated(frame: pd.DataFrame, bands: dict, on: date) -> pd.DataFrame:
    if frame.empty:
        return frame
    df = annotate(frame, bands, on)
    for kind in ("inherent", "target"):
        df[f"{kind}_score"] = df[f"{kind}_likelihood"] * df[f"{kind}_impact"]
    return df


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def register_view(viewer: Viewer, filters: Filters, include_closed: bool) -> pd.DataFrame:
    """Register rows with level, appetite and review flags, and each risk's worst KRI state."""
    on = date.today()
    with engine().connect() as conn:
        bands = all_settings(conn)["risk_level_bands"]
        rows = register.register_rows(conn, viewer, filters, on, include_closed)
        worst = kri.worst_state_per_risk(conn)
    df = _annotated(rows, bands, on)
    if not df.empty:
        df["kri_state"] = df["id"].map(worst)
        df.loc[df["status"] == "Closed", ["review_overdue", "days_overdue"]] = [False, None]
    return df


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def register_heatmap(viewer: Viewer, filters: Filters, kind: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return register.heatmap_counts(conn, viewer, filters, kind)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def risk_detail(viewer: Viewer, risk_id: int) -> dict | None:
    """One risk with its assessments, treatments, actions, reviews, history and KRIs."""
    with engine().connect() as conn:
        detail = register.risk_detail(conn, viewer, risk_id)
        if detail is None:
            return None
        states = kri.latest_kri_states(conn, [risk_id])
        detail["kris"] = states
        detail["kri_history"] = {
            int(k): kri.kri_history(conn, int(k)) for k in states.get("kri_id", [])
        }
    return detail


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def register_trends(viewer: Viewer, filters: Filters) -> pd.DataFrame:
    """Per month of the 12 ending with the period: open risks by level, above appetite,
    overdue reviews and actions, created, closed and mean days to close."""
    year = Filters(filters.end_month, 12, filters.regions, filters.segments, filters.tiers)
    rows = []
    with engine().connect() as conn:
        bands = all_settings(conn)["risk_level_bands"]
        for month in year.month_starts:
            at = min(datetime.combine(add_months(month, 1), datetime.min.time()), datetime.now())
            snap = annotate(overview.risk_snapshot(conn, viewer, year, at), bands, at.date())
            row = {"month": month, **{lvl: int((snap["level"] == lvl).sum()) for lvl in LEVELS}}
            row["above_appetite"] = int(snap["above_appetite"].sum())
            row["overdue_reviews"] = int(snap["review_overdue"].sum())
            row["overdue_actions"] = register.overdue_actions_count(conn, viewer, at)
            rows.append(row)
        start = datetime.combine(year.start, datetime.min.time())
        end = datetime.combine(year.end_exclusive, datetime.min.time())
        flow = flow_by_month(register.monthly_flow(conn, viewer, start, end), year.month_starts)
    return pd.DataFrame(rows).merge(flow, on="month")


def clear_register_caches() -> None:
    """After a register change: every cached view that shows risks."""
    for cached in (register_view, register_heatmap, risk_detail, register_trends, overview_model):
        cached.clear()


def clear_user_caches() -> None:
    """Drop cached per-user results (on logout or session expiry)."""
    for cached in (
        overview_model,
        audit_page,
        satisfaction_model,
        detractor_comments,
        complaint_page,
        churn_cohorts,
        churn_trend,
        churn_survival,
        churn_reasons,
        churn_risk,
        churn_model_summary,
        credit_exposure,
        cohort_customers,
        dq_model,
        dq_failing_rows,
        dq_duplicates,
    ):
        cached.clear()
    clear_register_caches()


# --- satisfaction and complaints --------------------------------------------------------------

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


def _one_row(counts: pd.DataFrame, min_n: int) -> pd.Series:
    totals = counts[satisfaction.COUNT_COLUMNS].sum().to_frame().T.astype("int64")
    return sat_stats.scores(totals, min_n).iloc[0]


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def satisfaction_model(
    viewer: Viewer, filters: Filters, focus: satisfaction.Focus | None
) -> SatisfactionModel:
    """Everything the satisfaction page shows except the record lists."""
    now = datetime.now()
    at = _period_end(filters, now)
    previous = filters.previous()
    year = Filters(filters.end_month, 12, filters.regions, filters.segments, filters.tiers)
    with engine().connect() as conn:
        min_n = int(all_settings(conn)["min_sample_size"])
        monthly = satisfaction.survey_by_month(conn, viewer, year, focus)
        period = satisfaction.survey_by_month(conn, viewer, filters, focus)
        before = satisfaction.survey_by_month(conn, viewer, previous, focus)
        breakdowns, windows, customers, vs_nps = {}, [], [], {}
        for dim in satisfaction.DIMENSION_CODES:
            breakdowns[dim] = sat_stats.scores(
                satisfaction.survey_breakdown(conn, viewer, filters, dim, focus), min_n
            )
            windows.append(
                satisfaction.survey_windows(
                    conn, viewer, filters, dim, EARLY_WARNING_BASELINE_MONTHS, focus
                ).assign(dimension=dim)
            )
            active = satisfaction.active_customers(conn, viewer, filters, dim, focus)
            customers.append(active.assign(dimension=dim))
            breakdowns[dim] = breakdowns[dim].merge(active, on="value", how="left")
            if dim in satisfaction.CUSTOMER_DIMENSIONS:
                vs_nps[dim] = breakdowns[dim].merge(
                    complaints.complaints_by_segment(conn, viewer, filters, dim, focus),
                    on="value",
                    how="left",
                )
        complaint_counts = complaints.complaint_counts(conn, viewer, filters, at, focus)
        complaints_before = complaints.complaint_counts(
            conn, viewer, previous, _period_end(previous, now), focus
        )
        customers_before = satisfaction.active_customers(conn, viewer, previous, "region", focus)
        times = complaints.response_times(conn, viewer, filters, focus)
        backlog = complaints.backlog_aging(conn, viewer, filters, at, focus)
        as_of = overview.latest_full_month(conn)
    for frame in vs_nps.values():
        frame["complaints"] = frame["complaints"].fillna(0).astype(int)
        frame["per_1000"] = (
            1000 * frame["complaints"] / frame["customers"].where(frame["customers"] > 0)
        )
    period_customers = int(customers[0]["customers"].sum()) if customers else 0
    return SatisfactionModel(
        as_of_month=as_of,
        at=at,
        min_n=min_n,
        period=_one_row(period, min_n),
        previous=_one_row(before, min_n),
        monthly=sat_stats.scores(monthly, min_n),
        breakdowns=breakdowns,
        warnings=sat_stats.early_warnings(pd.concat(windows), pd.concat(customers), min_n),
        customers=period_customers,
        customers_before=int(customers_before["customers"].sum()),
        complaints=complaint_counts,
        complaints_before=complaints_before,
        times=times,
        backlog=backlog,
        complaint_vs_nps=vs_nps,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def detractor_comments(
    viewer: Viewer, filters: Filters, focus: satisfaction.Focus | None
) -> pd.DataFrame:
    with engine().connect() as conn:
        return satisfaction.detractor_comments(conn, viewer, filters, focus)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
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
    at = _period_end(filters, datetime.now())
    with engine().connect() as conn:
        return complaints.complaint_page(
            conn, viewer, filters, at, focus, category, severity, status, page
        )


# --- churn, retention and credit ----------------------------------------------------------------

COHORTS = 12
RISK_HORIZON_MONTHS = 3


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
    labels: list[str]  # one per cohort row, in the matrix order
    starts: list[date]  # first day of each cohort, for the drill-down
    ends: list[date]  # first day after each cohort


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def churn_cohorts(viewer: Viewer, filters: Filters, unit: str = "month") -> Cohorts:
    """Logo retention of the last 12 signup months (or 4 calendar quarters) ending with the
    period, and revenue retention by signup month."""
    last = churn.index_of(filters.end_month)
    months = COHORTS if unit == "month" else 9 + last % 3 + 1
    with engine().connect() as conn:
        _at, latest = _as_of(conn)
        counts = churn.cohort_churn_counts(conn, viewer, filters, months)
        revenue = churn.cohort_revenue(conn, viewer, filters, COHORTS) if unit == "month" else None
    if unit == "month":
        cohorts = list(range(last - COHORTS + 1, last + 1))
        starts = [churn_stats.month_of(c) for c in cohorts]
        return Cohorts(
            unit,
            churn_stats.logo_retention(counts, cohorts, latest, COHORTS),
            churn_stats.revenue_retention_matrix(revenue, cohorts, latest, COHORTS),
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


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def churn_trend(viewer: Viewer, filters: Filters, split: str) -> ChurnTrend:
    year = Filters(filters.end_month, 12, filters.regions, filters.segments, filters.tiers)
    with engine().connect() as conn:
        min_n = int(all_settings(conn)["min_sample_size"])
        monthly = churn.churn_by_split(conn, viewer, year)
        revenue = churn.revenue_retention(conn, viewer, year)
        split_rows = churn.churn_by_split(conn, viewer, filters, split)
        now = churn.churn_by_split(conn, viewer, filters)
        before = churn.churn_by_split(conn, viewer, filters.previous())
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


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def churn_survival(viewer: Viewer, filters: Filters, split: str) -> churn_stats.Survival:
    """Kaplan–Meier retention since signup per value of the split (customers in scope)."""
    with engine().connect() as conn:
        min_n = int(all_settings(conn)["min_sample_size"])
        at, _latest = _as_of(conn)
        counts = churn.survival_counts(conn, viewer, filters, split, at)
    return churn_stats.kaplan_meier(counts, min_n)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def churn_reasons(
    viewer: Viewer, filters: Filters, split: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Churners in the period by reason × split value, and by month × reason over 12 months."""
    year = Filters(filters.end_month, 12, filters.regions, filters.segments, filters.tiers)
    with engine().connect() as conn:
        return (
            churn.churn_reasons(conn, viewer, filters, split),
            churn.churn_reasons_by_month(conn, viewer, year),
        )


@dataclass
class ChurnRisk:
    model: churn_stats.ChurnModel | None
    fitted_at: date  # features as of this day, churn observed in the months after it
    scored_at: date
    scored: pd.DataFrame  # active customers with probability and top factors (records)
    win_back: pd.DataFrame


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def churn_model_summary(
    viewer: Viewer, filters: Filters
) -> tuple[churn_stats.ChurnModel | None, date]:
    """The churn model fitted on customers as they were RISK_HORIZON_MONTHS before the data's
    as-of month (labels = churned since), and that day. Coefficients and AUC only: what a
    role without record access sees."""
    with engine().connect() as conn:
        at, _latest = _as_of(conn)
        fitted_at = add_months(at, -RISK_HORIZON_MONTHS)
        history = churn.customer_features(conn, viewer, filters, fitted_at, RISK_HORIZON_MONTHS)
    return churn_stats.fit_churn_model(history), fitted_at


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def churn_risk(viewer: Viewer, filters: Filters) -> ChurnRisk:
    """The churn model (churn_model_summary) scoring today's active customers, and the
    win-back list. Only roles that may drill to records get the customer lists."""
    if not viewer.can(VIEW_RECORDS):
        raise PermissionError("customer records")
    model, fitted_at = churn_model_summary(viewer, filters)
    with engine().connect() as conn:
        at, _latest = _as_of(conn)
        current = churn.customer_features(conn, viewer, filters, at, RISK_HORIZON_MONTHS)
        win_back = churn.recently_churned(conn, viewer, filters)
    scored = (
        churn_stats.score_customers(model, current)
        if model is not None and not current.empty
        else current
    )
    return ChurnRisk(model, fitted_at, at, scored, win_back)


@dataclass
class CreditExposure:
    at: date
    aging: pd.DataFrame
    receivable: float
    dso: float | None
    reviewed_twice: int
    falling: int
    top: pd.DataFrame  # records; empty for roles without record access


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def credit_exposure(viewer: Viewer, filters: Filters) -> CreditExposure:
    with engine().connect() as conn:
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


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
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
    with engine().connect() as conn:
        return churn.cohort_customers(conn, viewer, filters, start, end, churned_by, page)


# --- data quality -------------------------------------------------------------------------------

DQ_HISTORY_RUNS = 12


@dataclass
class DqModel:
    run_id: int | None
    run_at: datetime | None
    reference_time: datetime  # what "now" means for freshness rules when listing failures
    latest: pd.DataFrame  # results of the newest run (one row per rule × source system)
    previous: pd.DataFrame  # results of the run before it
    history: pd.DataFrame  # results of the newest DQ_HISTORY_RUNS runs, with run_id, run_at
    rules: pd.DataFrame  # every rule with its latest score (inactive ones too)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def dq_model(viewer: Viewer) -> DqModel:
    """Scores of the newest check runs and the rule list. Scores are for the whole
    organisation (rules count rows of every region); failing rows are listed per viewer."""
    with engine().connect() as conn:
        run_ids = dq_results.latest_run_ids(conn, n=2)
        latest = dq_results.run_results(conn, run_ids[0]) if run_ids else pd.DataFrame()
        previous = dq_results.run_results(conn, run_ids[1]) if len(run_ids) > 1 else pd.DataFrame()
        history = dq_results.history(conn, DQ_HISTORY_RUNS)
        rules = dq_results.all_rules(conn)
        run_at = dq_results.run_started_at(conn, run_ids[0]) if run_ids else None
    scored = dq_stats.rule_scores(latest) if not latest.empty else pd.DataFrame()
    if not scored.empty:
        scored = scored[["rule_id", "checked", "passed", "score", "meets_threshold"]]
        rules = rules.merge(scored, left_on="id", right_on="rule_id", how="left")
    return DqModel(
        run_ids[0] if run_ids else None,
        run_at,
        datetime.now(),
        latest,
        previous,
        history,
        rules,
    )


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def dq_failing_rows(viewer: Viewer, rule_id: int, page: int) -> tuple[pd.DataFrame, int]:
    """One page of the rows a rule fails now; only roles that may drill to records."""
    if not viewer.can(VIEW_RECORDS):
        raise PermissionError("failing records")
    with engine().connect() as conn:
        rule = dq_results.get_rule(conn, rule_id)
        if rule is None:
            return pd.DataFrame(), 0
        return dq_records.failing_rows(conn, viewer, rule, datetime.now(), page)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def dq_duplicates(viewer: Viewer) -> pd.DataFrame:
    if not viewer.can(VIEW_RECORDS):
        raise PermissionError("duplicate customers")
    with engine().connect() as conn:
        return duplicates.likely_duplicates(conn, viewer)


def clear_dq_caches() -> None:
    """After a check run or a rule change: every cached view that shows data quality."""
    for cached in (dq_model, dq_failing_rows, dq_duplicates, overview_model):
        cached.clear()


# --- administration -----------------------------------------------------------------------------


def users_and_settings(viewer: Viewer) -> tuple[pd.DataFrame, dict, dict[str, int]]:
    """Users (without hashes), settings and appetite, read fresh on every run (not cached:
    lock state and roles must be current). Administrators only."""
    if not viewer.can(ADMIN_USERS):
        raise PermissionError("administration")
    with engine().connect() as conn:
        return user_admin.list_users(conn, viewer), all_settings(conn), settings_appetite(conn)


def clear_after_admin_change() -> None:
    """Settings and appetite change levels, bands and KPIs everywhere: drop every cache."""
    st.cache_data.clear()
