"""The satisfaction page's trends tab: NPS, CSAT and CES by month, and the NPS answer mix."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from components import charts_satisfaction as charts
from components.data.satisfaction import SatisfactionModel
from components.export import show_chart
from components.i18n import month_label, t
from components.satisfaction.labels import METRICS, metric_key


def score_trend_figure(model: SatisfactionModel, metric: str) -> go.Figure:
    """One measure's monthly score with its 95% interval (thin months marked)."""
    monthly = model.monthly.assign(month_label=model.monthly["month"].map(month_label))
    labels = {
        "ci": t("chart.ci95"),
        "score": t(f"sat.metric.{metric_key(metric, model.csat_source)}"),
        "insufficient": t("kpi.insufficient"),
        "axis": t(f"sat.axis.{metric}"),
    }
    title = t(f"sat.trend.{metric_key(metric, model.csat_source)}")
    return charts.score_trend(monthly, metric, labels, title)


def trends(model: SatisfactionModel) -> None:
    """One score trend per measure side by side, then the promoter/passive/detractor mix."""
    monthly = model.monthly.assign(month_label=model.monthly["month"].map(month_label))
    columns = st.columns(3)
    for column, metric in zip(columns, METRICS, strict=True):
        with column:
            show_chart(score_trend_figure(model, metric), key=f"sat_trend_{metric}")
    mix_labels = {k: t(f"sat.{k}") for k in ("promoters", "passives", "detractors")}
    show_chart(charts.answer_mix(monthly, mix_labels, t("sat.mix_title")), key="sat_answer_mix")
    st.caption(t("sat.trend_note", n=model.min_n))
