"""KRI values: each KRI's metric per month, computed in SQL within the KRI's scope, stored
in kri_values with its RAG state. The metric definitions reuse the overview's queries so a
KRI and the tile it mirrors can never disagree.

Reading is scoped to the viewer (`visible_kris`): a region-scoped viewer gets only KRIs whose
stored scope lies within their region. KRIs over all regions or another region are withheld
from them rather than recomputed for their region on read: the stored values, states and
history all describe the KRI's own scope, and a value recomputed for a region would be a
different KRI under the same name and thresholds. A data-quality-score KRI scoped to a region
is computed from the check run's rows of that region (dq_results stores them per region); its
segment and tier scope do not apply (runs count per region only)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    case,
    delete,
    func,
    insert,
    or_,
    select,
)

from analytics import dq as dq_stats
from analytics.kpi import nps
from analytics.kri import kri_state, worst
from data_access import dq_results, incident_metrics, kri_alerts, overview
from data_access.filters import Filters, add_months
from data_access.models import (
    Complaint,
    Customer,
    Invoice,
    KeyRiskIndicator,
    KriValue,
    SurveyResponse,
)
from data_access.scope import customer_conditions
from data_access.security import Viewer
from data_access.settings import get_setting

METRIC_DEFINITIONS = {
    "churn_rate": "Customers lost in the month ÷ customers active at its start (lost by the "
    "organisation's churn definition: contract end, or no purchase for the inactivity days).",
    "nps": "% promoters (9–10) − % detractors (0–6) of the month's survey answers.",
    "csat": "Share of CSAT answers of 4 or 5 (top-2-box) in the month.",
    "sla_breach_rate": "Complaints opened in the month resolved after their SLA or still "
    "open past it at month end.",
    "overdue_30_share": "Invoices due in the previous month still unpaid at this month's end "
    "(30+ days overdue).",
    "dq_score": "Weighted data-quality score of one table's rules, latest check run.",
    **incident_metrics.METRIC_DEFINITIONS,
}
METRICS = tuple(METRIC_DEFINITIONS)
# Metrics of incidents, scoped by the region of the materialised risk only.
INCIDENT_METRICS = incident_metrics.METRICS
# Metrics read straight from the customers' rows, so they can be limited to one source system;
# churn and NPS read summaries that carry no source, and a DQ score is per table.
SOURCE_METRICS = ("csat", "sla_breach_rate", "overdue_30_share")
_SYSTEM = Viewer("system", "admin")  # KRI scope comes from the KRI, not from a user


def _scope(conn: Connection, kri: object, month: date) -> Filters:
    """One month of the KRI's slice, lost customers counted by the organisation's churn
    definition (settings), so a KRI and the churn page agree."""

    def one(value: str | None) -> tuple[str, ...]:
        return (value,) if value else ()

    return Filters(
        month,
        1,
        one(kri.scope_region),
        one(kri.scope_segment),
        one(kri.scope_tier),
        churn_basis=get_setting(conn, "churn_basis"),
        inactivity_days=int(get_setting(conn, "inactivity_days")),
    )


def _source(kri: object) -> list[ColumnElement[bool]]:
    """The KRI's source-system condition on `customers` (none when it covers every source)."""
    source = getattr(kri, "scope_source", None)
    return [Customer.source_system == source] if source else []


def _csat(conn: Connection, filters: Filters, *extra: ColumnElement[bool]) -> tuple[int, int]:
    row = conn.execute(
        select(
            func.count(SurveyResponse.csat),
            func.coalesce(func.sum(case((SurveyResponse.csat >= 4, 1), else_=0)), 0),
        )
        .join(Customer, Customer.id == SurveyResponse.customer_id)
        .where(
            SurveyResponse.responded_on >= filters.start,
            SurveyResponse.responded_on < filters.end_exclusive,
            *customer_conditions(_SYSTEM, filters),
            *extra,
        )
    ).one()
    return int(row[1]), int(row[0])


