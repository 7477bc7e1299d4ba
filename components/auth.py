"""Login wiring: streamlit-authenticator draws the form and keeps the cookie; the password
check, lockout and audit happen in data_access.users against the database.

Every login — by password or by cookie — is bound to the user's session version, which the
database bumps on logout, password reset, deactivation and role or scope change. The cookie
carries it (signed), each run compares the session's copy with the database, so a copied
cookie or an open tab stops working the moment one of those happens."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from sqlalchemy.exc import DBAPIError
from streamlit_authenticator.utilities.exceptions import LoginError

from components import state
from components.cache import clear_user_caches, engine
from components.data.shared import app_settings
from components.i18n import adopt_language, t
from components.plain import plain
from data_access import user_admin, users
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
        st.session_state[state.SESSION_VERSION] = result.session_version
    else:
        # One message for every refusal: it must not tell which user names exist.
        minutes = app_settings()["lockout_minutes"]
        st.session_state[state.LOGIN_MESSAGE] = ("login.refused", {"minutes": minutes})
    return result.ok


def _encode_cookie() -> str:
    """The signed cookie: user, expiry and the session version it was issued for."""
    expires = datetime.now() + timedelta(days=COOKIE_EXPIRY_DAYS)
    claims = {
        "username": st.session_state[state.AUTH_USERNAME],
        "exp_date": expires.timestamp(),
        "session_version": st.session_state.get(state.SESSION_VERSION),
    }
    return jwt.encode(claims, cookie_key(), algorithm="HS256")


def _over_https() -> bool:
    """Whether the browser reached us over TLS (directly or through a proxy that says so)."""
    forwarded = st.context.headers.get("X-Forwarded-Proto") or ""
    return forwarded.lower() == "https" or str(st.context.url or "").startswith("https://")


def _write_cookie(model: Any) -> None:
    """Set the login cookie: SameSite=Strict always, Secure when served over TLS."""
    if model.cookie_expiry_days:
        model.cookie_manager.set(
            COOKIE_NAME,
            _encode_cookie(),
            expires_at=datetime.now() + timedelta(days=COOKIE_EXPIRY_DAYS),
            secure=_over_https() or None,
            same_site="strict",
        )


def _read_cookie() -> dict[str, Any] | None:
    """The login cookie's claims if it is well-formed, signed with our key (HS256 only),
    unexpired and issued for the user's current session version; else None, and the cookie
    is discarded on this run."""
    if st.session_state.get("logout"):  # the library's flag for the run after a logout
        return None
    raw = st.context.cookies.get(COOKIE_NAME)  # not a str under AppTest
    if not isinstance(raw, str) or not raw:
        return None
    try:
        claims = jwt.decode(raw, cookie_key(), algorithms=["HS256"])
    except jwt.PyJWTError as exc:
        log.warning("discarding an unreadable login cookie: %s", exc)
        claims = None
    valid = (
        isinstance(claims, dict)
        and isinstance(claims.get("username"), str)
        and isinstance(claims.get("exp_date"), int | float)
        and claims["exp_date"] > datetime.now().timestamp()
    )
    version = (
        users.cookie_login(engine(), claims["username"], claims.get("session_version"))
        if valid
        else None
    )
    if version is None:
        st.session_state[state.COOKIE_DELETE_PENDING] = True
        return None
    st.session_state[state.SESSION_VERSION] = version
    return claims


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
    # Its cookie holds only the user name; ours binds it to the session version and
    # refuses anything but a well-formed HS256 token.
    model = auth.cookie_controller.cookie_model
    model.get_cookie = _read_cookie
    model.set_cookie = lambda: _write_cookie(model)
    return auth


def current_viewer() -> Viewer | None:
    """The logged-in, still active user whose login has not been ended since, or None (then
    this session is logged out and its cookie discarded)."""
    if not st.session_state.get(state.AUTH_STATUS):
        return None
    with engine().connect() as conn:
        viewer = users.get_viewer(
            conn,
            st.session_state.get(state.AUTH_USERNAME),
            st.session_state.get(state.SESSION_VERSION, -1),
        )
    if viewer is None:
        st.session_state[state.AUTH_STATUS] = None
        st.session_state[state.AUTH_USERNAME] = None
        st.session_state.pop(state.SESSION_VERSION, None)
        st.session_state[state.COOKIE_DELETE_PENDING] = True
        st.session_state[state.LOGIN_MESSAGE] = ("login.ended", {})
        clear_user_caches()
    return viewer


def adopt_remembered_language(viewer: Viewer) -> None:
    """Once per login: the language the user chose last time, unless this session's link
    named one or the switch was used already. Call before the language switch is drawn."""
    if st.session_state.get(state.LANGUAGE_USER) == viewer.username:
        return
    st.session_state[state.LANGUAGE_USER] = viewer.username
    with engine().connect() as conn:
        adopt_language(users.stored_language(conn, viewer.username), "user")


def language_keeper(viewer: Viewer | None) -> Callable[[str], None] | None:
    """What the language switch calls with a logged-in user's new choice: remember it for
    their next session (a preference; a busy database only loses the memory)."""
    if viewer is None:
        return None

    def remember(language: str) -> None:
        try:
            users.set_language(engine(), viewer.username, language)
        except DBAPIError as exc:
            log.warning("could not remember %s's language: %s", viewer.username, exc)

    return remember


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
        # The user left the credentials between the cookie check and the login: drop it.
        st.session_state[state.COOKIE_DELETE_PENDING] = True
        st.session_state[state.AUTH_STATUS] = None
    if st.session_state.pop(state.COOKIE_DELETE_PENDING, False):
        # Deleted here (after a logout, an ended login or an unusable cookie), on a run
        # that shows the form, so no rerun unmounts the component first.
        auth.cookie_controller.delete_cookie()
    message = st.session_state.get(state.LOGIN_MESSAGE)
    if not st.session_state.get(state.AUTH_STATUS) and message:
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


def must_change_password(viewer: Viewer) -> bool:
    """Whether this user logged in with a one-time password (read on every run)."""
    with engine().connect() as conn:
        return users.must_change_password(conn, viewer.username)


def change_password_page(viewer: Viewer) -> None:
    """The only page for a user with a one-time password: set your own, then go on."""
    _, centre, _ = st.columns([1, 2, 1])
    with centre:
        st.title(t("app.title"))
        st.info(t("login.must_change"), icon=":material/key:")
        with st.form("change_password"):
            current = st.text_input(t("login.current_password"), type="password")
            new = st.text_input(
                t("login.new_password"), type="password", help=t("admin.password.help")
            )
            again = st.text_input(t("login.repeat_password"), type="password")
            if not st.form_submit_button(t("login.set_password"), type="primary"):
                return
        if new != again:
            st.error(t("login.passwords_differ"))
            return
        try:
            version = user_admin.change_own_password(engine(), viewer.username, current, new)
        except user_admin.AdminError as exc:
            st.error(t("admin.refused", why=plain(exc)))
            return
        # This session goes on with the new session version; the cookie is issued again.
        st.session_state[state.SESSION_VERSION] = version
        st.session_state[state.COOKIE_PENDING] = True
        st.rerun()


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
