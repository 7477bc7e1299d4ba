"""A page-number control for long record lists."""

from __future__ import annotations

import streamlit as st

from components.i18n import t


def page_number(total: int, page_size: int, key: str) -> int:
    """A 1-based page number input for `total` rows; returns the 0-based page. A number left
    over from a longer list is reset instead of being out of range."""
    pages = max(1, -(-total // page_size))
    if st.session_state.get(key, 1) > pages:
        st.session_state[key] = 1
    chosen = st.number_input(
        t("sat.page", pages=pages), min_value=1, max_value=pages, step=1, key=key
    )
    return int(chosen) - 1
