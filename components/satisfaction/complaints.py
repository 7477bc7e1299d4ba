"""The satisfaction page's complaint figures: counts, volume by category and severity, the
open backlog by age, handling times against the SLA, and complaints against NPS."""

from __future__ import annotations

import streamlit as st

from components import charts_satisfaction as charts
from components import state
from components.data.satisfaction import SatisfactionModel
from components.data.shared import readable_code_lists
from components.export import show_chart
from components.i18n import code_label, dimension_label, t
from components.tiles import TileText, insufficient, metric, pct
from data_access.codes import SEVERITIES
from data_access.complaints import AGE_BUCKETS
from data_access.satisfaction import CUSTOMER_DIMENSIONS
from data_access.security import VIEW_RECORDS, Viewer


def open_complaint_list(points: list[dict]) -> None:
    """A click on a category × severity bar filters the complaint list to those records."""
    if not points:
        return
    category, severity, _n = points[0].get("customdata") or (None, None, None)
    categories = readable_code_lists()["complaint_category"]
    if category in categories and severity in SEVERITIES:
        st.session_state[state.SAT_LIST_CATEGORY] = category
        st.session_state[state.SAT_LIST_SEVERITY] = severity
        st.session_state[state.SAT_LIST_STATUS] = "all"
        st.session_state[state.SAT_LIST_PAGE] = 1
        st.session_state[state.SAT_VOLUME_NONCE] = (
            st.session_state.get(state.SAT_VOLUME_NONCE, 0) + 1
        )
        st.rerun()


def complaint_figures(viewer: Viewer, model: SatisfactionModel) -> None:
    """The complaints of the period in figures, or a note that there were none."""
    counts = model.complaints
    if counts.empty:
        st.info(t("sat.no_complaints"))
        return
    n_complaints = int(counts["complaints"].sum())
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
    _after_resolution(model)
    left, right = st.columns(2)
    with left:
        volume = counts.assign(
            category_label=counts["category"].map(code_label),
            per_1000=1000 * counts["complaints"] / max(model.customers, 1),
        )
        labels = {s: code_label(s) for s in SEVERITIES} | {"axis": t("sat.per_1000_axis")}
        drill = viewer.can(VIEW_RECORDS)
        volume_nonce = st.session_state.get(state.SAT_VOLUME_NONCE, 0)
        event = show_chart(
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
        show_chart(
            charts.backlog_aging(model.backlog, buckets, labels, t("sat.backlog_title")),
            key="sat_backlog",
        )
    _handling_times(model)
    _complaints_versus_nps(model)


def _handling_times(model: SatisfactionModel) -> None:
    """Response and resolution times by severity, against their SLAs."""
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
            "resolution_n": st.column_config.NumberColumn(t("sat.resolved"), format="localized"),
        },
    )
    st.caption(t("sat.times_note"))


def _complaints_versus_nps(model: SatisfactionModel) -> None:
    """Complaints per 1,000 customers against NPS, one point per segment of a dimension."""
    scatter_dim = (
        st.segmented_control(
            t("sat.compare_by"),
            CUSTOMER_DIMENSIONS,
            format_func=dimension_label,
            default="region",
            key=state.SAT_SCATTER_DIM,
            bind="query-params",
        )
        or "region"
    )
    versus = model.complaint_vs_nps[scatter_dim]
    versus = versus.assign(label=versus["value"].map(code_label))
    show_chart(
        charts.complaints_vs_nps(
            versus,
            {"x": t("sat.per_1000_axis"), "y": t("sat.metric.nps")},
            t("sat.versus_title", dim=dimension_label(scatter_dim)),
        ),
        key="sat_versus",
    )
    hidden = versus.loc[~versus["nps_ok"].astype(bool), "label"].tolist()
    if hidden:
        st.caption(t("sat.versus_hidden", segments=", ".join(hidden), n=model.min_n))


def _after_resolution(model: SatisfactionModel) -> None:
    """The customers' satisfaction with how their complaint was resolved (asked at closing,
    1–5): overall, and for resolutions within their SLA against breached ones."""
    columns = st.columns(3)
    for column, group in zip(columns, ("all", "within_sla", "breached"), strict=True):
        estimate = model.feedback[group]
        with column:
            metric(
                t(f"case.after.{group}"),
                TileText(f"{estimate.value:.2f} / 5") if estimate.sufficient else insufficient(),
                t(
                    "case.after.help",
                    ci=f"{estimate.low:.2f} – {estimate.high:.2f}"
                    if estimate.sufficient
                    else t("kpi.insufficient"),
                    n=estimate.n,
                    min_n=model.min_n,
                ),
            )
