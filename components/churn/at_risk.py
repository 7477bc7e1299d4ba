"""The churn page's at-risk tab: the churn model's summary for every role and, for roles with
record access, today's customers ranked by churn probability and the recent churners worth
winning back, each list with a form to record an action on one of its customers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import charts_churn as charts
from components import state
from components.churn.action_form import new_action_form
from components.churn.labels import customer_columns, factor_label, labelled
from components.data.churn import (
    AT_RISK_PAGE_SIZE,
    at_risk_all,
    at_risk_count,
    at_risk_page,
    churn_model_summary,
    win_back,
)
from components.export import download_table, show_chart
from components.i18n import t
from components.paging import page_number
from data_access.filters import Filters
from data_access.security import Viewer

LIST_COLUMNS = [
    "customer_id",
    "customer",
    "region",
    "segment",
    "tier",
    "contract_type",
    "monthly_revenue",
    "probability",
    "factors",
]


def at_risk_customers(viewer: Viewer, filters: Filters, records: bool) -> None:
    """The stored model, and for roles with `records` the at-risk and win-back lists."""
    model, trained_on, fitted_at = churn_model_summary(viewer, filters)
    if model is None:
        st.info(t("churn.no_model"))
    else:
        st.markdown(
            t(
                "churn.model",
                n=model.train_n,
                at=trained_on.isoformat(),
                fitted=fitted_at.strftime("%Y-%m-%d %H:%M"),
                h=3,
                auc="–" if model.holdout_auc is None else f"{model.holdout_auc:.2f}",
                test=model.test_n,
                churners=model.test_churners,
            )
        )
        factors = pd.DataFrame(
            {
                "factor": [factor_label(f) for f in model.means.index],
                "odds": model.odds_ratios[model.means.index].to_numpy(),
                "p": model.p_values[model.means.index].to_numpy(),
            }
        ).sort_values("odds", ascending=False)
        st.dataframe(
            factors,
            hide_index=True,
            column_config={
                "factor": t("churn.factor"),
                "odds": st.column_config.NumberColumn(t("churn.odds"), format="%.2f"),
                "p": st.column_config.NumberColumn(t("churn.p"), format="%.3g"),
            },
        )
        st.caption(t("churn.per_sd"))
        show_chart(
            charts.calibration_chart(
                model.calibration,
                {
                    "diagonal": t("churn.calibration.diagonal"),
                    "observed": t("churn.calibration.observed"),
                    "x": t("churn.calibration.x"),
                    "y": t("churn.calibration.y"),
                    "hover": t("churn.calibration.hover"),
                },
                t("churn.calibration.title"),
            ),
            key="churn_calibration_chart",
        )
    if not records:
        st.info(t("churn.records_not_allowed"))
        return
    if model is not None:
        _at_risk_list(viewer, filters)
    st.markdown(f"**{t('churn.win_back')}**")
    lost = win_back(viewer, filters)
    st.dataframe(
        labelled(lost.drop(columns="id", errors="ignore")),
        hide_index=True,
        column_config=customer_columns(),
    )
    new_action_form(viewer, lost, "win_back", "monthly_revenue")


def _shown(rows: pd.DataFrame) -> pd.DataFrame:
    return labelled(rows).assign(
        factors=rows["factors"].map(lambda fs: ", ".join(factor_label(f) for f in fs))
    )[LIST_COLUMNS]


def _at_risk_list(viewer: Viewer, filters: Filters) -> None:
    """Today's customers ranked by churn probability, one page read at a time; the download
    builds the whole list only when pressed."""
    minimum = st.slider(
        t("churn.min_risk"),
        0.0,
        0.5,
        0.05,
        0.01,
        format="%.2f",
        key=state.CHURN_MIN_RISK,
        bind="query-params",
    )
    total = at_risk_count(viewer, filters, minimum)
    st.markdown(f"**{t('churn.risk_list')}**")
    page = page_number(total, AT_RISK_PAGE_SIZE, state.CHURN_RISK_PAGE)
    rows = at_risk_page(viewer, filters, minimum, page)
    st.caption(t("churn.list_count", shown=len(rows), total=f"{total:,}"))
    st.dataframe(
        _shown(rows) if len(rows) else rows, hide_index=True, column_config=customer_columns()
    )
    download_table(
        viewer, lambda: _shown(at_risk_all(viewer, filters, minimum)), "churn_risk", rows=total
    )
    new_action_form(viewer, rows, "at_risk", "monthly_revenue")
