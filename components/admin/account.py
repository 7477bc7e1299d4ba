"""Users tab: one chosen user's role and scope, password, active state and lock."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import state
from components.admin.actions import attempt
from components.cache import engine
from components.data.shared import active_code_lists
from components.i18n import t
from components.opened import opened, stale_notice
from data_access import user_admin
from data_access.security import ROLES, Viewer


def manage_user(viewer: Viewer, users: pd.DataFrame) -> None:
    """A user picker and, for the chosen user as this session opened them, the role and
    password forms and the (de)activate and unlock buttons."""
    st.markdown(f"**{t('admin.manage')}**")
    chosen = st.selectbox(t("admin.choose"), list(users["username"]), key=state.ADMIN_CHOSEN_USER)
    if not chosen:
        return
    current = users.set_index("username").loc[chosen].to_dict()
    row = opened("user", chosen, current)
    stale_notice("user", chosen, row["version"] != current["version"], "admin_reload_user")
    version = int(row["version"])
    left, right = st.columns(2)
    with left.form("admin_role"):
        new_role = st.selectbox(
            t("admin.role"),
            ROLES,
            index=ROLES.index(row["role"]),
            format_func=lambda r: t(f"role.{r}"),
        )
        # Active regions, and the user's own scope even if that region was retired since.
        regions = active_code_lists()["region"]
        own = row["region_scope"]
        options = (None, *regions, *([own] if own and own not in regions else []))
        new_scope = st.selectbox(
            t("admin.scope"),
            options,
            index=options.index(row["region_scope"]),
            format_func=lambda r: r or t("admin.all_regions"),
        )
        if st.form_submit_button(t("admin.save_role")):
            attempt(
                lambda: user_admin.change_role(
                    engine(), viewer, chosen, new_role, new_scope, version
                ),
                t("admin.saved", user=chosen),
                opened_as=("user", chosen),
            )
    with right.form("admin_password"):
        new_password = st.text_input(
            t("admin.new_password"),
            type="password",
            help=t("admin.password.help"),
            key=state.ADMIN_RESET_PASSWORD,
        )
        if st.form_submit_button(t("admin.reset")):
            attempt(
                lambda: user_admin.reset_password(engine(), viewer, chosen, new_password, version),
                t("admin.password_reset", user=chosen),
                reset=(state.ADMIN_RESET_PASSWORD,),
                opened_as=("user", chosen),
            )
    a, b = st.columns(2)
    if bool(current["active"]):
        if a.button(t("admin.deactivate"), icon=":material/person_off:"):
            attempt(
                lambda: user_admin.set_active(engine(), viewer, chosen, False, version),
                t("admin.deactivated", user=chosen),
                opened_as=("user", chosen),
            )
    elif a.button(t("admin.activate"), icon=":material/person:"):
        attempt(
            lambda: user_admin.set_active(engine(), viewer, chosen, True, version),
            t("admin.activated", user=chosen),
            opened_as=("user", chosen),
        )
    locked = current["locked_until"] is not None and str(current["locked_until"]) != "NaT"
    if b.button(t("admin.unlock"), icon=":material/lock_open:", disabled=not locked):
        attempt(
            lambda: user_admin.unlock(engine(), viewer, chosen, version),
            t("admin.unlocked", user=chosen),
            opened_as=("user", chosen),
        )
