"""Chart builders for churn, retention and credit: pure DataFrame -> plotly Figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.charts import CHART_HEIGHT, _layout
from components.palette import BAND, GRID, INSUFFICIENT_CELL, LEVEL_COLORS, PRIMARY

SERIES = ("#1f4e79", "#c0504d", "#4f9a59", "#e39b2d", "#7f5fa8", "#3aa1b5")
COHORT_RANGE = (0.0, 1.0)  # retention 0–100%, the same on every matrix
INSUFFICIENT = INSUFFICIENT_CELL


def cohort_heatmap(
    values: pd.DataFrame,
    partial: pd.DataFrame,
    row_labels: list[str],
    labels: Mapping[str, str],
    title: str,
    sizes: Sequence[int] | None = None,
    min_n: int = 0,
    zrange: tuple[float, float] = COHORT_RANGE,
) -> go.Figure:
    """Cohorts (rows, oldest on top) × months since signup. Empty cells are periods not yet
    elapsed; the current, partial month is marked with an asterisk.

    The colours span the fixed `zrange` (0–100%), not the data's own range, so two
    matrices (two periods, two links) read alike; a value above it (revenue retention with
    expansion) takes the top colour and its text says the number. A row whose cohort has
    fewer than `min_n` customers (`sizes`, one per row) is grey and says n, with
    `labels["insufficient"]` (placeholders n, min_n) on hover, instead of a coloured rate."""
    z = values.to_numpy(dtype=float)
    text = np.where(
        np.isnan(z), "", np.char.mod("%.0f%%", np.nan_to_num(z) * 100).astype(object)
    ).astype(object)
    text = np.where(partial.to_numpy(), text + "*", text)
    counts = np.asarray(sizes if sizes is not None else [min_n] * len(z), dtype=float)
    too_few = (counts < min_n)[:, None] & np.isfinite(z)
    row_n = np.broadcast_to(np.char.mod("%d", counts.astype(int))[:, None], z.shape)
    hover = np.where(
        too_few,
        np.array(
            [[labels["insufficient"].format(n=f"{int(c):,}", min_n=min_n)] for c in counts],
            dtype=object,
        ),
        text,
    )
    zmin, zmax = zrange
    fig = go.Figure(
        go.Heatmap(
            z=np.where(too_few, np.nan, z),
            x=[str(c) for c in values.columns],
            y=row_labels,
            text=np.where(too_few, "", text),
            texttemplate="%{text}",
            colorscale=[[0, "#b2182b"], [0.5, "#fddbc7"], [1, "#2166ac"]],
            zmin=zmin,
            zmax=zmax,
            hoverinfo="skip",
            colorbar={"tickformat": ".0%", "title": ""},
        )
    )
    if too_few.any():  # grey cells saying n: too few customers for a rate to mean much
        fig.add_heatmap(
            z=np.where(too_few, 1.0, np.nan),
            x=[str(c) for c in values.columns],
            y=row_labels,
            text=np.where(too_few, np.char.add("n=", row_n).astype(object), ""),
            texttemplate="%{text}",
            textfont={"color": "#555555"},
            colorscale=[[0, INSUFFICIENT], [1, INSUFFICIENT]],
            showscale=False,
            hoverinfo="skip",
        )
    # Invisible squares over the cohort cells: a heatmap cell cannot be selected, a marker can
    # (customdata = [row, period]); the average row is not clickable.
    cells = [
        (r, k)
        for r in range(len(row_labels) - 1)
        for k in range(z.shape[1])
        if np.isfinite(z[r, k])
    ]
    fig.add_scatter(
        x=[str(values.columns[k]) for _, k in cells],
        y=[row_labels[r] for r, _ in cells],
        mode="markers",
        marker={"symbol": "square", "size": 26, "color": "rgba(0,0,0,0)"},
        customdata=[[r, k] for r, k in cells],
        text=[hover[r, k] for r, k in cells],
        hovertemplate="%{y}, " + labels["period"] + " %{x}: %{text}<extra></extra>",
        showlegend=False,
    )
    fig.update_yaxes(autorange="reversed", title=labels["cohort"])
    fig.update_xaxes(title=labels["months"], side="top")
    fig = _layout(fig, title)
    fig.update_layout(
        height=max(CHART_HEIGHT, 30 * len(row_labels) + 140),
        margin={"t": 90},
        clickmode="event+select",
    )
    return fig


def churn_trend(monthly: pd.DataFrame, labels: Mapping[str, str], title: str) -> go.Figure:
    """Monthly logo churn with its 95% band (left axis), GRR and NRR (right axis)."""
    fig = go.Figure()
    x = monthly["month_label"]
    fig.add_scatter(
        x=list(x) + list(x[::-1]),
        y=list(monthly["high"]) + list(monthly["low"][::-1]),
        fill="toself",
        fillcolor=BAND,
        mode="lines",
        line={"width": 0},
        name=labels["ci"],
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=x,
        y=monthly["rate"],
        mode="lines+markers",
        name=labels["churn"],
        line={"color": PRIMARY},
        customdata=monthly[["churned", "active_at_start"]],
        hovertemplate="%{x}: %{y:.2%} (%{customdata[0]:,} of %{customdata[1]:,})<extra></extra>",
    )
    for column, colour, dash in (("grr", SERIES[2], "dot"), ("nrr", SERIES[3], "dash")):
        fig.add_scatter(
            x=x,
            y=monthly[column],
            mode="lines",
            name=labels[column],
            yaxis="y2",
            line={"color": colour, "dash": dash},
            hovertemplate="%{x}: %{y:.1%}<extra>" + labels[column] + "</extra>",
        )
    fig = _layout(fig, title)
    fig.update_layout(
        yaxis={"title": labels["churn_axis"], "tickformat": ".1%", "gridcolor": GRID},
        yaxis2={
            "title": labels["rr_axis"],
            "tickformat": ".0%",
            "overlaying": "y",
            "side": "right",
        },
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0, "xanchor": "left"},
        height=CHART_HEIGHT + 40,
        margin={"r": 60},
    )
    return fig


def split_bars(frame: pd.DataFrame, labels: Mapping[str, str], title: str) -> go.Figure:
    """Churn over the period per value of the split, worst first, with 95% error bars.
    Each bar carries its code in customdata for a click-through."""
    frame = frame.sort_values("rate", ascending=True, na_position="first")
    ok = frame["rate"].notna()
    fig = go.Figure()
    fig.add_bar(
        y=frame["label"],
        x=frame["rate"].fillna(0),
        orientation="h",
        marker_color=[PRIMARY if good else "#bbbbbb" for good in ok],
        error_x={
            "type": "data",
            "symmetric": False,
            "array": (frame["high"] - frame["rate"]).fillna(0),
            "arrayminus": (frame["rate"] - frame["low"]).fillna(0),
            "color": "#333333",
        },
        customdata=frame[["value", "churned", "active_at_start"]],
        hovertemplate="%{y}: %{x:.1%} (%{customdata[1]:,} of %{customdata[2]:,})<extra></extra>",
        text=[
            f"{v:.1%}" if good else labels["insufficient"]
            for v, good in zip(frame["rate"].fillna(0), ok, strict=True)
        ],
        textposition="outside",
        cliponaxis=False,
    )
    fig.update_xaxes(title=labels["axis"], tickformat=".0%", gridcolor=GRID, rangemode="tozero")
    fig = _layout(fig, title)
    fig.update_layout(height=max(220, 44 * len(frame) + 110), margin={"r": 70})
    return fig


def survival_curves(curves: pd.DataFrame, labels: Mapping[str, str], title: str) -> go.Figure:
    """Kaplan–Meier step curves with 95% bands, one colour per group."""
    fig = go.Figure()
    for i, (group, part) in enumerate(curves.groupby("group", sort=True)):
        colour = SERIES[i % len(SERIES)]
        name = labels.get(group, str(group))
        fig.add_scatter(
            x=list(part["months"]) + list(part["months"][::-1]),
            y=list(part["high"]) + list(part["low"][::-1]),
            fill="toself",
            fillcolor=colour,
            opacity=0.15,
            mode="lines",
            line={"width": 0, "shape": "hv"},
            hoverinfo="skip",
            showlegend=False,
            legendgroup=name,
        )
        fig.add_scatter(
            x=part["months"],
            y=part["survival"],
            mode="lines",
            line={"color": colour, "shape": "hv"},
            name=name,
            legendgroup=name,
            hovertemplate=name + ": %{y:.1%} after %{x:.1f} months<extra></extra>",
        )
    fig.update_xaxes(title=labels["axis_x"], gridcolor=GRID, rangemode="tozero")
    fig.update_yaxes(title=labels["axis_y"], tickformat=".0%", gridcolor=GRID)
    fig = _layout(fig, title)
    fig.update_layout(height=CHART_HEIGHT + 60)
    return fig


def reasons_over_time(frame: pd.DataFrame, labels: Mapping[str, str], title: str) -> go.Figure:
    """Churners per month stacked by reason."""
    fig = go.Figure()
    months = list(dict.fromkeys(frame.sort_values("month")["month_label"]))
    for i, (reason, part) in enumerate(frame.groupby("reason", sort=True)):
        counts = part.set_index("month_label")["churned"]
        fig.add_bar(
            x=months,
            y=[int(counts.get(m, 0)) for m in months],
            name=labels.get(reason, reason),
            marker_color=SERIES[i % len(SERIES)],
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=labels["axis"], gridcolor=GRID)
    fig = _layout(fig, title)
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0, "xanchor": "left"},
        height=CHART_HEIGHT + 40,
    )
    return fig


def aging_bars(aging: pd.DataFrame, labels: Mapping[str, str], title: str) -> go.Figure:
    """Overdue amount per aging bucket, redder as it ages."""
    colours = list(LEVEL_COLORS.values())
    fig = go.Figure(
        go.Bar(
            x=aging["bucket"],
            y=aging["amount"],
            marker_color=colours[: len(aging)],
            customdata=aging[["invoices", "customers"]],
            text=[f"{v:,.0f}" for v in aging["amount"]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x} days: %{y:,.0f} (%{customdata[0]:,} invoices, "
            "%{customdata[1]:,} customers)<extra></extra>",
        )
    )
    fig.update_xaxes(title=labels["axis_x"], type="category")
    fig.update_yaxes(title=labels["axis_y"], gridcolor=GRID, rangemode="tozero")
    return _layout(fig, title)


def calibration_chart(frame: pd.DataFrame, labels: Mapping[str, str], title: str) -> go.Figure:
    """Observed churn (95% interval) against the mean predicted probability per decile of the
    hold-out customers; the diagonal is perfect calibration."""
    top = float(max(frame["high"].max(), frame["predicted"].max(), 0.05)) * 1.05
    fig = go.Figure()
    fig.add_scatter(
        x=[0, top],
        y=[0, top],
        mode="lines",
        line={"color": "#999999", "dash": "dot"},
        name=labels["diagonal"],
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=frame["predicted"],
        y=frame["observed"],
        mode="markers",
        marker={"color": PRIMARY, "size": 9},
        error_y={
            "type": "data",
            "symmetric": False,
            "array": frame["high"] - frame["observed"],
            "arrayminus": frame["observed"] - frame["low"],
            "color": PRIMARY,
        },
        customdata=frame[["customers"]],
        name=labels["observed"],
        hovertemplate=labels["hover"] + "<extra></extra>",
    )
    fig.update_xaxes(title=labels["x"], tickformat=".0%", range=[0, top], gridcolor=GRID)
    fig.update_yaxes(title=labels["y"], tickformat=".0%", range=[0, top], gridcolor=GRID)
    return _layout(fig, title)
