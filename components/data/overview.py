"""Cached data of the overview: KPI tiles with their period-over-period change, the
attention list and the two charts behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Connection

from analytics import attention
from analytics import dq as dq_stats
from analytics.kpi import Estimate, nps, proportion
from analytics.risk import LEVELS, annotate
from components.cache import cached, engine, facts
from components.data.shared import period_end, risk_moments
from data_access import churn as churn_queries
from data_access import (
    dq_results,
    incidents,
    kri,
    overview,
    response_plans,
)
from data_access.filters import Filters
from data_access.security import VIEW_DASHBOARDS, Viewer
from data_access.settings import all_settings


ATTENTION_SHOWN = 7  # items the overview lists before "more"


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
    risks_at: datetime  # when the risk tiles stand (today while the period is the latest)
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
    # A region-scoped viewer's region when the newest run has no scores for it.
    dq_unscored_region: str | None
    category_levels: pd.DataFrame
    trend: pd.DataFrame
    attention: list[attention.AttentionItem] = field(default_factory=list)
    # The items ranked below the first seven: the page lists them on request, the board pack
    # (a summary for the board) leaves them out.
    attention_more: list[attention.AttentionItem] = field(default_factory=list)
    # Open incidents in the viewer's scope: id, title, severity, status, overdue duties, age.
    open_incidents: pd.DataFrame = field(default_factory=pd.DataFrame)


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


def _trend(
    conn: Connection, viewer: Viewer, filters: Filters, lifetimes: pd.DataFrame, min_n: int
) -> pd.DataFrame:
    """NPS (with 95% CI) and churn rate for the 12 months ending with the period."""
    year = filters.over_months(12)
    churn = churn_queries.monthly_churn(lifetimes, year.month_starts)
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
    conn: Connection, viewer: Viewer
) -> tuple[float | None, float | None, datetime | None, pd.DataFrame]:
    """Overall score now and before, the run's time and scores per source system, within
    the viewer's scope (a region-scoped viewer's region's rows only)."""
    run_ids = dq_results.latest_run_ids(conn, n=2)
    latest = dq_results.scored_results(conn, viewer, run_ids[0]) if run_ids else None
    if latest is None or latest.empty:
        return None, None, None, pd.DataFrame(columns=["source_system", "score"])
    before = (
        dq_stats.overall_score(dq_results.scored_results(conn, viewer, run_ids[1]))
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


@cached("overview")
def overview_model(viewer: Viewer, filters: Filters) -> OverviewModel:
    """Everything the overview shows for this viewer and filter set."""
    now = datetime.now()
    previous = filters.previous()
    at, at_before = period_end(filters, now), period_end(previous, now)
    risks_at, risks_before_at = risk_moments(filters, now)
    with engine().connect() as conn, facts().connect() as data:
        settings = all_settings(conn)
        bands, min_n = settings["risk_level_bands"], int(settings["min_sample_size"])
        snap = annotate(
            overview.risk_snapshot(conn, viewer, filters, risks_at), bands, risks_at.date()
        )
        snap_before = annotate(
            overview.risk_snapshot(conn, viewer, previous, risks_before_at),
            bands,
            risks_before_at.date(),
        )
        lifetimes = churn_queries.lifetime_counts(data, viewer, filters)  # every churn figure
        churn_now = churn_queries.monthly_churn(lifetimes, filters.month_starts)
        churn_before = churn_queries.monthly_churn(lifetimes, previous.month_starts)
        nps_now = overview.nps_counts(data, viewer, filters)
        nps_before = overview.nps_counts(data, viewer, previous)
        sla_now = overview.complaint_sla_counts(data, viewer, filters, at)
        sla_before = overview.complaint_sla_counts(data, viewer, previous, at_before)
        region_now = overview.nps_counts(data, viewer, filters, by="region")
        region_before = overview.nps_counts(data, viewer, previous, by="region")
        dq_now, dq_before, dq_run_at, dq_by_source = _dq_scores(conn, viewer)
        kri_states = kri.latest_kri_states(conn, viewer)
        plans = (
            response_plans.plan_list(conn, viewer, now.date(), int(settings["drill_interval_days"]))
            if viewer.can(VIEW_DASHBOARDS)  # the plans are read on the dashboards' register
            else pd.DataFrame(columns=response_plans.PLAN_COLUMNS)
        )
        open_incidents = incidents.open_incidents(conn, viewer, now)
        trend = _trend(data, viewer, filters, lifetimes, min_n)
        as_of = overview.latest_full_month(data)

    category_levels = (
        snap.groupby(["category", "level"]).size().rename("count").reset_index()
        if not snap.empty
        else pd.DataFrame(columns=["category", "level", "count"])
    )
    ranked = attention.rank(
        attention.risk_items(snap)
        + attention.kri_items(kri_states, snap)
        + attention.nps_drop_items(region_now, region_before, "region", min_n)
        + attention.dq_items(dq_by_source)
        + attention.drill_items(plans)
        + attention.incident_items(open_incidents),
        limit=None,
    )
    return OverviewModel(
        as_of_month=as_of,
        at=at,
        risks_at=risks_at,
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
        dq_unscored_region=viewer.region_scope if viewer.region_scope and dq_now is None else None,
        category_levels=category_levels,
        trend=trend,
        attention=ranked[:ATTENTION_SHOWN],
        attention_more=ranked[ATTENTION_SHOWN:],
        open_incidents=open_incidents,
    )
