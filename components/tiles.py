"""KPI tiles: st.metric with period-over-period delta and the right good/bad direction."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from analytics.kpi import Estimate
from components.i18n import t


def pct(value: float | None) -> str:
    return t("kpi.none") if value is None else f"{value:.1%}"


def ci_text(est: Estimate, scale: float = 1.0, suffix: str = "") -> str:
    if est.low is None or est.high is None:
        return t("kpi.insufficient")
    if suffix == "%":
        return f"{est.low * scale:.1f}–{est.high * scale:.1f}%"
    return f"{est.low * scale:.1f} – {est.high * scale:.1f}"


def _colour(shown_change: str, direction: str) -> str:
    """No change worth a colour when the change as shown is zero (+0, -0.0 pp)."""
    digits = "".join(c for c in shown_change if c.isdigit())
    return "off" if not digits.strip("0") else direction


@dataclass(frozen=True)
class TileText:
    """What a tile shows, as text: its value, its change (if any) and the change's colour
    ("normal": up is good, "inverse": up is bad, "off": no change worth a colour)."""

    value: str
    delta: str | None = None
    colour: str = "off"
    arrow: bool = True  # False: the delta line is a remark, not a change


def insufficient() -> TileText:
    """No figure to show: a dash, and why under it (the words would not fit as the value)."""
    return TileText("—", t("kpi.insufficient"), "off", arrow=False)


def count_text(now: int, before: int, up_is_bad: bool = True) -> TileText:
    delta = f"{now - before:+,}"
    return TileText(f"{now:,}", delta, _colour(delta, "inverse" if up_is_bad else "normal"))


def rate_text(now: Estimate, before: Estimate) -> TileText:
    """A rate where up is bad (churn, breaches); change in percentage points."""
    if not now.sufficient:
        return insufficient()
    if not before.sufficient:
        return TileText(pct(now.value), None, "inverse")
    delta = f"{(now.value - before.value) * 100:+.1f} pp"
    return TileText(pct(now.value), delta, _colour(delta, "inverse"))


def score_text(
    now: float | None,
    before: float | None,
    as_percent: bool = False,
    up_is_good: bool = True,
    missing: str | None = None,
) -> TileText:
    """A score where up is good (NPS, data quality) unless `up_is_good` is False (effort).
    Without a score it says `missing` (default: insufficient data)."""
    if now is None:
        return TileText("—", missing, "off", arrow=False) if missing else insufficient()
    value = pct(now) if as_percent else f"{now:.1f}"
    colour = "normal" if up_is_good else "inverse"
    if before is None:
        return TileText(value, None, colour)
    change = (now - before) * (100 if as_percent else 1)
    delta = f"{change:+.1f}{' pp' if as_percent else ''}"
    return TileText(value, delta, _colour(delta, colour))


def metric(label: str, text: TileText, help_text: str) -> None:
    st.metric(
        label,
        text.value,
        delta=text.delta,
        delta_color=text.colour if text.delta else "normal",
        delta_arrow="auto" if text.arrow else "off",
        help=help_text,
        border=True,
    )


def count_tile(label: str, now: int, before: int, help_text: str, up_is_bad: bool = True) -> None:
    metric(label, count_text(now, before, up_is_bad), help_text)


def rate_tile(label: str, now: Estimate, before: Estimate, help_text: str) -> None:
    """A rate where up is bad (churn, breaches); delta in percentage points."""
    metric(label, rate_text(now, before), help_text)


def score_tile(
    label: str,
    now: float | None,
    before: float | None,
    help_text: str,
    as_percent: bool = False,
    up_is_good: bool = True,
    missing: str | None = None,
) -> None:
    """A score where up is good (NPS, data quality) unless `up_is_good` is False (effort).
    Without a score it says `missing` (default: insufficient data)."""
    metric(label, score_text(now, before, as_percent, up_is_good, missing), help_text)
