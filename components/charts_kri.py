"""The KRI value-history chart: a pure function DataFrame -> plotly Figure."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from components.charts import _layout
from components.palette import PRIMARY, RAG_COLORS


def kri_history_chart(
    history: pd.DataFrame,
    amber: float,
    red: float,
    labels: Mapping[str, str],
    title: str,
    percent: bool = False,
) -> go.Figure:
    """The KRI's monthly values as a line, each point coloured by its stored state and
    labelled with it, and the current amber and red thresholds as dashed lines. `history`:
    period_month, value, n, state (a month with too few answers has no value: a gap).
    `labels`: value, amber, red, month, n and one per state. `percent`: the values are shares
    from 0 to 1, shown as percentages."""
    number = ".1%" if percent else ".4g"
    frame = history.sort_values("period_month")
    months = pd.to_datetime(frame["period_month"])
    states = frame["state"].fillna("insufficient")
    fig = go.Figure()
    fig.add_scatter(
        x=months,
        y=frame["value"],
        mode="lines+markers",
        name=labels["value"],
        line={"color": PRIMARY},
        marker={
            "size": 10,
            "color": [RAG_COLORS.get(s, RAG_COLORS["insufficient"]) for s in states],
            "line": {"color": "white", "width": 1},
        },
        customdata=list(zip(frame["n"], [labels.get(s, s) for s in states], strict=True)),
        hovertemplate=(
            "%{x|%Y-%m}: %{y:"  # month by number: no English month names in zh
            + number
            + "} · %{customdata[1]}<br>"
            + labels["n"]
            + " = %{customdata[0]:,}<extra></extra>"
        ),
        connectgaps=False,
    )
    # The worse threshold's label above its line, the other's below: never on top of each other.
    worse_up = red >= amber
    for key, level in (("amber", amber), ("red", red)):
        above = (key == "red") == worse_up
        fig.add_hline(
            y=level,
            line={"color": RAG_COLORS[key], "dash": "dash"},
            annotation_text=f"{labels[key]} {format(level, number)}",
            annotation_position="top left" if above else "bottom left",
        )
    fig.update_xaxes(title=labels["month"], tickformat="%Y-%m", gridcolor="#eeeeee")
    fig.update_yaxes(
        title=labels["value"], gridcolor="#eeeeee", tickformat=".0%" if percent else None
    )
    return _layout(fig, title)
