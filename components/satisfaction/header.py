"""The satisfaction page's focus notice, with the button that clears the focus."""

from __future__ import annotations

import streamlit as st

from components.focus import set_focus
from components.i18n import t
from components.satisfaction.labels import segment_label
from data_access.satisfaction import Focus


def focus_notice(focus: Focus | None) -> None:
    """Say which segment the page is focused on, if any, and offer to clear it."""
    if focus is not None:
        left, right = st.columns([5, 1], vertical_alignment="center")
        note = "sat.focus" if focus.applies_to_customers else "sat.focus_surveys_only"
        left.info(t(note, segment=segment_label(focus.dimension, focus.value)))
        if right.button(t("sat.clear_focus"), icon=":material/close:"):
            set_focus(None)
