"""Trends tab: open risks by level, created and closed, pressure and time to close by month."""

from __future__ import annotations

import streamlit as st

from analytics.risk import LEVELS
from components import charts
from components.data.register import register_trends
from components.export import show_chart
from components.i18n import month_label, t
from data_access.filters import Filters
from data_access.security import Viewer


def trends(viewer: Viewer, filters: Filters) -> None:
    """Four monthly charts in two rows of two."""
    monthly = register_trends(viewer, filters)
    monthly["month_label"] = monthly["month"].map(month_label)
    level_frame = monthly.melt(
        id_vars=["month_label"], value_vars=list(LEVELS), var_name="level", value_name="count"
    )
    a, b = st.columns(2)
    with a:
        show_chart(
            charts.level_counts_over_time(
                level_frame, {lvl: t(f"level.{lvl}") for lvl in LEVELS}, t("register.trend.open")
            ),
            key="chart_register_levels",
        )
    with b:
        show_chart(
            charts.monthly_lines(
                monthly,
                {"created": t("register.trend.created"), "closed": t("register.trend.closed")},
                t("register.trend.flow"),
                t("chart.risks"),
            ),
            key="chart_register_flow",
        )
    c, d = st.columns(2)
    with c:
        show_chart(
            charts.monthly_lines(
                monthly,
                {
                    "above_appetite": t("register.flag.above_appetite"),
                    "overdue_reviews": t("kpi.overdue_reviews"),
                    "overdue_actions": t("register.col.overdue_actions"),
                },
                t("register.trend.pressure"),
                t("chart.risks"),
            ),
            key="chart_register_pressure",
        )
    with d:
        show_chart(
            charts.monthly_lines(
                monthly,
                {"mean_days_to_close": t("register.trend.days")},
                t("register.trend.ttc"),
                t("register.trend.days"),
            ),
            key="chart_register_ttc",
        )
