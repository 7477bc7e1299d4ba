"""Satisfaction and complaints: where satisfaction is falling, for whom, and whether it is real."""

import pandas as pd
import streamlit as st

from analytics.kpi import proportion
from analytics.satisfaction import gap_to_overall
from components import charts_satisfaction as charts
from components import state
from components.auth import require
from components.data.satisfaction import complaint_page, detractor_comments, satisfaction_model
from components.export import download_table
from components.filters import caption, current_filters
from components.focus import current_focus, set_focus
from components.i18n import code_label, month_label, t
from components.paging import page_number
from components.tiles import pct, rate_tile, score_tile
from data_access.codes import COMPLAINT_CATEGORIES, SEVERITIES
from data_access.complaints import AGE_BUCKETS, LIST_FILTERS, PAGE_SIZE
from data_access.satisfaction import CUSTOMER_DIMENSIONS, DIMENSION_CODES, Focus
from data_access.security import VIEW_DASHBOARDS, VIEW_RECORDS

viewer = require(VIEW_DASHBOARDS)
filters = current_filters()
focus = current_focus()
model = satisfaction_model(viewer, filters, focus)
METRICS = ("nps", "csat", "ces")


def segment_label(dimension: str, value: str) -> str:
    return f"{t('dim.' + dimension)}: {code_label(value)}"


def segment_labels(frame: pd.DataFrame) -> list[str]:
    pairs = zip(frame["dimension"], frame["value"], strict=True)
    return [segment_label(d, v) for d, v in pairs]


def interval(row: pd.Series, metric: str) -> str:
    if not row[f"{metric}_ok"]:
        return t("kpi.insufficient")
    return f"{row[f'{metric}_low']:.1f} – {row[f'{metric}_high']:.1f}"


def previous_value(metric: str) -> float | None:
    return model.previous[metric] if model.previous[f"{metric}_ok"] else None


def open_complaint_list(points: list[dict]) -> None:
    """A click on a category × severity bar filters the complaint list to those records."""
    if not points:
        return
    category, severity, _n = points[0].get("customdata") or (None, None, None)
    if category in COMPLAINT_CATEGORIES and severity in SEVERITIES:
        st.session_state[state.SAT_LIST_CATEGORY] = category
        st.session_state[state.SAT_LIST_SEVERITY] = severity
        st.session_state[state.SAT_LIST_STATUS] = "all"
        st.session_state[state.SAT_LIST_PAGE] = 1
        st.session_state[state.SAT_VOLUME_NONCE] = (
            st.session_state.get(state.SAT_VOLUME_NONCE, 0) + 1
        )
        st.rerun()


st.title(t("sat.title"))
st.caption(caption(filters, model.as_of_month) + " · " + t("sat.caption"))
if focus is not None:
    left, right = st.columns([5, 1], vertical_alignment="center")
    note = "sat.focus" if focus.applies_to_customers else "sat.focus_surveys_only"
    left.info(t(note, segment=segment_label(focus.dimension, focus.value)))
    if right.button(t("sat.clear_focus"), icon=":material/close:"):
        set_focus(None)

# --- KPI tiles --------------------------------------------------------------------------------
now = model.period
complaints_now = model.complaints
complaints_before = model.complaints_before
n_complaints = int(complaints_now["complaints"].sum())
breach_now = proportion(int(complaints_now["resolution_breached"].sum()), n_complaints)
breach_before = proportion(
    int(complaints_before["resolution_breached"].sum()),
    int(complaints_before["complaints"].sum()),
)
tiles = st.columns(5)
with tiles[0]:
    score_tile(
        t("kpi.nps"),
        now["nps"] if now["nps_ok"] else None,
        previous_value("nps"),
        t("sat.nps.help", ci=interval(now, "nps"), n=f"{now['n_nps']:,}"),
    )
with tiles[1]:
    score_tile(
        t("sat.csat"),
        now["csat"] / 100 if now["csat_ok"] else None,
        previous_value("csat") / 100 if previous_value("csat") is not None else None,
        t("sat.csat.help", ci=interval(now, "csat"), n=f"{now['n_csat']:,}"),
        as_percent=True,
    )
