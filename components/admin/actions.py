"""How every admin form saves: run the change, say what is wrong or confirm and rerun."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from components import state
from components.cache import clear_after_admin_change
from components.i18n import t
from components.opened import forget
from components.plain import plain
from data_access import user_admin
from data_access.code_lists import StaleCodeError
from data_access.settings import StaleSettingsError


def _done(message: str, reset: tuple[str, ...], opened_as: tuple[str, object] | None) -> None:
    clear_after_admin_change()
    for key in reset:  # an emptied form after success (kept as typed after an error)
        st.session_state.pop(key, None)
    if opened_as:
        forget(*opened_as)
    st.session_state[state.ADMIN_MESSAGE] = message
    st.rerun()


def attempt(
    action: Callable[[], object],
    message: str,
    reset: tuple[str, ...] = (),
    opened_as: tuple[str, object] | None = None,
) -> None:
    """Run an admin action; show what is wrong instead of a trace. `opened_as` names the
    snapshot the form was opened at, forgotten after a successful save."""
    try:
        action()
    except (user_admin.StaleUserError, StaleSettingsError, StaleCodeError):
        st.error(t("edit.stale"), icon=":material/sync_problem:")
    except (ValueError, PermissionError) as exc:
        st.error(t("admin.refused", why=plain(exc)))
    else:
        _done(message, reset, opened_as)
