"""Charts as files: PNG or SVG at print resolution, stamped with the view they come from,
drawn by kaleido on the server's Chromium."""

from __future__ import annotations

import asyncio
import base64
import re
import unicodedata
from collections.abc import Iterable, Sequence

import kaleido
import plotly.graph_objects as go

from reports.browser import chromium_path, in_own_thread

PRINT_WIDTH = 1200  # px at scale 1: a landscape page's width at 100 dpi
PNG_SCALE = 3  # 3600 px across: 300 dpi over 12 inches
DEFAULT_HEIGHT = 500
_STAMP_LINE = 16  # px per stamp line below the chart
FORMATS = ("png", "svg")


def _text_width(text: str, size: float = 12) -> float:
    """Roughly how wide `text` is in pixels (a CJK character takes two Latin widths)."""
    units = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return units * size * 0.6


def _longest_label(values: Iterable) -> float:
    return max((_text_width(str(v)) for v in values if isinstance(v, str)), default=0.0)


def printable(figure: go.Figure) -> go.Figure:
    """A copy laid out for a static image: the browser's chart grows its margins to fit the
    tick labels (automargin) but the image renderer does not, so labels would be cut off;
    the margins are set from the longest label instead, and bar labels are drawn level."""
    out = go.Figure(figure)
    margin = out.layout.margin
    y_labels = max(
        [_longest_label(trace.y if trace.y is not None else ()) for trace in out.data]
        + [_longest_label(axis.ticktext or ()) for axis in out.select_yaxes()],
        default=0.0,
    )
    titled = any(axis.title.text for axis in out.select_yaxes())
    numeric_y = 40.0  # a numeric axis' tick labels
    left = max(y_labels, numeric_y) + (24 if titled else 8)
    right = 60 if any(axis.side == "right" for axis in out.select_yaxes()) else 20
    bottom = 70 if any(axis.title.text for axis in out.select_xaxes()) else 50
    out.update_layout(
        margin={
            "l": max(margin.l or 0, left),
            "r": max(margin.r or 0, right),
            "b": max(margin.b or 0, bottom),
        }
    )
    out.update_traces(textangle=0, selector={"type": "bar"})
    return out


def stamped(figure: go.Figure, stamp: Sequence[str]) -> go.Figure:
    """A copy of `figure` with `stamp` (the view: filters, as-of, generated at/by) in small
    grey lines under the chart, in a strip added to the bottom margin."""
    out = go.Figure(figure)
    if not stamp:
        return out
    height = int(out.layout.height or DEFAULT_HEIGHT)
    bottom = out.layout.margin.b if out.layout.margin.b is not None else 80
    strip = _STAMP_LINE * len(stamp) + 12
    out.update_layout(height=height + strip, margin={"b": bottom + strip})
    out.add_annotation(
        text="<br>".join(stamp),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        xanchor="left",
        yanchor="top",
        yshift=-bottom,
        showarrow=False,
        align="left",
        font={"size": 11, "color": "#555"},
    )
    return out


def _options(figure: go.Figure, fmt: str) -> dict:
    return {
        "format": fmt,
        "width": PRINT_WIDTH,
        "height": int(figure.layout.height or DEFAULT_HEIGHT),
        "scale": PNG_SCALE if fmt == "png" else 1,
    }


def render(figures: Sequence[go.Figure], fmt: str) -> list[bytes]:
    """Each figure as `fmt` ("png" or "svg") bytes, drawn in one browser session."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}")
    path = chromium_path()

    async def draw() -> list[bytes]:
        async with kaleido.Kaleido(n=1, path=path) as k:
            drawn = []
            for figure in figures:
                ready = printable(figure)
                drawn.append(await k.calc_fig(ready, opts=_options(ready, fmt)))
            return drawn

    return in_own_thread(lambda: asyncio.run(draw()))


def svg_data_uri(svg: bytes) -> str:
    """An SVG as an <img> source that scales to its box (plotly's SVG has no viewBox)."""
    text = svg.decode("utf-8")
    size = re.search(r'<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"', text)
    if size and "viewBox" not in text[: text.index(">")]:
        width, height = size.groups()
        text = text.replace("<svg", f'<svg viewBox="0 0 {width} {height}"', 1)
    return "data:image/svg+xml;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")