with tiles[2]:
    score_tile(
        t("sat.tile.ces"),
        now["ces"] if now["ces_ok"] else None,
        previous_value("ces"),
        t("sat.ces.help", ci=interval(now, "ces"), n=f"{now['n_ces']:,}"),
        up_is_good=False,
    )
with tiles[3]:
    n_before = int(complaints_before["complaints"].sum())
    score_tile(
        t("sat.tile.per_1000"),
        1000 * n_complaints / model.customers if model.customers else None,
        1000 * n_before / model.customers_before if model.customers_before else None,
        t("sat.complaints_per_1000.help", n=f"{n_complaints:,}", c=f"{model.customers:,}"),
        up_is_good=False,
    )
with tiles[4]:
    rate_tile(
        t("sat.tile.sla"),
        breach_now,
        breach_before,
        t("sat.sla.help", n=f"{n_complaints:,}"),
    )

tab_trends, tab_breakdown, tab_warning, tab_complaints, tab_verbatims = st.tabs(
    [t(f"sat.tab.{k}") for k in ("trends", "breakdown", "warning", "complaints", "verbatims")]
)

# --- Trends -----------------------------------------------------------------------------------
with tab_trends:
    monthly = model.monthly.assign(month_label=model.monthly["month"].map(month_label))
    columns = st.columns(3)
    for column, metric in zip(columns, METRICS, strict=True):
        labels = {
            "ci": t("chart.ci95"),
            "score": t(f"sat.metric.{metric}"),
            "insufficient": t("kpi.insufficient"),
            "axis": t(f"sat.axis.{metric}"),
        }
        with column:
            st.plotly_chart(
                charts.score_trend(monthly, metric, labels, t(f"sat.trend.{metric}")),
                key=f"sat_trend_{metric}",
            )
    mix_labels = {k: t(f"sat.{k}") for k in ("promoters", "passives", "detractors")}
    st.plotly_chart(
        charts.answer_mix(monthly, mix_labels, t("sat.mix_title")), key="sat_answer_mix"
    )
    st.caption(t("sat.trend_note", n=model.min_n))

# --- Breakdown --------------------------------------------------------------------------------
with tab_breakdown:
    dimension = (
        st.segmented_control(
            t("sat.break_by"),
            tuple(DIMENSION_CODES),
            format_func=lambda d: t(f"dim.{d}"),
            default="region",
            key=state.SAT_BREAKDOWN_DIM,
        )
        or "region"
    )
    metric = (
        st.segmented_control(
            t("sat.measure"),
            METRICS,
            format_func=lambda m: t(f"sat.metric.{m}"),
            default="nps",
            key=state.SAT_BREAKDOWN_METRIC,
        )
        or "nps"
    )
    overall = now[metric] if now[f"{metric}_ok"] else None
    frame = gap_to_overall(model.breakdowns[dimension], overall, metric)
    frame["label"] = frame["value"].map(code_label)
    nonce = st.session_state.get(state.SAT_CHART_NONCE, 0)
    labels = {
        "score": t(f"sat.metric.{metric}"),
        "insufficient": t("kpi.insufficient"),
        "overall": t("sat.overall"),
        "axis": t(f"sat.axis.{metric}"),
    }
    event = st.plotly_chart(
        charts.breakdown_bars(
            frame,
            metric,
            overall,
            labels,
            t("sat.breakdown_title", metric=t(f"sat.metric.{metric}"), dim=t(f"dim.{dimension}")),
        ),
        key=f"{state.SAT_BREAKDOWN_CHART}_{nonce}",
        on_select="rerun",
        selection_mode="points",
    )
    st.caption(t("sat.breakdown_hint"))
    points = (event or {}).get("selection", {}).get("points", [])
    if points:
        chosen = Focus.from_param(f"{dimension}:{points[0]['customdata'][0]}")
        if chosen is not None and chosen != focus:
            set_focus(chosen)
    table = frame[["label", f"n_{metric}", metric, f"{metric}_low", f"{metric}_high", "gap"]]
    table = table.assign(customers=frame["customers"].fillna(0).astype(int))
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "label": t(f"dim.{dimension}"),
            f"n_{metric}": st.column_config.NumberColumn(t("sat.responses"), format="localized"),
            metric: st.column_config.NumberColumn(t(f"sat.metric.{metric}"), format="%.1f"),
            f"{metric}_low": st.column_config.NumberColumn(t("sat.ci_low"), format="%.1f"),
            f"{metric}_high": st.column_config.NumberColumn(t("sat.ci_high"), format="%.1f"),
            "gap": st.column_config.NumberColumn(t("sat.gap"), format="%+.1f"),
            "customers": st.column_config.NumberColumn(t("sat.customers"), format="localized"),
        },
    )

