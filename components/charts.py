"""Chart builders: pure functions DataFrame -> plotly Figure. Labels come in as arguments so
the functions stay free of session state and are unit-testable on their figure spec."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.palette import BAND, LEVEL_COLORS, PRIMARY, SECONDARY

CHART_HEIGHT = 340


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        height=CHART_HEIGHT,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        plot_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1, "xanchor": "right"},
        hoverlabel={"bgcolor": "white"},
        colorway=px.colors.qualitative.Safe,  # colour-blind-safe for categorical series
    )
    return fig


def risks_by_category_level(
    counts: pd.DataFrame, labels: Mapping[str, str], title: str, x_title: str
) -> go.Figure:
    """Horizontal stacked bars: open risks per category, stacked by level (Low→Critical).
    `counts` has columns category, level, count; `labels` maps level → display name.
    Categories are sorted by total, largest on top."""
    totals = counts.groupby("category")["count"].sum().sort_values()
    fig = go.Figure()
    for level, colour in LEVEL_COLORS.items():
        part = counts[counts["level"] == level].set_index("category")["count"]
        values = [int(part.get(c, 0)) for c in totals.index]
        fig.add_bar(
            y=list(totals.index),
            x=values,
            name=labels.get(level, level),
            orientation="h",
            marker_color=colour,
            text=[v if v else "" for v in values],
            textposition="inside",
            textangle=0,  # a count reads level, never turned on its side in a thin bar
            insidetextanchor="middle",
            hovertemplate="%{y}: %{x} " + labels.get(level, level) + "<extra></extra>",
        )
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_xaxes(title=x_title, rangemode="tozero", dtick=1, gridcolor="#eeeeee")
    return _layout(fig, title)


def nps_and_churn_trend(monthly: pd.DataFrame, labels: Mapping[str, str], title: str) -> go.Figure:
    """Two stacked panels over months: NPS with its 95% band (insufficient months omitted
    from the line and shown as gaps) and the monthly churn rate.
    `monthly` columns: month_label, nps, nps_low, nps_high, n, churn_rate, active."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12)
    x = monthly["month_label"]
    fig.add_scatter(
        x=list(x) + list(x[::-1]),
        y=list(monthly["nps_high"]) + list(monthly["nps_low"][::-1]),
        fill="toself",
        fillcolor=BAND,
        line={"width": 0},
        name=labels["nps_ci"],
        hoverinfo="skip",
        row=1,
        col=1,
    )
    fig.add_scatter(
        x=x,
        y=monthly["nps"],
        mode="lines+markers",
        name=labels["nps"],
        line={"color": PRIMARY},
        customdata=monthly[["nps_low", "nps_high", "n"]],
        hovertemplate="%{x}: NPS %{y:.1f} (95% CI %{customdata[0]:.1f} – %{customdata[1]:.1f}), "
        "n = %{customdata[2]:,}<extra></extra>",
        row=1,
        col=1,
    )
    fig.add_scatter(
        x=x,
        y=monthly["churn_rate"],
        mode="lines+markers",
        name=labels["churn"],
        line={"color": SECONDARY},
        customdata=monthly[["active"]],
        hovertemplate="%{x}: %{y:.2%} of %{customdata[0]:,} active<extra></extra>",
        row=2,
        col=1,
    )
    fig.update_yaxes(title_text=labels["nps"], row=1, col=1, gridcolor="#eeeeee")
    fig.update_yaxes(
        title_text=labels["churn"],
        tickformat=".1%",
        rangemode="tozero",
        row=2,
        col=1,
        gridcolor="#eeeeee",
    )
    fig = _layout(fig, title)
    fig.update_layout(height=CHART_HEIGHT + 60)
    return fig


