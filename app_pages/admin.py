"""Administration (admins): users, roles and region scopes; settings and risk appetite; the
organisation's code lists."""

import streamlit as st

from components import state
from components.admin.account import manage_user
from components.admin.code_lists import code_lists_tab
from components.admin.settings import appetite_form, settings_form
from components.admin.survivorship import survivorship_form
from components.admin.users import create_user_form, users_table
from components.auth import require
from components.data.admin import users_and_settings
from components.i18n import t
from data_access.security import ADMIN_USERS

viewer = require(ADMIN_USERS)
users, settings, appetite, survivorship = users_and_settings(viewer)

st.title(t("admin.title"))
if message := st.session_state.pop(state.ADMIN_MESSAGE, None):
    st.success(message)
tab_users, tab_settings, tab_codes = st.tabs(
    [t("admin.tab.users"), t("admin.tab.settings"), t("admin.tab.code_lists")],
    key=state.ADMIN_TAB,
    bind="query-params",
)

with tab_users:
    users_table(users)
    create_user_form(viewer)
    manage_user(viewer, users)

with tab_settings:
    settings_form(viewer, settings)
    appetite_form(viewer, appetite)
    survivorship_form(viewer, survivorship)

with tab_codes:
    code_lists_tab(viewer)
