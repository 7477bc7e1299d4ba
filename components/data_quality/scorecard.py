"""Scorecard tab: the latest scores per table and per source system, by dimension."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.dq import rollup
from components import charts_dq as charts
from components.i18n import t
from data_access.codes import DQ_DIMENSIONS


def _by_dimension(latest: pd.DataFrame, index: str) -> pd.DataFrame:
    """Scores of the latest run, one row per `index` value, one column per dimension."""
    matrix = rollup(latest, [index, "dimension"]).pivot(
        index=index, columns="dimension", values="score"
    )
    return matrix.reindex(columns=[d for d in DQ_DIMENSIONS if d in matrix.columns])


def scorecard(latest: pd.DataFrame, names: dict[str, str]) -> None:
    """Two heat maps (tables × dimensions, sources × dimensions) and how to read them."""
    st.plotly_chart(
        charts.score_matrix(_by_dimension(latest, "table_name"), names, t("dq.matrix_title")),
        key="dq_table_matrix",
    )
    st.plotly_chart(
        charts.score_matrix(_by_dimension(latest, "source_system"), names, t("dq.source_title")),
        key="dq_source_matrix",
    )
    st.caption(t("dq.matrix_note"))
