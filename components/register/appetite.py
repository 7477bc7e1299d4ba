"""Appetite tab: each category's worst open risk against its appetite, and the breaches."""

from __future__ import annotations

import streamlit as st

from components import charts
from components.data.register import register_view
from components.export import show_chart
from components.i18n import risk_status_label, t
from data_access.filters import Filters
from data_access.security import Viewer


def appetite(viewer: Viewer, filters: Filters) -> None:
    """A bar per category (worst score vs appetite) and the open risks above appetite."""
    open_view = register_view(viewer, filters, False)
    worst = open_view.groupby("category").agg(worst=("score", "max"), appetite=("appetite", "max"))
    worst = worst.reset_index().sort_values("worst")
    worst["breach"] = worst["worst"] > worst["appetite"]
    worst["category_label"] = worst["category"].map(lambda c: f"{c} · {t('category.' + c)}")
    show_chart(
        charts.appetite_bars(
            worst,
            {
                "worst": t("register.appetite.worst"),
                "appetite": t("register.col.appetite"),
                "score": t("register.col.score"),
            },
            t("register.appetite.title"),
        ),
        key="chart_register_appetite",
    )
    breaches = open_view[open_view["above_appetite"]]
    st.subheader(t("register.appetite.breaches", n=len(breaches)))
    st.dataframe(
        breaches[["code", "title", "category", "score", "appetite", "owner", "status"]].assign(
            category=breaches["category"].map(lambda c: f"{c} · {t('category.' + c)}"),
            status=breaches["status"].map(risk_status_label),
        ),
        hide_index=True,
        column_config={
            "code": t("register.col.code"),
            "title": t("register.col.title"),
            "category": t("chart.category"),
            "score": t("register.col.score"),
            "appetite": t("register.col.appetite"),
            "owner": t("register.col.owner"),
            "status": t("register.col.status"),
        },
    )
