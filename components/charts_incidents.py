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
        for name, before, after, n, color in (
            ("affected", did.affected_before, did.affected_after, did.n_affected, SECONDARY),
            ("comparison", did.comparison_before, did.comparison_after, did.n_comparison, PRIMARY),
        ):
            fig.add_scatter(
                x=periods,
                y=[before * scale, after * scale],
                mode="lines+markers+text",
                name=labels[name],
                line={"color": color, "dash": "solid" if name == "affected" else "dot"},
                text=[f"{before * scale:.1f}", f"{after * scale:.1f}"],
                textposition="top center",
                hovertemplate=f"%{{x}}: %{{y:.1f}} {labels['unit']} (n ≥ {n:,})<extra>"
                f"{labels[name]}</extra>",
            )
        fig.update_yaxes(title_text=labels["unit"], rangemode="tozero", gridcolor="#e5e5e5")
    _layout(fig, labels["title"])
    fig.update_layout(height=HEIGHT)
    return fig
