"""The churn page's trend tab: churn, GRR and NRR by month, churn by the split, and the
monthly figures in a table."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from components import charts_churn as charts
from components.data.churn import ChurnTrend
from components.export import show_chart
from components.i18n import code_label, dimension_label, month_label, t


def churn_trend_figure(trend: ChurnTrend) -> go.Figure:
    """Churn (with its interval), GRR and NRR by month."""
    monthly = trend.monthly.assign(month_label=trend.monthly["month"].map(month_label))
    return charts.churn_trend(
        monthly,
        {
            "ci": "95% CI",
            "churn": t("churn.rate"),
            "grr": t("churn.grr"),
            "nrr": t("churn.nrr"),
            "churn_axis": t("churn.rate_axis"),
            "rr_axis": t("churn.rr_axis"),
        },
        t("churn.trend_title"),
    )


def churn_over_time(trend: ChurnTrend, split: str) -> None:
    """The monthly trend chart, the split bars and the monthly table in an expander."""
    monthly = trend.monthly.assign(month_label=trend.monthly["month"].map(month_label))
    show_chart(churn_trend_figure(trend), key="churn_trend_chart")
    by_split = trend.by_split.assign(label=trend.by_split["value"].map(code_label))
    show_chart(
        charts.split_bars(
            by_split,
            {"axis": t("churn.split_axis"), "insufficient": t("kpi.insufficient")},
            t("churn.split_title", dim=dimension_label(split)),
        ),
        key="churn_split_chart",
    )
    with st.expander(t("churn.trend_table")):
        st.dataframe(
            monthly[
                [
                    "month_label",
                    "active_at_start",
                    "churned",
                    "rate",
                    "grr",
                    "nrr",
                    "revenue_churn",
                    "revenue",
                    "start",
                    "kept",
                    "lost",
                ]
            ],
            hide_index=True,
            column_config={
                "month_label": t("churn.month"),
                "active_at_start": st.column_config.NumberColumn(
                    t("churn.active"), format="localized"
                ),
                "churned": st.column_config.NumberColumn(t("churn.churned"), format="localized"),
                "rate": st.column_config.NumberColumn(t("churn.rate"), format="percent"),
                "grr": st.column_config.NumberColumn(t("churn.grr"), format="percent"),
                "nrr": st.column_config.NumberColumn(t("churn.nrr"), format="percent"),
                "revenue_churn": st.column_config.NumberColumn(
                    t("churn.revenue_churn"), format="percent"
                ),
                **{
                    k: st.column_config.NumberColumn(
                        t(f"churn.money.{k}"), help=t(f"churn.money.{k}.help"), format="localized"
                    )
                    for k in ("revenue", "start", "kept", "lost")
                },
            },
        )