def _sla_breaches(conn: Connection, filters: Filters, source: list) -> tuple[int, int]:
    """(complaints opened in the month, of which breached by month end) — the overview's
    count, or the same count limited to a source system."""
    at = datetime.combine(filters.end_exclusive, datetime.min.time())
    if not source:
        return overview.complaint_sla_counts(conn, _SYSTEM, filters, at)
    breached = or_(
        Complaint.resolved_at > Complaint.resolution_due_at,
        and_(Complaint.resolved_at.is_(None), Complaint.resolution_due_at < at),
    )
    row = conn.execute(
        select(func.count(Complaint.id), func.coalesce(func.sum(case((breached, 1), else_=0)), 0))
        .join(Customer, Customer.id == Complaint.customer_id)
        .where(
            Complaint.opened_at >= datetime.combine(filters.start, datetime.min.time()),
            Complaint.opened_at < at,
            *customer_conditions(_SYSTEM, filters),
            *source,
        )
    ).one()
    return int(row[0]), int(row[1])


def _overdue_30(conn: Connection, filters: Filters, *extra: ColumnElement[bool]) -> tuple[int, int]:
    """Invoices that fell due in the previous month (so at least 30 days before this month's
    end) and were still unpaid at this month's end."""
    month_end = filters.end_exclusive
    late = or_(Invoice.paid_date.is_(None), Invoice.paid_date >= month_end)
    row = conn.execute(
        select(func.count(Invoice.id), func.coalesce(func.sum(case((late, 1), else_=0)), 0))
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(
            Invoice.due_date >= add_months(filters.start, -1),
            Invoice.due_date < filters.start,
            *customer_conditions(_SYSTEM, filters),
            *extra,
        )
    ).one()
    return int(row[1]), int(row[0])


def _dq_table_score(
    conn: Connection, table: str | None, region: str | None = None
) -> tuple[float | None, int]:
    """Score of one table's rules in the latest run, over every region or one region's rows;
    n is the number of rules that checked a row."""
    runs = dq_results.latest_run_ids(conn, n=1)
    if not runs or not table:
        return None, 0
    results = dq_results.run_results(conn, runs[0], region)
    results = results[results["table_name"] == table]
    rules = int((results.groupby("rule_id")["checked"].sum() > 0).sum())
    return dq_stats.overall_score(results), rules


def metric_value(
    conn: Connection, kri: object, month: date, min_n: int
) -> tuple[float | None, int]:
    """(value, n) of the KRI's metric for one calendar month; value None when n < min_n."""
    filters = _scope(conn, kri, month)
    if kri.metric == "churn_rate":
        c = overview.churn_by_month(conn, _SYSTEM, filters).iloc[0]
        k, n = int(c.churned), int(c.active_at_start)
    elif kri.metric == "nps":
        counts = overview.nps_counts(conn, _SYSTEM, filters).iloc[0]
        est = nps(int(counts.promoters), int(counts.detractors), int(counts.n), min_n)
        return est.value, int(counts.n)
    elif kri.metric == "csat":
        k, n = _csat(conn, filters, *_source(kri))
    elif kri.metric == "sla_breach_rate":
        n, k = _sla_breaches(conn, filters, _source(kri))
    elif kri.metric == "overdue_30_share":
        k, n = _overdue_30(conn, filters, *_source(kri))
    elif kri.metric == "dq_score":
        return _dq_table_score(conn, kri.metric_param, kri.scope_region)
    elif kri.metric in INCIDENT_METRICS:
        return incident_metrics.month_value(
            conn, kri.metric, kri.scope_region, filters.start, filters.end_exclusive
        )
    else:
        raise ValueError(f"unknown KRI metric {kri.metric!r}")
    return (k / n if n >= max(min_n, 1) else None), n


def refresh_kri_values(
    engine: Engine,
    months: list[date],
    computed_at: datetime | None = None,
    kri_ids: list[int] | None = None,
) -> int:
    """Compute and store every active KRI (or those of `kri_ids`) for every month, replacing
    earlier values; a retired KRI keeps the values it had. Rows written. The values are
    computed on a read connection; only the short write holds the lock, and in it a KRI that
    turned red enqueues its notifications (kri_alerts)."""
    computed_at = computed_at or datetime.now()
    with engine.connect() as conn:
        min_n = int(get_setting(conn, "min_sample_size"))
        stmt = select(*KeyRiskIndicator.__table__.c).where(KeyRiskIndicator.status == "active")
        if kri_ids is not None:
            stmt = stmt.where(KeyRiskIndicator.id.in_(kri_ids))
        kris = conn.execute(stmt).all()
        rows = []
        for kri in kris:
            for month in months:
                value, n = metric_value(conn, kri, month, min_n)
                state = kri_state(
                    value, kri.direction, kri.amber_threshold, kri.red_threshold, value is not None
                )
                rows.append(
                    dict(
                        kri_id=kri.id,
                        period_month=month,
                        value=value,
                        n=n,
                        state=state,
                        computed_at=computed_at,
                    )
                )
    with engine.begin() as conn:
        before = kri_alerts.newest_values(conn, [k.id for k in kris])
        conn.execute(
            delete(KriValue).where(
                KriValue.kri_id.in_([k.id for k in kris]), KriValue.period_month.in_(months)
            )
        )
        if rows:
            conn.execute(insert(KriValue), rows)
        kri_alerts.enqueue_turned_red(conn, [k.id for k in kris], before, computed_at)
    return len(rows)


