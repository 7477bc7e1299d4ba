"""Register tab: the "open a risk" select box over the shown risks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import state, url_state
from components.i18n import t


def _open_picked(known: set) -> None:
    """Open the risk chosen in the picker. When a title changes under an open picker (someone
    renamed the risk), the browser sends back the old label: ignore it, keep what is open."""
    picked = st.session_state[state.REGISTER_PICKER]
    if picked in known:
        st.session_state[state.REGISTER_SELECTED] = picked


def opened_risk(view: pd.DataFrame) -> int | None:
    """The risk open on the page (a table row or the picker chose it, or a link named its
    code), kept in the URL by code. A link's risk that is not in this viewer's register (closed
    and hidden, or outside the viewer's scope) opens nothing and says so."""
    selected = st.session_state.get(state.REGISTER_SELECTED)
    codes = dict(zip(view["id"], view["code"], strict=True))
    code = url_state.synced(state.RISK_PARAM, codes.get(selected))
    if selected is None and code is not None:
        ids = [i for i, c in codes.items() if c == code]
        if not ids:
            url_state.notice(t("register.link_risk_missing", code=code))
            url_state.release(state.RISK_PARAM)
            return None
        selected = st.session_state[state.REGISTER_SELECTED] = int(ids[0])
    return selected


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