# --- Early warning ----------------------------------------------------------------------------
with tab_warning:
    warnings = model.warnings
    flagged = warnings[warnings["flagged"]]
    st.caption(t("sat.warning_method", tests=len(warnings), n=model.min_n))
    if flagged.empty:
        st.success(t("sat.warning_none"))
    else:
        shown = flagged.assign(
            segment=segment_labels(flagged),
            measure=flagged["metric"].map(lambda m: t(f"sat.metric.{m}")),
            pattern=flagged["localised"].map(lambda x: t("sat.localised") if x else t("sat.broad")),
        )
        selection = st.dataframe(
            shown[
                [
                    "segment",
                    "measure",
                    "baseline",
                    "latest",
                    "change",
                    "n_latest",
                    "z",
                    "p_adjusted",
                    "pattern",
                    "customers",
                ]
            ],
            hide_index=True,
            key=state.SAT_WARNING_TABLE,
            on_select="rerun",
            selection_mode="single-row",
            column_config={
                "segment": t("sat.segment"),
                "measure": t("sat.measure"),
                "baseline": st.column_config.NumberColumn(t("sat.baseline"), format="%.1f"),
                "latest": st.column_config.NumberColumn(t("sat.latest"), format="%.1f"),
                "change": st.column_config.NumberColumn(t("sat.change"), format="%+.1f"),
                "n_latest": st.column_config.NumberColumn(t("sat.responses"), format="localized"),
                "z": st.column_config.NumberColumn("z", format="%.2f"),
                "p_adjusted": st.column_config.NumberColumn(t("sat.p_adjusted"), format="%.2g"),
                "pattern": st.column_config.TextColumn(
                    t("sat.pattern"), help=t("sat.pattern.help")
                ),
                "customers": st.column_config.NumberColumn(
                    t("sat.customers_affected"), format="localized"
                ),
            },
        )
        st.caption(t("sat.warning_hint"))
        rows = selection.selection.rows if selection else []
        if rows and rows[0] < len(flagged):
            pick = flagged.iloc[rows[0]]
            chosen = Focus.from_param(f"{pick['dimension']}:{pick['value']}")
            if chosen is not None and chosen != focus:
                set_focus(chosen)
    with st.expander(t("sat.warning_all", n=len(warnings))):
        st.dataframe(
            warnings.assign(segment=segment_labels(warnings))[
                [
                    "segment",
                    "metric",
                    "baseline",
                    "latest",
                    "change",
                    "z",
                    "p",
                    "p_adjusted",
                    "flagged",
                ]
            ],
            hide_index=True,
            column_config={
                "segment": t("sat.segment"),
                "metric": t("sat.measure"),
                "baseline": st.column_config.NumberColumn(t("sat.baseline"), format="%.1f"),
                "latest": st.column_config.NumberColumn(t("sat.latest"), format="%.1f"),
                "change": st.column_config.NumberColumn(t("sat.change"), format="%+.1f"),
                "z": st.column_config.NumberColumn("z", format="%.2f"),
                "p": st.column_config.NumberColumn("p", format="%.2g"),
                "p_adjusted": st.column_config.NumberColumn(t("sat.p_adjusted"), format="%.2g"),
                "flagged": st.column_config.CheckboxColumn(t("sat.flagged")),
            },
        )

