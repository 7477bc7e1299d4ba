"""The churn page's survival tab: Kaplan-Meier curves by the split, the log-rank test and the
median lifetime of each group."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import charts_churn as charts
from components import state
from components.data.churn import churn_survival
from components.export import show_chart
from components.i18n import code_label, t
from data_access.filters import Filters
from data_access.security import Viewer


def survival_by_split(viewer: Viewer, filters: Filters, split: str) -> None:
    """The curves (per value of the split, or one for everyone), the test when there is one,
    and the medians table."""
    overall = st.toggle(
        t("churn.survival_overall"), key=state.CHURN_SURVIVAL_OVERALL, bind="query-params"
    )
    survival = churn_survival(viewer, filters, None if overall else split)
    names = {
        g: t("churn.all_customers") if g == "all" else code_label(g)
        for g in survival.medians["group"]
    }
    show_chart(
        charts.survival_curves(
            survival.curves,
            names | {"axis_x": t("churn.survival_x"), "axis_y": t("churn.survival_y")},
            t("churn.survival_title"),
        ),
        key="churn_survival_chart",
    )
    if survival.test_statistic is not None:
        p = "< 0.001" if survival.p_value < 0.001 else f"= {survival.p_value:.3f}"
        st.markdown(t("churn.logrank", stat=f"{survival.test_statistic:,.1f}", p=p))
    medians = survival.medians.assign(
        group=survival.medians["group"].map(names),
        median=survival.medians["median_months"].map(
            lambda m: t("churn.not_reached") if pd.isna(m) else f"{m:.1f}"
        ),
    )
    st.dataframe(
        medians[["group", "customers", "churned", "median"]],
        hide_index=True,
        column_config={
            "group": t("churn.group"),
            "customers": st.column_config.NumberColumn(t("churn.size"), format="localized"),
            "churned": st.column_config.NumberColumn(t("churn.churned"), format="localized"),
            "median": t("churn.median"),
        },
    )
    st.caption(t("churn.survival_note", n=30))
