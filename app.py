"""Router: page config, login, role-filtered navigation, shared sidebar. Nothing else."""

import logging

import streamlit as st
from sqlalchemy.exc import DBAPIError

from components import auth, presentation, saved_decks, url_state
from components.data.shared import app_settings, latest_full_month
from components.filters import sidebar_filters
from components.i18n import language_switch, start_language, t
from components.navigation import PAGES, allowed_pages, page_at
from components.plain import plain
from data_access.db import is_busy

log = logging.getLogger("crm_risk")
st.set_page_config(page_title="CRM risk dashboard", page_icon=":material/shield:", layout="wide")


def _database_unavailable(exc: Exception) -> None:
    log.exception("database unavailable", exc_info=exc)
    st.error(t("app.db_busy") if is_busy(exc) else t("app.db_unavailable"))
    st.stop()


start_language()
try:
    authenticator = auth.authenticator()
    viewer = auth.current_viewer()
    if viewer is not None:
        # Before the switch: a remembered language, then a linked deck's, replace only the
        # browser's guess; the deck's filters fill what the link leaves out.
        auth.adopt_remembered_language(viewer)
        presentation.take_linked_deck(viewer)
except DBAPIError as exc:
    _database_unavailable(exc)

language_switch(remember=auth.language_keeper(viewer))
if viewer is None:

    def login() -> None:
        auth.login_page(authenticator)

    # The login form answers on every page's URL, so a shared link (page and filters in the
    # URL) still opens that view once the visitor has logged in or the cookie is read.
    login_pages = [st.Page(login, title=t("login.form"), url_path="login")] + [
        st.Page(login, title=t("login.form"), url_path=p.url_path) for p in PAGES
    ]
    try:
        st.navigation(login_pages, position="hidden").run()
    except DBAPIError as exc:  # the login itself reads and writes the users table
        _database_unavailable(exc)
    st.stop()

if auth.must_change_password(viewer):
    # Every page's URL answers with the password form until the one-time password is gone.
    with st.sidebar:
        auth.logout_button(authenticator, viewer)

    def change_password() -> None:
        auth.change_password_page(viewer)

    password_pages = [
        st.Page(change_password, title=t("login.set_password"), url_path=p.url_path) for p in PAGES
    ]
    st.navigation(password_pages, position="hidden").run()
    st.stop()

allowed = allowed_pages(viewer.role)
pages = [st.Page(p.path, title=t(p.title_key), icon=p.icon, url_path=p.url_path) for p in allowed]
presenting = presentation.presenting()
navigation = st.navigation(pages, position="hidden" if presenting else "sidebar")
current = page_at(navigation.url_path, allowed)
if presenting:
    presentation.deck_bar(current, allowed)
url_state.show_notices(navigation.url_path)
presentation.say_unknown_deck()
with st.sidebar:
    st.markdown(t("app.signed_in_as", name=plain(viewer.username), role=t(f"role.{viewer.role}")))
    if viewer.region_scope:
        st.caption(t("app.scope", scope=viewer.region_scope))
    auth.logout_button(authenticator, viewer)
    auth.persist_login_cookie(authenticator)
    if not presenting:
        presentation.present_link(current)
try:
    if not presenting:
        with st.sidebar:
            saved_decks.deck_menu(viewer, allowed)
    sidebar_filters(viewer, latest_full_month(), app_settings())
    navigation.run()
except DBAPIError as exc:
    _database_unavailable(exc)