def visible_kris(viewer: Viewer) -> list[ColumnElement[bool]]:
    """WHERE conditions on `kris` for what the viewer may see: everything for all-region
    access; for a region-scoped viewer, KRIs scoped to their region only (never one over all
    regions or another region; a data-quality-score KRI of their region counts their
    region's rows)."""
    if viewer.region_scope is None:
        return []
    return [KeyRiskIndicator.scope_region == viewer.region_scope]


def last_months(latest: date, count: int) -> list[date]:
    """`count` month starts ending with `latest`."""
    return [add_months(latest, -i) for i in range(count - 1, -1, -1)]


def latest_kri_states(
    conn: Connection, viewer: Viewer, risk_ids: list[int] | None = None
) -> pd.DataFrame:
    """The newest stored value of each KRI the viewer may see (optionally of some risks)."""
    ranked = select(
        KriValue.kri_id,
        KriValue.period_month,
        KriValue.value,
        KriValue.n,
        KriValue.state,
        func.row_number()
        .over(partition_by=KriValue.kri_id, order_by=KriValue.period_month.desc())
        .label("rn"),
    ).subquery()
    k = KeyRiskIndicator
    stmt = (
        select(
            k.id.label("kri_id"),
            k.risk_id,
            k.name,
            k.metric,
            k.scope_region,
            k.scope_segment,
            k.scope_tier,
            k.direction,
            k.amber_threshold,
            k.red_threshold,
            ranked.c.period_month,
            ranked.c.value,
            ranked.c.n,
            ranked.c.state,
        )
        .join(ranked, and_(ranked.c.kri_id == k.id, ranked.c.rn == 1))
        .where(k.status == "active", *visible_kris(viewer))
        .order_by(k.risk_id, k.id)
    )
    if risk_ids is not None:
        stmt = stmt.where(k.risk_id.in_(risk_ids))
    columns = [
        "kri_id",
        "risk_id",
        "name",
        "metric",
        "scope_region",
        "scope_segment",
        "scope_tier",
        "direction",
        "amber_threshold",
        "red_threshold",
        "period_month",
        "value",
        "n",
        "state",
    ]
    return pd.DataFrame(conn.execute(stmt).mappings().all(), columns=columns)


def kri_history(
    conn: Connection, viewer: Viewer, kri_id: int, limit_months: int = 12
) -> pd.DataFrame:
    """A KRI's stored monthly values, oldest first (none for a KRI the viewer may not see)."""
    rows = conn.execute(
        select(KriValue.period_month, KriValue.value, KriValue.n, KriValue.state)
        .join(KeyRiskIndicator, KeyRiskIndicator.id == KriValue.kri_id)
        .where(KriValue.kri_id == kri_id, *visible_kris(viewer))
        .order_by(KriValue.period_month.desc())
        .limit(limit_months)
    ).mappings()
    frame = pd.DataFrame(rows.all(), columns=["period_month", "value", "n", "state"])
    return frame.iloc[::-1].reset_index(drop=True)


def worst_state_per_risk(conn: Connection, viewer: Viewer) -> dict[int, str]:
    """Each risk's most severe current state among the KRIs the viewer may see."""
    states = latest_kri_states(conn, viewer)
    return {int(r): worst(list(g["state"])) for r, g in states.groupby("risk_id")}


def refresh_kris(engine: Engine, months: int = 12, kri_ids: list[int] | None = None) -> int:
    """Recompute the active KRIs (or those of `kri_ids`) for the last `months` months of data
    (after a seed or import, or when one KRI is defined or edited)."""
    with engine.connect() as conn:
        latest = overview.latest_full_month(conn)
    return refresh_kri_values(engine, last_months(latest, months), kri_ids=kri_ids)
