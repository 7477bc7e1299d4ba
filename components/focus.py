"""The satisfaction page's segment focus (e.g. region = East), kept in the URL so a copied
link reproduces the focused view."""

from __future__ import annotations

import streamlit as st

from components import state
from components.data.shared import readable_code_lists
from data_access.satisfaction import Focus


def current_focus() -> Focus | None:
    return Focus.from_param(st.query_params.get(state.SAT_FOCUS_PARAM), readable_code_lists())


def set_focus(focus: Focus | None) -> None:
    """Change the focus and rerun so every section above the click uses it."""
    if focus is None:
        st.query_params.pop(state.SAT_FOCUS_PARAM, None)
    else:
        st.query_params[state.SAT_FOCUS_PARAM] = focus.to_param()
    st.session_state[state.SAT_CHART_NONCE] = st.session_state.get(state.SAT_CHART_NONCE, 0) + 1
    st.session_state.pop(state.SAT_WARNING_TABLE, None)
    st.rerun()
