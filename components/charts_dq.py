"""Chart builders for the data-quality page: pure DataFrame -> plotly Figure."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.charts import CHART_HEIGHT, _layout
from components.charts_churn import SERIES
from components.palette import GRID

SCORE_SCALE = [[0, "#b2182b"], [0.5, "#fddbc7"], [0.8, "#d1e5f0"], [1, "#2166ac"]]


def score_matrix(
    table: pd.DataFrame, labels: Mapping[str, str], title: str, zmin: float = 0.8
) -> go.Figure:
    """Scores (0–1) as a heat map: rows and columns as given, blank where no rule applies."""
    z = table.to_numpy(dtype=float)
    text = np.where(np.isnan(z), "", np.char.mod("%.1f%%", np.nan_to_num(z) * 100)).astype(object)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[labels.get(c, c) for c in table.columns],
            y=[labels.get(r, r) for r in table.index],
            text=text,
            texttemplate="%{text}",
            colorscale=SCORE_SCALE,
            zmin=zmin,
            zmax=1.0,
            hovertemplate="%{y} · %{x}: %{z:.2%}<extra></extra>",
            colorbar={"tickformat": ".0%"},
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig = _layout(fig, title)
    fig.update_layout(height=max(CHART_HEIGHT, 44 * len(table) + 120))
    return fig


def count_matrix(table: pd.DataFrame, title: str, x_title: str, y_title: str) -> go.Figure:
    """Counts as a heat map on a scale from 0: rows and columns as given, blank where 0."""
    z = table.to_numpy(dtype=float)
    text = np.where(z > 0, np.char.mod("%d", np.nan_to_num(z).astype(int)), "").astype(object)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(table.columns),
            y=list(table.index),
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            hovertemplate="%{y} → %{x}: %{z:,.0f}<extra></extra>",
        )
    )
    fig.update_xaxes(title=x_title, type="category")
    fig.update_yaxes(title=y_title, type="category", autorange="reversed")
    fig = _layout(fig, title)
    fig.update_layout(height=max(CHART_HEIGHT, 44 * len(table) + 140))
    return fig


def score_lines(
    frame: pd.DataFrame, group: str, labels: Mapping[str, str], title: str
) -> go.Figure:
    """Score per run for each value of `group` (frame: run_label, group, score)."""
    fig = go.Figure()
    for i, (value, part) in enumerate(frame.groupby(group, sort=True)):
        fig.add_scatter(
            x=part["run_label"],
            y=part["score"],
            mode="lines+markers",
            name=labels.get(value, value),
            line={"color": SERIES[i % len(SERIES)]},
            hovertemplate="%{x}: %{y:.2%}<extra>" + labels.get(value, value) + "</extra>",
        )
    fig.update_yaxes(title=labels["axis"], tickformat=".0%", gridcolor=GRID)
    fig = _layout(fig, title)
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0, "xanchor": "left"},
        height=CHART_HEIGHT + 40,
    )
    return fig
