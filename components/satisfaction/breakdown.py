"""The satisfaction page's breakdown tab: one measure by one dimension, against the overall
score; a click on a bar focuses the page on that segment."""

from __future__ import annotations

import streamlit as st

from analytics.satisfaction import gap_to_overall
from components import charts_satisfaction as charts
from components import state
from components.data.satisfaction import SatisfactionModel
from components.data.shared import readable_code_lists
from components.export import show_chart
from components.focus import set_focus
from components.i18n import code_label, dimension_label, t
from components.satisfaction.labels import METRICS, metric_key
from data_access.satisfaction import Focus


def breakdown(model: SatisfactionModel, focus: Focus | None) -> None:
    """Dimension and measure pickers, the gap-to-overall bars and their table."""
    dimension = (
        st.segmented_control(
            t("sat.break_by"),
            tuple(model.breakdowns),  # the listed dimensions, then imported attributes
            format_func=dimension_label,
            default="region",
            key=state.SAT_BREAKDOWN_DIM,
            bind="query-params",
        )
        or "region"
    )
    metric = (
        st.segmented_control(
            t("sat.measure"),
            METRICS,
            format_func=lambda m: t(f"sat.metric.{metric_key(m, model.csat_source)}"),
            default="nps",
            key=state.SAT_BREAKDOWN_METRIC,
            bind="query-params",
        )
        or "nps"
    )
    name = t(f"sat.metric.{metric_key(metric, model.csat_source)}")  # CSAT names its source
    now = model.period
    overall = now[metric] if now[f"{metric}_ok"] else None
    frame = gap_to_overall(model.breakdowns[dimension], overall, metric)
    frame["label"] = frame["value"].map(code_label)
    nonce = st.session_state.get(state.SAT_CHART_NONCE, 0)
    labels = {
        "score": name,
        "insufficient": t("kpi.insufficient"),
        "overall": t("sat.overall"),
        "axis": t(f"sat.axis.{metric}"),
    }
    event = show_chart(
        charts.breakdown_bars(
            frame,
            metric,
            overall,
            labels,
            t(
                "sat.breakdown_title",
                metric=name,
                dim=dimension_label(dimension),
            ),
        ),
        key=f"{state.SAT_BREAKDOWN_CHART}_{nonce}",
        on_select="rerun",
        selection_mode="points",
    )
    st.caption(t("sat.breakdown_hint"))
    points = (event or {}).get("selection", {}).get("points", [])
    if points:
        chosen = Focus.from_param(
            f"{dimension}:{points[0]['customdata'][0]}", readable_code_lists()
        )
        if chosen is not None and chosen != focus:
            set_focus(chosen)
    table = frame[["label", f"n_{metric}", metric, f"{metric}_low", f"{metric}_high", "gap"]]
    table = table.assign(customers=frame["customers"].fillna(0).astype(int))
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "label": dimension_label(dimension),
            f"n_{metric}": st.column_config.NumberColumn(t("sat.responses"), format="localized"),
            metric: st.column_config.NumberColumn(name, format="%.1f"),
            f"{metric}_low": st.column_config.NumberColumn(t("sat.ci_low"), format="%.1f"),
            f"{metric}_high": st.column_config.NumberColumn(t("sat.ci_high"), format="%.1f"),
            "gap": st.column_config.NumberColumn(t("sat.gap"), format="%+.1f"),
            "customers": st.column_config.NumberColumn(t("sat.customers"), format="localized"),
        },
    )
