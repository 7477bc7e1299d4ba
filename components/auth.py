"""Login wiring: streamlit-authenticator draws the form and keeps the cookie; the password
check, lockout and audit happen in data_access.users against the database."""

from __future__ import annotations

import logging
import os
import secrets

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from components import state
from components.data import clear_user_caches, engine
from components.i18n import t
from data_access import users
from data_access.security import Viewer

log = logging.getLogger(__name__)
COOKIE_NAME = "crm_risk_auth"
COOKIE_EXPIRY_DAYS = 1.0


@st.cache_resource(show_spinner=False)
def _fallback_cookie_key() -> str:
    log.warning("No cookie_key in secrets or COOKIE_KEY env: cookies will not survive a restart")
    return secrets.token_urlsafe(32)


def cookie_key() -> str:
    """The cookie signing key from .streamlit/secrets.toml or COOKIE_KEY, never from git."""
    key = os.environ.get("COOKIE_KEY")
    if key:
        return key
    try:
        return str(st.secrets["cookie_key"])
    except (KeyError, FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return _fallback_cookie_key()


def _check_against_database(username: str, password: str) -> bool:
    result = users.attempt_login(engine(), username, password)
    if result.ok:
        st.session_state.pop(state.LOGIN_MESSAGE, None)
    elif result.reason == "locked":
        until = result.locked_until.strftime("%Y-%m-%d %H:%M") if result.locked_until else "?"
        st.session_state[state.LOGIN_MESSAGE] = ("login.locked", {"until": until})
    elif result.reason == "inactive":
        st.session_state[state.LOGIN_MESSAGE] = ("login.inactive", {})
    elif result.attempts_left is not None:
        st.session_state[state.LOGIN_MESSAGE] = ("login.bad", {"left": result.attempts_left})
    else:
        st.session_state[state.LOGIN_MESSAGE] = ("login.bad_generic", {})
    return result.ok


def authenticator() -> stauth.Authenticate:
    """A fresh Authenticate per run (credentials reflect the database right now)."""
    with engine().connect() as conn:
        creds = users.credentials(conn)
    auth = stauth.Authenticate(
        creds,
        cookie_name=COOKIE_NAME,
        cookie_key=cookie_key(),
        cookie_expiry_days=COOKIE_EXPIRY_DAYS,
        auto_hash=False,
    )
    # The library's own check compares against the in-memory dict; ours adds the lockout.
    auth.authentication_controller.authentication_model.check_credentials = _check_against_database
    return auth


def current_viewer() -> Viewer | None:
    """The logged-in, still active user, or None."""
    if not st.session_state.get(state.AUTH_STATUS):
        return None
    with engine().connect() as conn:
        return users.get_viewer(conn, st.session_state.get(state.AUTH_USERNAME))


def login_page(auth: stauth.Authenticate) -> None:
    """The login screen (the only page a logged-out visitor can reach)."""
    _, centre, _ = st.columns([1, 2, 1])
    with centre:
        _login_form(auth)


def _login_form(auth: stauth.Authenticate) -> None:
    st.title(t("app.title"))
    st.caption(t("login.intro"))
    try:
        auth.login(
            location="main",
            fields={
                "Form name": t("login.form"),
                "Username": t("login.username"),
                "Password": t("login.password"),
                "Login": t("login.submit"),
            },
        )
    except LoginError:
        # A cookie for a user who is now locked or deactivated: drop it and show the form.
        auth.cookie_controller.delete_cookie()
        st.session_state[state.AUTH_STATUS] = None
    if st.session_state.pop(state.COOKIE_DELETE_PENDING, False):
        # Deleted here, on the run after logout, so no rerun unmounts the component first.
        auth.cookie_controller.delete_cookie()
    message = st.session_state.get(state.LOGIN_MESSAGE)
    if st.session_state.get(state.AUTH_STATUS) is False and message:
        key, args = message
        st.error(t(key, **args))
    elif st.session_state.get(state.AUTH_STATUS):
        # The cookie is written on the next run: a rerun now would unmount the component
        # that sets it before the browser has run it.
        st.session_state[state.COOKIE_PENDING] = True
        st.rerun()


def persist_login_cookie(auth: stauth.Authenticate) -> None:
    """Write the re-authentication cookie once, on the first run after a password login."""
    if st.session_state.pop(state.COOKIE_PENDING, False):
        auth.cookie_controller.set_cookie()


def logout_button(auth: stauth.Authenticate, viewer: Viewer) -> None:
    def _on_logout(_details: dict) -> None:
        users.record_logout(engine(), viewer.username)
        clear_user_caches()
        st.session_state.pop(state.LOGIN_MESSAGE, None)
        st.session_state[state.COOKIE_DELETE_PENDING] = True

    auth.logout(t("app.logout"), location="sidebar", key="logout_button", callback=_on_logout)
    if not st.session_state.get(state.AUTH_STATUS):
        st.rerun()  # the page below must not render for a user who just left


def require(perm: str) -> Viewer:
    """Page guard: the viewer if logged in and allowed, else a message and st.stop()."""
    viewer = current_viewer()
    if viewer is None:
        st.warning(t("app.please_login"))
        st.stop()
    if not viewer.can(perm):
        st.error(t("app.not_allowed"))
        st.stop()
    return viewer
