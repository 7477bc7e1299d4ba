"""The churn page's credit tab: receivables, falling credit scores and overdue aging for every
role; for roles with record access the largest exposures and those also likely to churn."""

from __future__ import annotations

import streamlit as st

from components import charts_churn as charts
from components import state
from components.churn.labels import customer_columns, days, labelled, money
from components.data.churn import CreditExposure, churn_probabilities
from components.export import show_chart
from components.i18n import t
from components.tiles import pct
from data_access.filters import Filters
from data_access.security import Viewer


def credit_exposure_tab(
    viewer: Viewer, filters: Filters, credit: CreditExposure, records: bool
) -> None:
    """Figures and aging chart, then the exposure lists when `records` allows them, the
    largest exposures with their stored churn probability."""
    a, b, c = st.columns(3)
    a.metric(t("churn.receivable"), money(credit.receivable), border=True)
    b.metric(
        t("churn.falling"),
        pct(credit.falling / credit.reviewed_twice) if credit.reviewed_twice else "–",
        help=t("churn.falling.help", n=f"{credit.reviewed_twice:,}"),
        border=True,
    )
    c.metric(t("churn.tile.dso"), days(credit.dso), border=True)
    show_chart(
        charts.aging_bars(
            credit.aging,
            {"axis_x": t("churn.aging_x"), "axis_y": t("churn.aging_y")},
            t("churn.aging_title"),
        ),
        key="churn_aging_chart",
    )
    if not records:
        st.info(t("churn.records_not_allowed"))
        return
    top = credit.top
    st.markdown(f"**{t('churn.top_exposures')}**")
    columns = [
        "customer_id",
        "customer",
        "region",
        "segment",
        "tier",
        "overdue",
        "days_overdue",
        "credit_score",
        "credit_limit",
    ]
    st.dataframe(
        labelled(top)[columns] if not top.empty else top,
        hide_index=True,
        column_config=customer_columns(),
    )
    if top.empty:
        return
    threshold = st.session_state.get(state.CHURN_MIN_RISK, 0.05)
    chance = churn_probabilities(viewer, filters, tuple(int(i) for i in top["id"]))
    both = top.assign(probability=top["id"].map(chance)).dropna(subset=["probability"])
    both = both[both["probability"] >= threshold]
    st.markdown(f"**{t('churn.both')}**")
    st.caption(t("churn.both_note", p=pct(threshold)))
    st.dataframe(
        labelled(both)[[*columns, "probability"]],
        hide_index=True,
        column_config=customer_columns(),
    )
