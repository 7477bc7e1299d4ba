"""The churn page's at-risk tab: the churn model's summary for every role and, for roles with
record access, today's customers ranked by churn probability and the recent churners worth
winning back."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import charts_churn as charts
from components import state
from components.churn.labels import customer_columns, factor_label, labelled
from components.data.churn import ChurnRisk, churn_model_summary, churn_risk
from components.export import download_table
from components.i18n import t
from components.paging import page_number
from data_access.filters import Filters
from data_access.security import Viewer

TIER_ORDER = {"VIP": 0, "important": 1, "normal": 2}


def at_risk_customers(viewer: Viewer, filters: Filters, records: bool) -> ChurnRisk | None:
    """The model, the at-risk list and the win-back list; returns the scored customers
    (None without `records`) for the credit tab."""
    model, fitted_at = churn_model_summary(viewer, filters)
    risk = churn_risk(viewer, filters) if records else None
    if model is None:
        st.info(t("churn.no_model"))
    else:
        st.markdown(
            t(
                "churn.model",
                n=model.train_n,
                at=fitted_at.isoformat(),
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
        st.plotly_chart(
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
    if risk is None:
        st.info(t("churn.records_not_allowed"))
    elif model is not None and not risk.scored.empty:
        minimum = st.slider(
            t("churn.min_risk"), 0.0, 0.5, 0.05, 0.01, format="%.2f", key=state.CHURN_MIN_RISK
        )
        scored = risk.scored[risk.scored["probability"] >= minimum]
        scored = scored.assign(tier_rank=scored["tier"].map(TIER_ORDER)).sort_values(
            ["tier_rank", "probability"], ascending=[True, False]
        )
        shown = labelled(scored).assign(
            factors=scored["factors"].map(lambda fs: ", ".join(factor_label(f) for f in fs))
        )[
            [
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
        ]
        st.markdown(f"**{t('churn.risk_list')}**")
        page = page_number(len(shown), 50, state.CHURN_RISK_PAGE)
        rows = shown.iloc[page * 50 : (page + 1) * 50]
        st.caption(t("churn.list_count", shown=len(rows), total=f"{len(shown):,}"))
        st.dataframe(rows, hide_index=True, column_config=customer_columns())
        download_table(viewer, shown, "churn_risk")
    if risk is not None:
        st.markdown(f"**{t('churn.win_back')}**")
        st.dataframe(labelled(risk.win_back), hide_index=True, column_config=customer_columns())
    return risk
