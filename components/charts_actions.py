"""Chart builders for actions on warnings: pure DataFrame -> plotly Figure."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from components.charts import _layout
from components.palette import GRID, PRIMARY, RAG_COLORS

GREY = RAG_COLORS["insufficient"]


def save_rate_bars(rates: pd.DataFrame, labels: Mapping[str, str], title: str) -> go.Figure:
    """Save rate per action kind as horizontal bars, highest on top, with the 95% Wilson
    interval as error bars and n in each kind's label. A kind below the minimum sample
    (`rate` missing) draws no bar: a grey marker at zero says "insufficient data" with its
    n, so a thin sample is never read as a rate of 0.

    `rates` (analytics.actions.save_rates plus a display `label` per kind): kind, label,
    with_outcome, saved, rate, low, high. `labels`: axis, insufficient, n (placeholder n)."""
    ok = rates["rate"].notna()
    # Plotly draws the first category at the bottom: lowest rate first, thin samples below.
    shown = pd.concat([rates[~ok], rates[ok].sort_values("rate")])
    names = [
        f"{label} ({labels['n'].format(n=f'{int(n):,}')})"
        for label, n in zip(shown["label"], shown["with_outcome"], strict=True)
    ]
    shown = shown.assign(name=names)
    sufficient, thin = shown[shown["rate"].notna()], shown[shown["rate"].isna()]
    fig = go.Figure()
    fig.add_bar(
        y=sufficient["name"],
        x=sufficient["rate"].astype(float),
        orientation="h",
        marker_color=PRIMARY,
        error_x={
            "type": "data",
            "symmetric": False,
            "array": (sufficient["high"] - sufficient["rate"]).astype(float),
            "arrayminus": (sufficient["rate"] - sufficient["low"]).astype(float),
            "color": "#333333",
            "thickness": 1.2,
        },
        customdata=sufficient[["saved", "with_outcome", "low", "high"]].astype(float),
        hovertemplate="%{y}: %{x:.1%} (95% CI %{customdata[2]:.1%} – %{customdata[3]:.1%}), "
        "%{customdata[0]:,.0f} of %{customdata[1]:,.0f}<extra></extra>",
        name=labels["rate"],
        showlegend=False,
    )
    if not thin.empty:
        fig.add_scatter(
            y=thin["name"],
            x=[0.0] * len(thin),
            mode="markers+text",
            marker={"color": GREY, "symbol": "line-ns-open", "size": 14},
            text=[labels["insufficient"]] * len(thin),
            textposition="middle right",
            textfont={"color": "#777777"},
            customdata=thin[["with_outcome"]].astype(float),
            hovertemplate="%{y}: " + labels["insufficient"] + "<extra></extra>",
            name=labels["insufficient"],
            showlegend=False,
        )
    fig.update_yaxes(categoryorder="array", categoryarray=list(shown["name"]))
    fig.update_xaxes(
        title=labels["axis"], tickformat=".0%", range=[0, 1], gridcolor=GRID, rangemode="tozero"
    )
    fig = _layout(fig, title)
    fig.update_layout(height=max(200, 60 * len(shown) + 110), margin={"r": 30})
    return fig
