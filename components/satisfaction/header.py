"""The satisfaction page's focus notice, with the button that clears the focus."""

from __future__ import annotations

import streamlit as st

from components import state
from components.focus import set_focus
from components.i18n import t
from components.satisfaction.labels import segment_label
from data_access.post_resolution import CSAT_SOURCES, SURVEY
from data_access.satisfaction import Focus


def csat_source_picker() -> str:
    """Where the page's CSAT figures come from: surveys (default) or the complaint cases'
    post-resolution answers, a source of their own (data_access.post_resolution)."""
    source = st.segmented_control(
        t("sat.csat_source"),
        CSAT_SOURCES,
        format_func=lambda s: t(f"sat.source.{s}"),
        default=SURVEY,
        key=state.SAT_CSAT_SOURCE,
        bind="query-params",
        help=t("sat.csat_source.help"),
    )
    if source not in CSAT_SOURCES:
        source = SURVEY
    if source != SURVEY:
        st.caption(t("sat.csat_source_note"))
    return source


def focus_notice(focus: Focus | None) -> None:
    """Say which segment the page is focused on, if any, and offer to clear it."""
    if focus is not None:
        left, right = st.columns([5, 1], vertical_alignment="center")
        note = "sat.focus" if focus.applies_to_customers else "sat.focus_surveys_only"
        left.info(t(note, segment=segment_label(focus.dimension, focus.value)))
        if right.button(t("sat.clear_focus"), icon=":material/close:"):
            set_focus(None)