def events_per_day(counts: pd.DataFrame, title: str, x_title: str, y_title: str) -> go.Figure:
    """Stacked bars of audit events per day, one colour per action.
    `counts` columns: day, action, events."""
    fig = go.Figure()
    for action, part in counts.groupby("action", sort=True):
        fig.add_bar(
            x=part["day"],
            y=part["events"],
            name=str(action),
            hovertemplate="%{x}: %{y:,} " + str(action) + "<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=x_title, type="category")
    fig.update_yaxes(title=y_title, rangemode="tozero", gridcolor="#eeeeee")
    return _layout(fig, title)


def risk_matrix(
    counts: pd.DataFrame, level_of: Mapping[int, str], labels: Mapping[str, str], title: str
) -> go.Figure:
    """A 5×5 likelihood × impact matrix: each cell a square coloured by its level band with
    the number of risks written on it. Drawn as a scatter so a click selects the cell
    (customdata = [likelihood, impact]). `level_of` maps score → level."""
    found = {(int(r.likelihood), int(r.impact)): int(r.count) for r in counts.itertuples()}
    cells = [(lik, imp) for lik in range(1, 6) for imp in range(1, 6)]
    fig = go.Figure()
    for level, colour in LEVEL_COLORS.items():
        part = [c for c in cells if level_of[c[0] * c[1]] == level]
        fig.add_scatter(
            x=[imp for _, imp in part],
            y=[lik for lik, _ in part],
            mode="markers+text",
            marker={
                "symbol": "square",
                "size": 58,
                "color": colour,
                "line": {"color": "white", "width": 2},
            },
            text=[str(found.get(c, "")) for c in part],
            textfont={"size": 16, "color": "black" if level != "Critical" else "white"},
            customdata=[[lik, imp] for lik, imp in part],
            name=labels.get(level, level),
            hovertemplate=labels["likelihood"]
            + " %{y} × "
            + labels["impact"]
            + " %{x}: %{text} "
            + labels["risks"]
            + "<extra>"
            + labels.get(level, level)
            + "</extra>",
        )
    fig.update_xaxes(
        title=labels["impact"], range=[0.5, 5.5], dtick=1, showgrid=False, zeroline=False
    )
    fig.update_yaxes(
        title=labels["likelihood"], range=[0.5, 5.5], dtick=1, showgrid=False, zeroline=False
    )
    fig = _layout(fig, title)
    fig.update_layout(height=430, clickmode="event+select", showlegend=False)
    return fig


def level_counts_over_time(frame: pd.DataFrame, labels: Mapping[str, str], title: str) -> go.Figure:
    """Stacked columns of open risks per level per month. Columns: month_label, level, count."""
    fig = go.Figure()
    for level, colour in LEVEL_COLORS.items():
        part = frame[frame["level"] == level]
        fig.add_bar(
            x=part["month_label"],
            y=part["count"],
            name=labels.get(level, level),
            marker_color=colour,
            hovertemplate="%{x}: %{y} " + labels.get(level, level) + "<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(rangemode="tozero", gridcolor="#eeeeee", dtick=5)
    return _layout(fig, title)


def monthly_lines(
    frame: pd.DataFrame, series: Mapping[str, str], title: str, y_title: str
) -> go.Figure:
    """One line per column in `series` (column → legend label) over month_label; counts,
    so the axis starts at zero and ticks are whole numbers. The legend sits under the plot
    so long series names never cover the title."""
    fig = go.Figure()
    for column, label in series.items():
        fig.add_scatter(
            x=frame["month_label"],
            y=frame[column],
            mode="lines+markers",
            name=label,
            hovertemplate="%{x}: %{y:,.0f}<extra>" + label + "</extra>",
        )
    top = pd.to_numeric(frame[list(series)].stack(), errors="coerce").max()
    top = 0 if pd.isna(top) else top
    # Small counts get whole-number ticks; larger values keep plotly's round ticks.
    step = max(1, math.ceil(top / 5)) if top <= 20 else None
    fig.update_yaxes(title=y_title, rangemode="tozero", gridcolor="#eeeeee", dtick=step)
    fig = _layout(fig, title)
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.28, "x": 0, "xanchor": "left"},
        margin={"b": 40},
        height=CHART_HEIGHT + 40,
    )
    return fig


def appetite_bars(frame: pd.DataFrame, labels: Mapping[str, str], title: str) -> go.Figure:
    """Per category: worst current score as a bar (red when above appetite) and the
    appetite as a marker. Columns: category_label, worst, appetite, breach."""
    fig = go.Figure()
    fig.add_bar(
        y=frame["category_label"],
        x=frame["worst"],
        orientation="h",
        name=labels["worst"],
        marker_color=[LEVEL_COLORS["Critical"] if b else PRIMARY for b in frame["breach"]],
        hovertemplate="%{y}: %{x}<extra>" + labels["worst"] + "</extra>",
    )
    fig.add_scatter(
        y=frame["category_label"],
        x=frame["appetite"],
        mode="markers",
        name=labels["appetite"],
        marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": "black"}},
        hovertemplate="%{y}: %{x}<extra>" + labels["appetite"] + "</extra>",
    )
    fig.update_xaxes(range=[0, 25.5], title=labels["score"], gridcolor="#eeeeee")
    fig = _layout(fig, title)
    fig.update_layout(height=max(CHART_HEIGHT, 32 * len(frame) + 90))
    return fig


def sparkline(values: pd.Series, colour: str) -> go.Figure:
    """A tiny line without axes, for a KRI's last months."""
    fig = go.Figure(
        go.Scatter(
            y=list(values),
            mode="lines+markers",
            line={"color": colour},
            hovertemplate="%{y:.3g}<extra></extra>",
        )
    )
    fig.update_layout(
        height=70, margin={"l": 0, "r": 0, "t": 4, "b": 4}, showlegend=False, plot_bgcolor="white"
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig
