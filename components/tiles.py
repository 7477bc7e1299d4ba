"""KPI tiles: st.metric with period-over-period delta and the right good/bad direction."""

from __future__ import annotations

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


def count_tile(label: str, now: int, before: int, help_text: str, up_is_bad: bool = True) -> None:
    delta = f"{now - before:+,}"
    st.metric(
        label,
        f"{now:,}",
        delta=delta,
        delta_color=_colour(delta, "inverse" if up_is_bad else "normal"),
        help=help_text,
        border=True,
    )


def rate_tile(label: str, now: Estimate, before: Estimate, help_text: str) -> None:
    """A rate where up is bad (churn, breaches); delta in percentage points."""
    if not now.sufficient:
        st.metric(label, t("kpi.insufficient"), help=help_text, border=True)
        return
    delta = None
    if before.sufficient:
        delta = f"{(now.value - before.value) * 100:+.1f} pp"
    colour = _colour(delta, "inverse") if delta else "inverse"
    st.metric(label, pct(now.value), delta=delta, delta_color=colour, help=help_text, border=True)


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
    if now is None:
        st.metric(label, missing or t("kpi.insufficient"), help=help_text, border=True)
        return
    value = pct(now) if as_percent else f"{now:.1f}"
    delta = None
    if before is not None:
        change = (now - before) * (100 if as_percent else 1)
        unit = " pp" if as_percent else ""
        delta = f"{change:+.1f}{unit}"
    colour = "normal" if up_is_good else "inverse"
    if delta:
        colour = _colour(delta, colour)
    st.metric(label, value, delta=delta, delta_color=colour, help=help_text, border=True)
