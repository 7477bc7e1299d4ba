"""Churn cohorts, retention and credit exposure: where customers and money leak."""

import pandas as pd
import streamlit as st

from components import charts_churn as charts
from components import state
from components.auth import require
from components.data.churn import (
    churn_cohorts,
    churn_model_summary,
    churn_reasons,
    churn_risk,
    churn_survival,
    churn_trend,
    cohort_customers,
    credit_exposure,
)
from components.data.shared import latest_full_month
from components.export import download_table
from components.filters import caption, current_filters
from components.i18n import code_label, month_label, t
from components.paging import page_number
from components.tiles import pct, rate_tile
from data_access.churn import CHURN_DIMENSIONS
from data_access.filters import add_months
from data_access.security import VIEW_DASHBOARDS, VIEW_RECORDS

viewer = require(VIEW_DASHBOARDS)
filters = current_filters()
records = viewer.can(VIEW_RECORDS)
TIER_ORDER = {"VIP": 0, "important": 1, "normal": 2}


def money(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def customer_columns() -> dict:
    return {
        "customer_id": t("sat.customer_id"),
        "customer": t("sat.customer"),
        "email": t("sat.email"),
        "region": t("dim.region"),
        "segment": t("dim.segment"),
        "tier": t("dim.tier"),
        "contract_type": t("dim.contract_type"),
        "signup_date": st.column_config.DateColumn(t("churn.signup")),
        "churn_date": st.column_config.DateColumn(t("churn.left")),
        "churn_reason": t("churn.reason"),
        "reason": t("churn.reason"),
        "monthly_revenue": st.column_config.NumberColumn(
            t("churn.monthly_revenue"), format="localized"
        ),
        "probability": st.column_config.ProgressColumn(
            t("churn.probability"), format="percent", min_value=0.0, max_value=1.0
        ),
        "factors": t("churn.factors"),
        "overdue": st.column_config.NumberColumn(t("churn.overdue"), format="localized"),
        "days_overdue": st.column_config.NumberColumn(t("churn.days_overdue")),
        "credit_score": st.column_config.NumberColumn(t("churn.credit_score")),
        "credit_limit": st.column_config.NumberColumn(t("churn.credit_limit"), format="localized"),
    }


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    codes = ("tier", "contract_type", "churn_reason", "reason")
    return frame.assign(**{c: frame[c].map(code_label) for c in codes if c in frame})


st.title(t("churn.title"))
st.caption(caption(filters, latest_full_month()) + " · " + t("churn.caption"))
split = (
    st.segmented_control(
        t("churn.split_by"),
        tuple(CHURN_DIMENSIONS),
        format_func=lambda d: t(f"dim.{d}"),
        default="contract_type",
        key=state.CHURN_SPLIT,
    )
    or "contract_type"
)
trend = churn_trend(viewer, filters, split)
credit = credit_exposure(viewer, filters)
last = trend.monthly.iloc[-1]

tiles = st.columns(5)
with tiles[0]:
    ci = "–" if trend.period.low is None else f"{pct(trend.period.low)} – {pct(trend.period.high)}"
    rate_tile(
        t("churn.tile.churn"),
        trend.period,
        trend.previous,
        t("churn.tile.churn.help", ci=ci, n=f"{trend.period.n:,}"),
    )
tiles[1].metric(
    t("churn.tile.grr"),
    "–" if pd.isna(last["grr"]) else pct(last["grr"]),
    help=t("churn.tile.grr.help"),
    border=True,
)
tiles[2].metric(
    t("churn.tile.nrr"),
    "–" if pd.isna(last["nrr"]) else pct(last["nrr"]),
    help=t("churn.tile.nrr.help"),
    border=True,
)
tiles[3].metric(
    t("churn.tile.dso"),
    "–" if credit.dso is None else f"{credit.dso:.0f}",
    help=t("churn.tile.dso.help"),
    border=True,
)
tiles[4].metric(
    t("churn.tile.overdue"),
    money(float(credit.aging.loc[credit.aging["bucket"] != "1-30", "amount"].sum())),
    help=t("churn.tile.overdue.help"),
    border=True,
)

tabs = st.tabs(
    [t(f"churn.tab.{k}") for k in ("cohorts", "trend", "survival", "reasons", "risk", "credit")]
)


# --- Cohorts ----------------------------------------------------------------------------------
def drill_keys(unit: str) -> tuple[str, str, str]:
    """Widget keys of the cohort drill, one set per cohort unit (their options differ)."""
    return tuple(
        f"{k}_{unit}"
        for k in (state.CHURN_DRILL_COHORT, state.CHURN_DRILL_WHICH, state.CHURN_DRILL_PAGE)
    )


def open_cohort_cell(points: list[dict], unit: str) -> None:
    """A click on a cohort cell lists the customers of that cohort who had left by then."""
    if not points or not points[0].get("customdata"):
        return
    row, period = points[0]["customdata"][:2]
    cohort_key, which_key, page_key = drill_keys(unit)
    st.session_state[cohort_key] = int(row)
    st.session_state[which_key] = int(period)
    st.session_state[page_key] = 1
    st.session_state[state.CHURN_MATRIX_NONCE] = (
        st.session_state.get(state.CHURN_MATRIX_NONCE, 0) + 1
    )
    st.rerun()


with tabs[0]:
    left, right = st.columns(2)
    unit = (
        left.segmented_control(
            t("churn.cohort_unit"),
            ("month", "quarter"),
            format_func=lambda u: t(f"churn.unit.{u}"),
            default="month",
            key=state.CHURN_COHORT_UNIT,
        )
        or "month"
    )
    cohorts = churn_cohorts(viewer, filters, unit)
    kind = "logo"
    if unit == "month":
        kind = (
            right.segmented_control(
                t("churn.matrix_kind"),
                ("logo", "revenue"),
                format_func=lambda k: t(f"churn.{k}"),
                default="logo",
                key=state.CHURN_MATRIX_KIND,
            )
            or "logo"
        )
    matrix = cohorts.logo if kind == "logo" else cohorts.revenue
    names = cohorts.labels or [month_label(m) for m in cohorts.starts]
    sizes = cohorts.logo.sizes.to_numpy()
    rows = [f"{name} (n={int(n):,})" for name, n in zip(names, sizes, strict=True)]
    values = pd.concat([matrix.values, matrix.average.to_frame().T])
    partial = pd.concat(
        [matrix.partial, pd.DataFrame(False, index=["average"], columns=matrix.partial.columns)]
    )
    nonce = st.session_state.get(state.CHURN_MATRIX_NONCE, 0)
    event = st.plotly_chart(
        charts.cohort_heatmap(
            values,
            partial,
            [*rows, t("churn.average")],
            {
                "period": t(f"churn.period.{unit}"),
                "cohort": t(f"churn.cohort.{unit}"),
                "months": t(f"churn.since.{unit}"),
            },
            t("churn.cohort_title", kind=t(f"churn.{kind}")),
        ),
        key=f"churn_cohort_matrix_{unit}_{nonce}",
        on_select="rerun" if records else "ignore",
        selection_mode="points",
    )
    st.caption(t("churn.cohort_note"))
    if records:
        open_cohort_cell((event or {}).get("selection", {}).get("points", []), unit)
        cohort_key, which_key, page_key = drill_keys(unit)
        st.markdown(f"**{t('churn.drill')}**")
        step = 1 if unit == "month" else 3
        a, b = st.columns(2)
        # The newest cohort unless a cell click chose another.
        st.session_state.setdefault(cohort_key, len(names) - 1)
        row = a.selectbox(
            t("churn.drill_cohort"),
            range(len(names)),
            format_func=lambda r, names=names: names[r],  # bound now: see test_churn_page
            key=cohort_key,
        )
        horizon = list(matrix.values.columns)
        which = b.selectbox(
            t("churn.drill_which"),
            ["all", *horizon],
            format_func=lambda w: (
                t("churn.drill_all") if w == "all" else t(f"churn.drill_left.{unit}", k=w)
            ),
            key=which_key,
        )
        start = cohorts.starts[row]
        churned_by = None if which == "all" else add_months(start, step * (int(which) + 1))
        _, total = cohort_customers(viewer, filters, start, cohorts.ends[row], churned_by, 0)
        page = page_number(total, 50, page_key)
        listed, total = cohort_customers(
            viewer, filters, start, cohorts.ends[row], churned_by, page
        )
        st.caption(t("churn.list_count", shown=len(listed), total=f"{total:,}"))
        st.dataframe(labelled(listed), hide_index=True, column_config=customer_columns())

# --- Churn trend ------------------------------------------------------------------------------
with tabs[1]:
    monthly = trend.monthly.assign(month_label=trend.monthly["month"].map(month_label))
    st.plotly_chart(
        charts.churn_trend(
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
        ),
        key="churn_trend_chart",
    )
    by_split = trend.by_split.assign(label=trend.by_split["value"].map(code_label))
    st.plotly_chart(
        charts.split_bars(
            by_split,
            {"axis": t("churn.split_axis"), "insufficient": t("kpi.insufficient")},
            t("churn.split_title", dim=t(f"dim.{split}")),
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
            },
        )

# --- Survival ---------------------------------------------------------------------------------
with tabs[2]:
    survival = churn_survival(viewer, filters, split)
    names = {g: code_label(g) for g in survival.medians["group"]}
    st.plotly_chart(
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
        group=survival.medians["group"].map(code_label),
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

# --- Reasons ----------------------------------------------------------------------------------
with tabs[3]:
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
    st.plotly_chart(
        charts.reasons_over_time(
            by_month.assign(month_label=by_month["month"].map(month_label)),
            reason_names | {"axis": t("churn.reasons_axis")},
            t("churn.reasons_title"),
        ),
        key="churn_reasons_chart",
    )
    st.markdown(f"**{t('churn.reasons_split', dim=t(f'dim.{split}'))}**")
    pivot = by_reason.pivot_table(
        index="reason", columns="value", values="churned", aggfunc="sum", fill_value=0
    )
    pivot.index = [code_label(r) for r in pivot.index]
    pivot.columns = [code_label(c) for c in pivot.columns]
    st.dataframe(pivot)

# --- At-risk customers ------------------------------------------------------------------------
with tabs[4]:
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
                "factor": [t(f"factor.{f}") for f in model.means.index],
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
            factors=scored["factors"].map(lambda fs: ", ".join(t(f"factor.{f}") for f in fs))
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

# --- Credit exposure --------------------------------------------------------------------------
with tabs[5]:
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
    else:
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
