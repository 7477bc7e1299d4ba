"""Chart builders for the satisfaction and complaints page: pure DataFrame -> plotly Figure.
Labels come in as arguments; insufficient samples are drawn grey, never silently dropped."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from components.charts import CHART_HEIGHT, _layout
from components.palette import BAND, GRID, LEVEL_COLORS, PRIMARY, RAG_COLORS

SEVERITY_COLORS = dict(
    zip(("low", "medium", "high", "critical"), LEVEL_COLORS.values(), strict=True)
)
GREY = RAG_COLORS["insufficient"]
BELOW = LEVEL_COLORS["Critical"]


def _sparse_month_ticks(fig: go.Figure, months: pd.Series, most: int = 4) -> None:
    """Label at most `most` months, always including the latest, horizontally: a narrow
    chart with twelve slanted labels cuts them off."""
    labels = list(months)
    step = max(1, -(-len(labels) // most))
    shown = labels[::-1][::step][::-1]
    fig.update_xaxes(
        tickmode="array",
        tickvals=shown,
        ticktext=shown,
        tickangle=0,
        # Keep calendar order: traces that skip months would otherwise reorder the categories.
        categoryorder="array",
        categoryarray=labels,
    )


def score_trend(
    monthly: pd.DataFrame, metric: str, labels: Mapping[str, str], title: str
) -> go.Figure:
    """One score per month with its 95% band. `monthly` has month_label, the metric with
    _low/_high/_ok columns and n_<metric>. Months below the minimum sample show as grey
    markers on the axis labelled "insufficient data" instead of a point."""
    ok = monthly[f"{metric}_ok"].astype(bool)
    x = monthly["month_label"]
    n = monthly[f"n_{metric}"]
    fig = go.Figure()
    band = monthly[ok]
    fig.add_scatter(
        x=list(band["month_label"]) + list(band["month_label"][::-1]),
        y=list(band[f"{metric}_high"]) + list(band[f"{metric}_low"][::-1]),
        fill="toself",
        fillcolor=BAND,
        mode="lines",
        line={"width": 0},
        name=labels["ci"],
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=x,
        y=monthly[metric].where(ok),
        mode="lines+markers",
        name=labels["score"],
        line={"color": PRIMARY},
        customdata=pd.concat([monthly[f"{metric}_low"], monthly[f"{metric}_high"], n], axis=1),
        hovertemplate="%{x}: %{y:.1f} (95% CI %{customdata[0]:.1f} – %{customdata[1]:.1f}), "
        "n = %{customdata[2]:,}<extra></extra>",
    )
    if (~ok).any():
        lowest = pd.to_numeric(monthly.loc[ok, f"{metric}_low"], errors="coerce").min()
        floor = 0 if pd.isna(lowest) else lowest
        fig.add_scatter(
            x=x[~ok],
            y=[floor] * int((~ok).sum()),
            mode="markers",
            marker={"color": GREY, "symbol": "x", "size": 10},
            name=labels["insufficient"],
            customdata=n[~ok],
            hovertemplate="%{x}: "
            + labels["insufficient"]
            + ", n = %{customdata:,}<extra></extra>",
        )
    fig.update_yaxes(title=labels["axis"], gridcolor=GRID)
    _sparse_month_ticks(fig, x)
    fig = _layout(fig, title)
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0, "xanchor": "left"},
        height=CHART_HEIGHT,
    )
    return fig


def answer_mix(monthly: pd.DataFrame, labels: Mapping[str, str], title: str) -> go.Figure:
    """Stacked 100% bars of promoters, passives and detractors per month, n on top."""
    fig = go.Figure()
    parts = (
        ("detractor_share", labels["detractors"], LEVEL_COLORS["Critical"]),
        ("passive_share", labels["passives"], "#d9d9d9"),
        ("promoter_share", labels["promoters"], "#1a9850"),
    )
    for column, name, colour in parts:
        fig.add_bar(
            x=monthly["month_label"],
            y=monthly[column],
            name=name,
            marker_color=colour,
            customdata=monthly["n_nps"],
            hovertemplate="%{x}: %{y:.1%} " + name + " of %{customdata:,}<extra></extra>",
        )
    fig.add_scatter(
        x=monthly["month_label"],
        y=[1.04] * len(monthly),
        mode="text",
        text=[f"n={v:,}" for v in monthly["n_nps"]],
        textfont={"size": 10, "color": "#555555"},
        showlegend=False,
        hoverinfo="skip",
    )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(tickformat=".0%", range=[0, 1.09], gridcolor=GRID)
    fig = _layout(fig, title)
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0, "xanchor": "left"}
    )
    return fig


def _significantly_worse(frame: pd.DataFrame, metric: str, overall: float | None) -> pd.Series:
    """True where the whole 95% interval lies on the bad side of the overall figure."""
    if overall is None:
        return pd.Series(False, index=frame.index)
    if metric == "ces":  # more effort is worse
        return (frame[f"{metric}_low"] > overall).fillna(False)
    return (frame[f"{metric}_high"] < overall).fillna(False)


def breakdown_bars(
    frame: pd.DataFrame,
    metric: str,
    overall: float | None,
    labels: Mapping[str, str],
    title: str,
) -> go.Figure:
    """Horizontal bars per segment (already sorted worst first) with 95% error bars and the
    overall figure as a dashed line; red where the interval lies wholly on the bad side of
    it. Segments with too few answers are grey bars at zero
    labelled "insufficient data". Each bar carries its segment code in customdata so a click
    can focus the page on it."""
    frame = frame.iloc[::-1]  # plotly draws the first row at the bottom
    ok = frame[f"{metric}_ok"].astype(bool)
    values = frame[metric].where(ok, 0.0).astype(float)
    fig = go.Figure()
    fig.add_bar(
        y=frame["label"],
        x=values,
        orientation="h",
        marker_color=[
            GREY if not good else BELOW if below else PRIMARY
            for good, below in zip(ok, _significantly_worse(frame, metric, overall), strict=True)
        ],
        error_x={
            "type": "data",
            "symmetric": False,
            "array": (frame[f"{metric}_high"] - frame[metric]).where(ok, 0.0),
            "arrayminus": (frame[metric] - frame[f"{metric}_low"]).where(ok, 0.0),
            "color": "#333333",
            "thickness": 1.2,
        },
        # A value sits beside its segment's name, never inside the bar where the interval's
        # whisker would strike it through; only "insufficient data" is written at the bar.
        text=["" if good else labels["insufficient"] for good in ok],
        textposition="outside",
        cliponaxis=False,
        customdata=pd.concat(
            [frame["value"], frame[f"n_{metric}"], frame[f"{metric}_low"], frame[f"{metric}_high"]],
            axis=1,
        ),
        hovertemplate="%{y}: %{x:.1f} (95% CI %{customdata[2]:.1f} – %{customdata[3]:.1f}), "
        "n = %{customdata[1]:,}<extra></extra>",
        name=labels["score"],
        showlegend=False,
    )
    if overall is not None:
        fig.add_vline(
            x=overall,
            line={"dash": "dash", "color": "#444444"},
            annotation_text=f"{labels['overall']} {overall:.1f}",
            annotation_position="top",
        )
    fig.update_xaxes(title=labels["axis"], gridcolor=GRID, zeroline=True, zerolinecolor="#999999")
    fig.update_yaxes(
        tickvals=list(frame["label"]),
        ticktext=[
            f"{name}  <b>{v:.1f}</b>" if good else str(name)
            for name, v, good in zip(frame["label"], values, ok, strict=True)
        ],
    )
    fig = _layout(fig, title)
    fig.update_layout(height=max(220, 42 * len(frame) + 110), margin={"r": 60})
    return fig


def complaint_volume(frame: pd.DataFrame, labels: Mapping[str, str], title: str) -> go.Figure:
    """Complaints per 1,000 customers by category (sorted by total), stacked by severity.
    Columns: category, category_label, severity, per_1000, complaints. Each bar carries
    (category, severity, complaints) in customdata so a click can open those records."""
    totals = frame.groupby("category_label")["per_1000"].sum().sort_values()
    codes = dict(zip(frame["category_label"], frame["category"], strict=True))
    fig = go.Figure()
    for severity, colour in SEVERITY_COLORS.items():
        part = frame[frame["severity"] == severity].set_index("category_label")
        fig.add_bar(
            y=list(totals.index),
            x=[float(part["per_1000"].get(c, 0.0)) for c in totals.index],
            orientation="h",
            name=labels[severity],
            marker_color=colour,
            customdata=[
                [codes.get(c), severity, int(part["complaints"].get(c, 0))] for c in totals.index
            ],
            hovertemplate="%{y}: %{x:.1f} per 1,000 (%{customdata[2]:,} complaints)<extra>"
            + labels[severity]
            + "</extra>",
        )
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_xaxes(title=labels["axis"], rangemode="tozero", gridcolor=GRID)
    return _layout(fig, title)


def backlog_aging(frame: pd.DataFrame, buckets: list[str], labels: Mapping[str, str], title: str):
    """Open complaints by age bucket (ordinal x axis), stacked by severity."""
    fig = go.Figure()
    for severity, colour in SEVERITY_COLORS.items():
        part = frame[frame["severity"] == severity].set_index("age")["open"]
        fig.add_bar(
            x=[labels.get(b, b) for b in buckets],
            y=[int(part.get(b, 0)) for b in buckets],
            name=labels[severity],
            marker_color=colour,
            hovertemplate="%{x}: %{y:,} open<extra>" + labels[severity] + "</extra>",
        )
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_xaxes(title=labels["axis"], type="category")
    fig.update_yaxes(title=labels["count"], rangemode="tozero", gridcolor=GRID)
    return _layout(fig, title)


# Where a bubble's name may go, in order of preference, and the plot area assumed to place it.
_PLACES = ("top center", "bottom center", "middle right", "middle left")
_PLOT_W, _PLOT_H = 700.0, 230.0


def _box(cx: float, cy: float, half_w: float, half_h: float) -> tuple[float, ...]:
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def label_positions(
    x: list[float], y: list[float], diameters: list[float], names: list[str]
) -> list[str]:
    """A text position per bubble such that no name lies under another bubble or another
    name: above the bubble if that is free, else below, right or left (in pixels of a
    typical plot area; a name is ~7 px per character and 14 px high)."""
    if not x:
        return []

    def scaled(values: list[float], size: float, low: float = 0.0) -> list[float]:
        top = max(values)
        low = min(low, min(values))
        return [(v - low) / (top - low) * size if top > low else size / 2 for v in values]

    px = scaled(x, _PLOT_W)  # the x axis starts at zero
    py = scaled(y, _PLOT_H, min(y))
    bubbles = [_box(a, b, d / 2, d / 2) for a, b, d in zip(px, py, diameters, strict=True)]
    placed: list[tuple[float, ...]] = []
    chosen = []
    for i, name in enumerate(names):
        r, half_w, half_h = diameters[i] / 2, 3.5 * len(name), 7.0
        boxes = {
            "top center": _box(px[i], py[i] + r + 2 + half_h, half_w, half_h),
            "bottom center": _box(px[i], py[i] - r - 2 - half_h, half_w, half_h),
            "middle right": _box(px[i] + r + 3 + half_w, py[i], half_w, half_h),
            "middle left": _box(px[i] - r - 3 - half_w, py[i], half_w, half_h),
        }
        others = [b for j, b in enumerate(bubbles) if j != i] + placed
        place = next(
            (p for p in _PLACES if not any(_overlap(boxes[p], o) for o in others)), _PLACES[0]
        )
        chosen.append(place)
        placed.append(boxes[place])
    return chosen


def complaints_vs_nps(frame: pd.DataFrame, labels: Mapping[str, str], title: str) -> go.Figure:
    """One bubble per segment: complaints per 1,000 customers (x) against NPS (y), sized by
    customers. Segments with too few answers are left out and named in the caption."""
    shown = frame[frame["nps_ok"].astype(bool) & frame["per_1000"].notna()]
    fig = go.Figure()
    size = shown["customers"].fillna(0).astype(float)
    diameters = 12 + 30 * (size / size.max() if len(size) and size.max() else 0)
    fig.add_scatter(
        x=shown["per_1000"],
        y=shown["nps"],
        mode="markers+text",
        text=shown["label"],
        textposition=label_positions(
            shown["per_1000"].astype(float).tolist(),
            shown["nps"].astype(float).tolist(),
            diameters.tolist(),
            [str(v) for v in shown["label"]],
        ),
        marker={
            "size": diameters,
            "color": PRIMARY,
            "opacity": 0.7,
        },
        customdata=pd.concat([shown["customers"], shown["complaints"], shown["n_nps"]], axis=1),
        hovertemplate="%{text}: %{x:.1f} complaints per 1,000 (%{customdata[1]:,} of "
        "%{customdata[0]:,} customers), NPS %{y:.1f} (n = %{customdata[2]:,})<extra></extra>",
        showlegend=False,
    )
    fig.update_xaxes(title=labels["x"], rangemode="tozero", gridcolor=GRID)
    fig.update_yaxes(title=labels["y"], gridcolor=GRID)
    return _layout(fig, title)
