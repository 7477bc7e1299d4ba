"""Register tab: the likelihood × impact heat map, clickable to narrow the table to a cell."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from analytics.risk import LEVELS, risk_level
from components import charts, state, url_state
from components.data.register import register_heatmap
from components.data.shared import app_settings
from components.export import show_chart
from components.i18n import t
from data_access.filters import Filters
from data_access.security import Viewer


def matrix_kind() -> str:
    """Which assessment the matrix shows: inherent, current (the default) or target."""
    return (
        st.segmented_control(
            t("register.matrix_kind"),
            ("inherent", "current", "target"),
            format_func=lambda k: t(f"register.kind.{k}"),
            default="current",
            key=state.REGISTER_MATRIX_KIND,
            bind="query-params",
        )
        or "current"
    )


def score_levels() -> dict[int, str]:
    """Each score 1–25 → its level under the organisation's bands."""
    bands = app_settings()["risk_level_bands"]
    return {score: risk_level(score, bands) for score in range(1, 26)}


def matrix_figure(
    viewer: Viewer, filters: Filters, kind: str, level_of: dict[int, str]
) -> go.Figure:
    """The heat map of `kind` scores (inherent, current, target) coloured by `level_of`."""
    labels = {lvl: t(f"level.{lvl}") for lvl in LEVELS} | {
        "likelihood": t("register.likelihood"),
        "impact": t("register.impact"),
        "risks": t("chart.risks"),
    }
    return charts.risk_matrix(
        register_heatmap(viewer, filters, kind),
        level_of,
        labels,
        t("register.matrix_title", kind=t(f"register.kind.{kind}")),
    )


def risk_matrix(
    viewer: Viewer, filters: Filters, kind: str, level_of: dict[int, str]
) -> tuple | None:
    """The heat map of `kind` scores coloured by `level_of`; returns the clicked
    (likelihood, impact) cell, if any."""
    matrix = show_chart(
        matrix_figure(viewer, filters, kind, level_of),
        key=state.REGISTER_MATRIX,
        on_select="rerun",
        selection_mode="points",
    )
    st.caption(t("register.matrix_hint"))
    points = (matrix or {}).get("selection", {}).get("points", [])
    clicked = "-".join(str(int(v)) for v in points[0]["customdata"][:2]) if points else None
    return parse_cell(url_state.synced(state.CELL_PARAM, clicked))


def parse_cell(value: str | None) -> tuple[int, int] | None:
    """ "likelihood-impact" (each 1–5) as a cell; anything else (a mangled link) as none."""
    parts = (value or "").split("-")
    if len(parts) != 2 or not all(p.isdigit() and 1 <= int(p) <= 5 for p in parts):
        return None
    return int(parts[0]), int(parts[1])
