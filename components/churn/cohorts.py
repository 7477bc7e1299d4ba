"""The churn page's cohorts tab: retention by signup cohort as a heatmap, and for roles with
record access a drill into a cohort's customers (a cell click chooses the cohort)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import charts_churn as charts
from components import state
from components.churn.labels import customer_columns, labelled
from components.data.churn import Cohorts, churn_cohorts, cohort_customers
from components.data.shared import app_settings
from components.export import show_chart
from components.i18n import month_label, t
from components.paging import page_number
from components.presentation import chart_height
from data_access.filters import Filters, add_months
from data_access.security import Viewer


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


def _matrix(cohorts: Cohorts, kind: str):  # noqa: ANN202 - one of the three matrices
    return {"logo": cohorts.logo, "revenue": cohorts.revenue, "activity": cohorts.activity}[kind]


def _names(cohorts: Cohorts) -> list[str]:
    return cohorts.labels or [month_label(m) for m in cohorts.starts]


def cohort_figure(cohorts: Cohorts, unit: str, kind: str) -> tuple[go.Figure, int]:
    """The cohort heat map of `kind` (logo, revenue, activity) by `unit`, on a fixed 0–100%
    scale, cohorts below the minimum sample grey; and that minimum."""
    matrix = _matrix(cohorts, kind)
    names = _names(cohorts)
    sizes = cohorts.logo.sizes.to_numpy()
    min_n = int(app_settings()["min_sample_size"])  # a smaller cohort is shown as insufficient
    rows = [f"{name} (n={int(n):,})" for name, n in zip(names, sizes, strict=True)]
    values = pd.concat([matrix.values, matrix.average.to_frame().T])
    partial = pd.concat(
        [matrix.partial, pd.DataFrame(False, index=["average"], columns=matrix.partial.columns)]
    )
    figure = charts.cohort_heatmap(
        values,
        partial,
        [*rows, t("churn.average")],
        {
            "period": t(f"churn.period.{unit}"),
            "cohort": t(f"churn.cohort.{unit}"),
            "months": t(f"churn.since.{unit}"),
            "insufficient": t("churn.cohort_insufficient"),  # filled per row: n, min_n
        },
        t("churn.cohort_title", kind=t(f"churn.{kind}")),
        sizes=[*map(int, sizes), int(sizes.sum())],
        min_n=min_n,
    )
    return figure, min_n


def cohort_retention(viewer: Viewer, filters: Filters, records: bool) -> None:
    """Unit and matrix pickers, the cohort heatmap and, with `records`, the drill."""
    left, right = st.columns(2)
    unit = (
        left.segmented_control(
            t("churn.cohort_unit"),
            ("month", "quarter"),
            format_func=lambda u: t(f"churn.unit.{u}"),
            default="month",
            key=state.CHURN_COHORT_UNIT,
            bind="query-params",
        )
        or "month"
    )
    cohorts = churn_cohorts(viewer, filters, unit)
    kind = "logo"
    if unit == "month":
        kind = (
            right.segmented_control(
                t("churn.matrix_kind"),
                ("logo", "revenue", "activity"),
                format_func=lambda k: t(f"churn.{k}"),
                default="logo",
                key=state.CHURN_MATRIX_KIND,
                bind="query-params",
            )
            or "logo"
        )
    figure, min_n = cohort_figure(cohorts, unit, kind)
    matrix, names = _matrix(cohorts, kind), _names(cohorts)
    nonce = st.session_state.get(state.CHURN_MATRIX_NONCE, 0)
    event = show_chart(
        figure,
        height=chart_height(figure),
        key=f"churn_cohort_matrix_{unit}_{nonce}",
        on_select="rerun" if records else "ignore",
        selection_mode="points",
    )
    st.caption(t("churn.cohort_note", n=min_n))
    if kind == "activity":
        st.caption(t("churn.activity_note"))
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
            bind="query-params",
        )
        horizon = list(matrix.values.columns)
        which = b.selectbox(
            t("churn.drill_which"),
            ["all", *horizon],
            format_func=lambda w: (
                t("churn.drill_all") if w == "all" else t(f"churn.drill_left.{unit}", k=w)
            ),
            key=which_key,
            bind="query-params",
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
