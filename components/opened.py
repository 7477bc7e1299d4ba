"""What an edit form was opened at. The first time a session shows an editable object, its
stored values are kept here; the form's defaults and the version (or values) sent with a
save come from that snapshot, never from a re-read at save time. So a change someone else
saved in between is refused by the data layer instead of silently overwritten, and what the
user typed stays in the form until they choose to load the latest version."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

import streamlit as st

from components import state
from components.i18n import t


def _store() -> dict[tuple[str, Hashable], Any]:
    return st.session_state.setdefault(state.OPENED, {})


def opened(kind: str, key: Hashable, current: Any) -> Any:
    """The snapshot of (kind, key) this session opened; `current` when first seen."""
    return _store().setdefault((kind, key), current)


def forget(kind: str, key: Hashable) -> None:
    """After a successful save (or a reload): the next run opens the stored values again."""
    _store().pop((kind, key), None)


def stale_notice(kind: str, key: Hashable, changed: bool, button_key: str) -> None:
    """When the stored object changed since it was opened: say so, and offer to load it."""
    if not changed:
        return
    with st.container(border=True):
        st.warning(t("edit.changed_since_opened"), icon=":material/sync_problem:")
        if st.button(t("edit.load_latest"), key=button_key, icon=":material/refresh:"):
            forget(kind, key)
            st.rerun()


def drop_vanished_pick(key: str, options: Iterable[Hashable]) -> None:
    """Before a selectbox (`key`) that picks the object a form or button writes to: when the
    object this session picked has left the options (saved, merged or deleted in another
    browser, or filtered out), forget the pick and say so. Streamlit would otherwise fall
    back to the first option, and a submit meant for the vanished object would land on it.
    The forms and buttons below the pick carry the picked object in their keys, so a submit
    drawn for the vanished object is dropped with its form."""
    picked = st.session_state.get(key)
    if picked is not None and picked not in set(options):
        st.session_state.pop(key)
        st.warning(t("edit.pick_gone"), icon=":material/sync_problem:")
