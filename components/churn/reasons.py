"""The churn page's reasons tab: why customers left, over time and by the split."""

from __future__ import annotations

import streamlit as st

from components import charts_churn as charts
from components.data.churn import churn_reasons
from components.export import show_chart
from components.i18n import code_label, dimension_label, month_label, t
from components.tiles import pct
from data_access.filters import Filters
from data_access.security import Viewer


def reasons_for_leaving(viewer: Viewer, filters: Filters, split: str) -> None:
    """Warning signals among the churners, reasons by month, and reasons × split values."""
    by_reason, by_month = churn_reasons(viewer, filters, split)
    left_total = int(by_reason["churned"].sum())
    if left_total:
        st.markdown(
            t(
                "churn.signals",
                n=f"{left_total:,}",
                d=pct(by_reason["detractors"].sum() / left_total),
                c=pct(by_reason["complained"].sum() / left_total),
            )
        )
    reason_names = {r: code_label(r) for r in by_month["reason"].unique()}
    show_chart(
        charts.reasons_over_time(
            by_month.assign(month_label=by_month["month"].map(month_label)),
            reason_names | {"axis": t("churn.reasons_axis")},
            t("churn.reasons_title"),
        ),
        key="churn_reasons_chart",
    )
    st.markdown(f"**{t('churn.reasons_split', dim=dimension_label(split))}**")
    pivot = by_reason.pivot_table(
        index="reason", columns="value", values="churned", aggfunc="sum", fill_value=0
    )
    pivot.index = [code_label(r) for r in pivot.index]
    pivot.columns = [code_label(c) for c in pivot.columns]
    st.dataframe(pivot)
