"""The churn page's credit tab: receivables, falling credit scores and overdue aging for every
role; for roles with record access the largest exposures and those also likely to churn."""

from __future__ import annotations

import streamlit as st

from components import charts_churn as charts
from components import state
from components.churn.labels import customer_columns, labelled, money
from components.data.churn import ChurnRisk, CreditExposure
from components.i18n import t
from components.tiles import pct


def credit_exposure_tab(credit: CreditExposure, records: bool, risk: ChurnRisk | None) -> None:
    """Figures and aging chart, then the exposure lists when `records` allows them; `risk` is
    what the at-risk tab scored (None without record access)."""
    a, b, c = st.columns(3)
    a.metric(t("churn.receivable"), money(credit.receivable), border=True)
    b.metric(
        t("churn.falling"),
        pct(credit.falling / credit.reviewed_twice) if credit.reviewed_twice else "–",
        help=t("churn.falling.help", n=f"{credit.reviewed_twice:,}"),
        border=True,
    )
    c.metric(t("churn.tile.dso"), "–" if credit.dso is None else f"{credit.dso:.0f}", border=True)
    st.plotly_chart(
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
    if risk is not None and "probability" in risk.scored and not top.empty:
        threshold = st.session_state.get(state.CHURN_MIN_RISK, 0.05)
        both = top.merge(risk.scored[["id", "probability"]], on="id")
        both = both[both["probability"] >= threshold]
        st.markdown(f"**{t('churn.both')}**")
        st.caption(t("churn.both_note", p=pct(threshold)))
        st.dataframe(
            labelled(both)[[*columns, "probability"]],
            hide_index=True,
            column_config=customer_columns(),
        )