# --- Complaints -------------------------------------------------------------------------------
with tab_complaints:
    counts = model.complaints
    if counts.empty:
        st.info(t("sat.no_complaints"))
    else:
        open_now = int(model.backlog["open"].sum())
        a, b, c, d = st.columns(4)
        a.metric(t("sat.complaints"), f"{n_complaints:,}", border=True)
        b.metric(
            t("sat.response_breach"),
            pct(counts["response_breached"].sum() / n_complaints),
            help=t("sat.response_breach.help"),
            border=True,
        )
        c.metric(
            t("sat.escalated"),
            pct(counts["escalated"].sum() / n_complaints),
            help=t("sat.escalated.help"),
            border=True,
        )
        d.metric(t("sat.backlog"), f"{open_now:,}", help=t("sat.backlog.help"), border=True)
        left, right = st.columns(2)
        with left:
            volume = counts.assign(
                category_label=counts["category"].map(code_label),
                per_1000=1000 * counts["complaints"] / max(model.customers, 1),
            )
            labels = {s: code_label(s) for s in SEVERITIES} | {"axis": t("sat.per_1000_axis")}
            drill = viewer.can(VIEW_RECORDS)
            volume_nonce = st.session_state.get(state.SAT_VOLUME_NONCE, 0)
            event = st.plotly_chart(
                charts.complaint_volume(volume, labels, t("sat.volume_title")),
                key=f"sat_complaint_volume_{volume_nonce}",
                on_select="rerun" if drill else "ignore",
                selection_mode="points",
            )
            if drill:
                st.caption(t("sat.volume_hint"))
                open_complaint_list((event or {}).get("selection", {}).get("points", []))
        with right:
            buckets = [label for label, _low, _high in AGE_BUCKETS]
            labels = {s: code_label(s) for s in SEVERITIES} | {
                "axis": t("sat.age_days"),
                "count": t("sat.open_complaints"),
            }
            st.plotly_chart(
                charts.backlog_aging(model.backlog, buckets, labels, t("sat.backlog_title")),
                key="sat_backlog",
            )
        st.markdown(f"**{t('sat.times_title')}**")
        times = model.times.assign(severity=model.times["severity"].map(code_label))
        hours = {"format": "%.1f h"}
        st.dataframe(
            times[
                [
                    "severity",
                    "response_sla_hours",
                    "response_p50",
                    "response_p90",
                    "sla_hours",
                    "resolution_p50",
                    "resolution_p90",
                    "resolution_n",
                ]
            ],
            hide_index=True,
            column_config={
                "severity": t("sat.severity"),
                "response_sla_hours": st.column_config.NumberColumn(t("sat.response_sla"), **hours),
                "response_p50": st.column_config.NumberColumn(t("sat.response_p50"), **hours),
                "response_p90": st.column_config.NumberColumn(t("sat.response_p90"), **hours),
                "sla_hours": st.column_config.NumberColumn(t("sat.resolution_sla"), **hours),
                "resolution_p50": st.column_config.NumberColumn(t("sat.resolution_p50"), **hours),
                "resolution_p90": st.column_config.NumberColumn(t("sat.resolution_p90"), **hours),
                "resolution_n": st.column_config.NumberColumn(
                    t("sat.resolved"), format="localized"
                ),
            },
        )
        st.caption(t("sat.times_note"))
        scatter_dim = (
            st.segmented_control(
                t("sat.compare_by"),
                CUSTOMER_DIMENSIONS,
                format_func=lambda d: t(f"dim.{d}"),
                default="region",
                key=state.SAT_SCATTER_DIM,
            )
            or "region"
        )
        versus = model.complaint_vs_nps[scatter_dim]
        versus = versus.assign(label=versus["value"].map(code_label))
        st.plotly_chart(
            charts.complaints_vs_nps(
                versus,
                {"x": t("sat.per_1000_axis"), "y": t("sat.metric.nps")},
                t("sat.versus_title", dim=t(f"dim.{scatter_dim}")),
            ),
            key="sat_versus",
        )
        hidden = versus.loc[~versus["nps_ok"].astype(bool), "label"].tolist()
        if hidden:
            st.caption(t("sat.versus_hidden", segments=", ".join(hidden), n=model.min_n))

    st.markdown(f"**{t('sat.list_title')}**")
    if not viewer.can(VIEW_RECORDS):
        st.info(t("sat.list_not_allowed"))
    else:
        a, b, c = st.columns(3)
        category = a.selectbox(
            t("sat.category"),
            (None, *COMPLAINT_CATEGORIES),
            format_func=lambda v: t("filters.all") if v is None else code_label(v),
            key=state.SAT_LIST_CATEGORY,
        )
        severity = b.selectbox(
            t("sat.severity"),
            (None, *SEVERITIES),
            format_func=lambda v: t("filters.all") if v is None else code_label(v),
            key=state.SAT_LIST_SEVERITY,
        )
        status = c.selectbox(
            t("sat.status"),
            LIST_FILTERS,
            format_func=lambda v: t(f"sat.status.{v}"),
            key=state.SAT_LIST_STATUS,
        )
        rows, total = complaint_page(viewer, filters, focus, category, severity, status, 0)
        page = page_number(total, PAGE_SIZE, state.SAT_LIST_PAGE)
        if page > 0:
            rows, total = complaint_page(viewer, filters, focus, category, severity, status, page)
        st.caption(t("sat.list_count", shown=len(rows), total=f"{total:,}"))
        if rows.empty:
            st.info(t("sat.list_empty"))
        else:
            listed = rows.assign(
                **{c: rows[c].map(code_label) for c in ("category", "severity", "tier")}
            )
            st.dataframe(
                listed,
                hide_index=True,
                column_config={
                    "opened_at": st.column_config.DatetimeColumn(
                        t("sat.opened"), format="YYYY-MM-DD HH:mm"
                    ),
                    "customer_id": t("sat.customer_id"),
                    "customer": t("sat.customer"),
                    "email": t("sat.email"),
                    "phone": t("sat.phone"),
                    "region": t("dim.region"),
                    "segment": t("dim.segment"),
                    "tier": t("dim.tier"),
                    "category": t("sat.category"),
                    "severity": t("sat.severity"),
                    "channel": t("sat.channel"),
                    "response_hours": st.column_config.NumberColumn(
                        t("sat.response_hours"), format="%.1f h"
                    ),
                    "resolution_hours": st.column_config.NumberColumn(
                        t("sat.resolution_hours"), format="%.1f h"
                    ),
                    "sla_breached": st.column_config.CheckboxColumn(t("sat.breached")),
                    "escalated": st.column_config.CheckboxColumn(t("sat.escalated")),
                    "status": t("sat.status"),
                    "description": t("sat.description"),
                },
            )
            download_table(viewer, listed, "complaints", key=f"download_complaints_{page}")
        if not viewer.may_see_pii:
            st.caption(t("sat.masked"))

# --- Verbatims --------------------------------------------------------------------------------
with tab_verbatims:
    comments = detractor_comments(viewer, filters, focus) if viewer.can(VIEW_RECORDS) else None
    if comments is None:
        st.info(t("sat.verbatims_not_allowed"))
    elif comments.empty:
        st.info(t("sat.no_verbatims"))
    else:
        st.dataframe(
            comments.assign(
                touchpoint=comments["touchpoint"].map(code_label),
                tier=comments["tier"].map(code_label),
            ),
            hide_index=True,
            column_config={
                "responded_on": st.column_config.DateColumn(t("sat.answered"), format="YYYY-MM-DD"),
                "nps": st.column_config.NumberColumn(t("sat.nps_answer"), format="%d"),
                "touchpoint": t("dim.touchpoint"),
                "region": t("dim.region"),
                "segment": t("dim.segment"),
                "tier": t("dim.tier"),
                "customer": t("sat.customer"),
                "comment": st.column_config.TextColumn(t("sat.comment"), width="large"),
            },
        )
        st.caption(t("sat.verbatims_note", n=len(comments)))
        if not viewer.may_see_pii:
            st.caption(t("sat.masked"))
