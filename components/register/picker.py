"""Register tab: the "open a risk" select box over the shown risks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import state
from components.i18n import t


def _open_picked(known: set) -> None:
    """Open the risk chosen in the picker. When a title changes under an open picker (someone
    renamed the risk), the browser sends back the old label: ignore it, keep what is open."""
    picked = st.session_state[state.REGISTER_PICKER]
    if picked in known:
        st.session_state[state.REGISTER_SELECTED] = picked


def risk_picker(shown: pd.DataFrame) -> None:
    """A select box of the `shown` risks by code and title; picking one opens it."""
    titles = dict(zip(shown["id"], shown["code"] + " · " + shown["title"], strict=True))
    st.selectbox(
        t("register.open_risk"),
        list(titles),
        index=None,
        format_func=titles.get,
        placeholder=t("register.select_hint"),
        key=state.REGISTER_PICKER,
        on_change=_open_picked,
        args=(set(titles),),
    )
