"""Scorecard tab: the latest scores per table and per source system, by dimension, and the
rules that are not applicable (a field nobody fills) with the reason."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.dq import rollup, rule_scores
from components import charts_dq as charts
from components.export import show_chart
from components.i18n import t
from components.plain import plain
from components.presentation import chart_height
from data_access.codes import DQ_DIMENSIONS


def by_dimension(latest: pd.DataFrame, index: str) -> pd.DataFrame:
    """Scores of the latest run, one row per `index` value, one column per dimension."""
    matrix = rollup(latest, [index, "dimension"]).pivot(
        index=index, columns="dimension", values="score"
    )
    return matrix.reindex(columns=[d for d in DQ_DIMENSIONS if d in matrix.columns])


def table_matrix_figure(latest: pd.DataFrame, names: dict[str, str]) -> go.Figure:
    """The latest scores: tables × dimensions."""
    return charts.score_matrix(by_dimension(latest, "table_name"), names, t("dq.matrix_title"))


def na_reason(rule: dict) -> str:
    """Why a rule is not applicable, in words (table and field are shown literally)."""
    field = plain(f"{rule['table_name']}.{rule.get('column_name') or ''}".rstrip("."))
    return t(f"dq.na_reason.{rule['na_reason']}", field=field)


def not_applicable(latest: pd.DataFrame, names: dict[str, str]) -> None:
    """The rules left out of every score because their field is never filled, with why."""
    scores = rule_scores(latest)
    na = scores[~scores["applicable"]].sort_values(["table_name", "code"])
    if na.empty:
        return
    st.markdown(f"**{t('dq.na_title')}**")
    lines = [
        f"- {t('dq.na')} · **{plain(r['code'])}** ({names.get(r['dimension'], r['dimension'])})"
        f" — {na_reason(r)}"
        for r in na.to_dict("records")
    ]
    st.markdown("\n".join(lines))
    st.caption(t("dq.na_note"))


def scorecard(latest: pd.DataFrame, names: dict[str, str]) -> None:
    """Two heat maps (tables × dimensions, sources × dimensions), how to read them, and the
    rules that do not apply to this organisation's data."""
    by_table = table_matrix_figure(latest, names)
    show_chart(by_table, key="dq_table_matrix", height=chart_height(by_table))
    show_chart(
        charts.score_matrix(by_dimension(latest, "source_system"), names, t("dq.source_title")),
        key="dq_source_matrix",
    )
    st.caption(t("dq.matrix_note"))
    not_applicable(latest, names)
