"""Chart of an incident's recovery: pure DiD estimate -> plotly Figure. Labels come in as
arguments; an estimate without enough data is drawn as an empty, labelled chart."""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from analytics.incidents import DiD
from components.charts import _layout
from components.palette import PRIMARY, RAG_COLORS, SECONDARY

HEIGHT = 300


def recovery_chart(did: DiD, labels: Mapping[str, str], scale: float = 1.0) -> go.Figure:
    """The affected and the comparison customers' metric before and after the incident, two
    lines: the gap between their slopes is the difference in differences (in the title).
    `labels` holds title, affected, comparison, before, after, unit and insufficient;
    values are multiplied by `scale` (100 shows a share in percent)."""
    fig = go.Figure()
    periods = [labels["before"], labels["after"]]
    if not did.sufficient:
        fig.add_annotation(
            text=labels["insufficient"], showarrow=False, font={"color": RAG_COLORS["insufficient"]}
        )
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    else:
        low, high = _value_range(did, scale)
        pad = (high - low) * 0.1
        for name, before, after, n, color, where in (
            ("affected", did.affected_before, did.affected_after, did.n_affected, SECONDARY, "top"),
            (
                "comparison",
                did.comparison_before,
                did.comparison_after,
                did.n_comparison,
                PRIMARY,
                "bottom",
            ),
        ):
            fig.add_scatter(
                x=periods,
                y=[before * scale, after * scale],
                mode="lines+markers+text",
                name=labels[name],
                line={"color": color, "dash": "solid" if name == "affected" else "dot"},
                text=[f"{before * scale:.1f}", f"{after * scale:.1f}"],
                # Above one line, below the other, so the labels do not sit on the lines
                # (above, too, a point too near the axis' foot to have a label below it).
                textposition=[
                    f"{where if v * scale - low > pad else 'top'} center" for v in (before, after)
                ],
                hovertemplate=f"%{{x}}: %{{y:.1f}} {labels['unit']} (n ≥ {n:,})<extra>"
                f"{labels[name]}</extra>",
            )
        fig.update_yaxes(title_text=labels["unit"], range=[low, high], gridcolor="#e5e5e5")
    _layout(fig, labels["title"])
    fig.update_layout(height=HEIGHT)
    return fig


def _value_range(did: DiD, scale: float) -> list[float]:
    """From zero (or the lowest value, when negative, as NPS can be) to the highest, with
    room for the value labels above and below the points."""
    values = [
        v * scale
        for v in (
            did.affected_before,
            did.affected_after,
            did.comparison_before,
            did.comparison_after,
        )
    ]
    low, high = min(0.0, *values), max(0.0, *values)
    pad = (high - low) * 0.15 or 1.0
    return [low - pad if low < 0 else 0.0, high + pad]
