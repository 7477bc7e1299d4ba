"""Trend tab: scores over the recent runs, by dimension and by source system."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.dq import rollup
from components import charts_dq as charts
from components.export import show_chart
from components.i18n import t


def trend(history: pd.DataFrame, names: dict[str, str]) -> None:
    """One line chart per grouping, each run labelled by its date and number."""
    history = history.assign(
        run_label=pd.to_datetime(history["run_at"]).dt.strftime("%Y-%m-%d")
        + " #"
        + history["run_id"].astype(str)
    )
    for group, key, title in (
        ("dimension", "dq_trend_dimension", t("dq.trend_dimension")),
        ("source_system", "dq_trend_source", t("dq.trend_source")),
    ):
        scores = rollup(history, ["run_id", "run_label", group])
        labels = (names if group == "dimension" else {}) | {"axis": t("dq.score")}
        show_chart(charts.score_lines(scores, group, labels, title), key=key)
    st.caption(t("dq.trend_note"))
