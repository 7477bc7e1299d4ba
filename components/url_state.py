"""View state that is not a widget (a clicked chart cell, the opened record) carried in the
URL, so a copied link reopens it. Widgets carry theirs themselves (bind="query-params")."""

from __future__ import annotations

import streamlit as st

from components import state


def synced(name: str, current: str | None) -> str | None:
    """The value of URL parameter `name` for this run. `current` is what the page's own
    control says now (a chart's selection; None: nothing). A link's value is taken on the
    page load that brings it and held while the control says nothing; once the control
    says something, that is the value and goes into the URL (nothing: the parameter goes)."""
    held: dict[str, str] = st.session_state.setdefault(state.URL_HELD, {})
    seen: set[str] = st.session_state.setdefault(state.URL_SEEN, set())
    if name not in seen:
        seen.add(name)
        if current is None and name in st.query_params:
            held[name] = st.query_params[name]
    if current is not None:
        held.pop(name, None)
    value = current if current is not None else held.get(name)
    if value is None:
        st.query_params.pop(name, None)
    elif st.query_params.get(name) != value:
        st.query_params[name] = value
    return value


def release(name: str) -> None:
    """Forget a value a link brought (the page moved on to something else)."""
    st.session_state.setdefault(state.URL_HELD, {}).pop(name, None)


def notice(message: str) -> None:
    """Warn about part of a link that was not followed (another region, a risk out of
    reach): shown now and on every rerun of this page, gone once the reader moves on."""
    held = st.session_state.setdefault(state.URL_NOTICES, {"page": None, "messages": []})
    page = st.session_state.get(state.CURRENT_PAGE)
    if held["page"] != page:
        held.update(page=page, messages=[])
    if message in held["messages"]:
        return  # said already: show_notices put it at the top of this run
    held["messages"].append(message)
    st.warning(message, icon=":material/link_off:")


def show_notices(page: str) -> None:
    """At the top of each run: this page's notices from the link that opened it."""
    st.session_state[state.CURRENT_PAGE] = page
    held = st.session_state.get(state.URL_NOTICES)
    if not held:
        return
    if held["page"] != page:
        st.session_state.pop(state.URL_NOTICES)
        return
    for message in held["messages"]:
        st.warning(message, icon=":material/link_off:")
