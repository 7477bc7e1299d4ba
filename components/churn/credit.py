"""The churn page's credit tab: receivables, falling credit scores and overdue aging for every
role; for roles with record access the largest exposures, the customers whose credit score fell
(each with the next credit review due and a form to record an action) and the exposures also
likely to churn."""

from __future__ import annotations

import streamlit as st

from components import charts_churn as charts
from components import state
from components.churn.action_form import new_action_form
from components.churn.labels import customer_columns, days, labelled, money
from components.data.actions import PAGE_SIZE, falling_credit_page, next_reviews
from components.data.churn import CreditExposure, churn_probabilities
from components.export import show_chart
from components.i18n import t
from components.paging import page_number
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
    if not top.empty:
        due = next_reviews(
            viewer,
            tuple(int(i) for i in top["id"]),
            tuple(float(d) for d in top["days_overdue"]),
        )
        top = top.assign(next_review=top["id"].map(due))
    st.dataframe(
        labelled(top)[[*columns, "next_review"]] if not top.empty else top,
        hide_index=True,
        column_config=_columns(),
    )
    new_action_form(viewer, top, "overdue", "overdue")
    _falling_list(viewer, filters, credit)
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


def _columns() -> dict:
    return {
        **customer_columns(),
        "next_review": st.column_config.DateColumn(
            t("churn.next_review"), help=t("churn.next_review.help")
        ),
        "previous_score": st.column_config.NumberColumn(t("churn.previous_score")),
        "drop": st.column_config.NumberColumn(t("churn.score_drop")),
        "last_review": st.column_config.DateColumn(t("churn.last_review")),
    }


FALLING_COLUMNS = [
    "customer_id",
    "customer",
    "region",
    "segment",
    "tier",
    "previous_score",
    "credit_score",
    "drop",
    "last_review",
    "next_review",
    "overdue",
    "credit_limit",
]


def _falling_list(viewer: Viewer, filters: Filters, credit: CreditExposure) -> None:
    """The customers whose latest credit score fell, largest drop first, a page at a time."""
    st.markdown(f"**{t('churn.falling_list')}**")
    rows, total = falling_credit_page(viewer, filters, credit.at, 0)
    if total > PAGE_SIZE:
        page = page_number(total, PAGE_SIZE, state.CHURN_FALLING_PAGE)
        if page:
            rows, total = falling_credit_page(viewer, filters, credit.at, page)
    if rows.empty:
        st.info(t("churn.falling_none"))
        return
    st.caption(t("churn.list_count", shown=len(rows), total=f"{total:,}"))
    st.dataframe(labelled(rows)[FALLING_COLUMNS], hide_index=True, column_config=_columns())
    new_action_form(viewer, rows, "falling_credit", "overdue")
