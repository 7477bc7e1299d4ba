"""Users tab: the user list and the form that creates a user."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import state
from components.admin.actions import attempt
from components.cache import engine
from components.data.shared import active_code_lists
from components.i18n import t
from data_access import user_admin
from data_access.security import ROLES, Viewer


def users_table(users: pd.DataFrame) -> None:
    """Every user with role, scope, lock state and last login."""
    st.dataframe(
        users,
        hide_index=True,
        column_config={
            "username": t("admin.username"),
            "name": t("admin.name"),
            "email": t("sat.email"),
            "role": t("admin.role"),
            "region_scope": t("admin.scope"),
            "active": st.column_config.CheckboxColumn(t("dq.active")),
            "failed_attempts": t("admin.failed"),
            "locked_until": st.column_config.DatetimeColumn(t("admin.locked_until")),
            "last_login_at": st.column_config.DatetimeColumn(t("admin.last_login")),
            "created_at": st.column_config.DatetimeColumn(t("admin.created")),
        },
    )


def create_user_form(viewer: Viewer) -> None:
    """The form that creates a user; emptied after success, kept as typed after an error."""
    with st.form("admin_create_user", clear_on_submit=False):
        st.markdown(f"**{t('admin.create')}**")
        a, b, c = st.columns(3)
        username = a.text_input(t("admin.username"), key=state.ADMIN_NEW_USERNAME)
        name = b.text_input(t("admin.name"), key=state.ADMIN_NEW_NAME)
        email = c.text_input(t("sat.email"), key=state.ADMIN_NEW_EMAIL)
        a, b, c = st.columns(3)
        role = a.selectbox(t("admin.role"), ROLES, format_func=lambda r: t(f"role.{r}"))
        # A scoped administrator creates users of their own region only.
        regions = (viewer.region_scope,) if viewer.region_scope else active_code_lists()["region"]
        scope = b.selectbox(
            t("admin.scope"), (None, *regions), format_func=lambda r: r or t("admin.all_regions")
        )
        password = c.text_input(
            t("admin.password"),
            type="password",
            help=t("admin.password.help"),
            key=state.ADMIN_NEW_PASSWORD,
        )
        if st.form_submit_button(t("admin.create_button")):
            attempt(
                lambda: user_admin.add_user(
                    engine(), viewer, username, name, email, password, role, scope
                ),
                t("admin.created_user", user=username.strip().lower()),
                reset=(
                    state.ADMIN_NEW_USERNAME,
                    state.ADMIN_NEW_NAME,
                    state.ADMIN_NEW_EMAIL,
                    state.ADMIN_NEW_PASSWORD,
                ),
            )
