"""Administration (admins): users, roles and region scopes; settings and risk appetite."""

import streamlit as st

from components import state
from components.auth import require
from components.cache import clear_after_admin_change, engine
from components.data.admin import users_and_settings
from components.i18n import t
from components.opened import forget, opened, stale_notice
from components.plain import plain
from data_access import user_admin
from data_access.codes import REGIONS
from data_access.security import ADMIN_USERS, ROLES
from data_access.settings import LEVELS, StaleSettingsError, save_appetite, save_settings

viewer = require(ADMIN_USERS)
EDITABLE_SETTINGS = ("risk_level_bands", "review_cadence_days", "min_sample_size")
users, settings, appetite = users_and_settings(viewer)


def done(message: str, reset: tuple[str, ...], opened_as: tuple[str, object] | None) -> None:
    clear_after_admin_change()
    for key in reset:  # an emptied form after success (kept as typed after an error)
        st.session_state.pop(key, None)
    if opened_as:
        forget(*opened_as)
    st.session_state[state.ADMIN_MESSAGE] = message
    st.rerun()


def attempt(
    action,  # noqa: ANN001
    message: str,
    reset: tuple[str, ...] = (),
    opened_as: tuple[str, object] | None = None,
) -> None:
    """Run an admin action; show what is wrong instead of a trace. `opened_as` names the
    snapshot the form was opened at, forgotten after a successful save."""
    try:
        action()
    except (user_admin.StaleUserError, StaleSettingsError):
        st.error(t("edit.stale"), icon=":material/sync_problem:")
    except (ValueError, PermissionError) as exc:
        st.error(t("admin.refused", why=plain(exc)))
    else:
        done(message, reset, opened_as)


st.title(t("admin.title"))
if message := st.session_state.pop(state.ADMIN_MESSAGE, None):
    st.success(message)
tab_users, tab_settings = st.tabs([t("admin.tab.users"), t("admin.tab.settings")])

with tab_users:
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
    with st.form("admin_create_user", clear_on_submit=False):
        st.markdown(f"**{t('admin.create')}**")
        a, b, c = st.columns(3)
        username = a.text_input(t("admin.username"), key=state.ADMIN_NEW_USERNAME)
        name = b.text_input(t("admin.name"), key=state.ADMIN_NEW_NAME)
        email = c.text_input(t("sat.email"), key=state.ADMIN_NEW_EMAIL)
        a, b, c = st.columns(3)
        role = a.selectbox(t("admin.role"), ROLES, format_func=lambda r: t(f"role.{r}"))
        scope = b.selectbox(
            t("admin.scope"), (None, *REGIONS), format_func=lambda r: r or t("admin.all_regions")
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

    st.markdown(f"**{t('admin.manage')}**")
    chosen = st.selectbox(t("admin.choose"), list(users["username"]), key=state.ADMIN_CHOSEN_USER)
    if chosen:
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
            options = (None, *REGIONS)
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
                    lambda: user_admin.reset_password(
                        engine(), viewer, chosen, new_password, version
                    ),
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

with tab_settings:
    shown_settings = {k: settings[k] for k in EDITABLE_SETTINGS}
    settings = opened("settings", "all", shown_settings)
    stale_notice("settings", "all", settings != shown_settings, "admin_reload_settings")
    with st.form("admin_settings"):
        st.markdown(f"**{t('admin.bands')}**")
        columns = st.columns(4)
        bands = {
            level: columns[i].number_input(
                t(f"level.{level}"),
                1,
                25,
                int(settings["risk_level_bands"][level]),
                disabled=level == "Critical",
            )
            for i, level in enumerate(LEVELS)
        }
        st.markdown(f"**{t('admin.cadence')}**")
        columns = st.columns(4)
        cadence = {
            level: columns[i].number_input(
                t(f"level.{level}"), 1, 730, int(settings["review_cadence_days"][level])
            )
            for i, level in enumerate(LEVELS)
        }
        min_n = st.number_input(
            t("admin.min_n"),
            5,
            10_000,
            int(settings["min_sample_size"]),
            help=t("admin.min_n.help"),
        )
        if st.form_submit_button(t("admin.save_settings")):
            attempt(
                lambda: save_settings(
                    engine(),
                    viewer,
                    {
                        "risk_level_bands": {k: int(v) for k, v in bands.items()},
                        "review_cadence_days": {k: int(v) for k, v in cadence.items()},
                        "min_sample_size": int(min_n),
                    },
                    settings,
                ),
                t("admin.settings_saved"),
                opened_as=("settings", "all"),
            )
    shown_appetite = appetite
    appetite = opened("appetite", "all", shown_appetite)
    stale_notice("appetite", "all", appetite != shown_appetite, "admin_reload_appetite")
    with st.form("admin_appetite"):
        st.markdown(f"**{t('admin.appetite')}**")
        columns = st.columns(4)
        limits = {
            category: columns[i % 4].number_input(t(f"category.{category}"), 1, 25, int(value))
            for i, (category, value) in enumerate(sorted(appetite.items()))
        }
        if st.form_submit_button(t("admin.save_appetite")):
            attempt(
                lambda: save_appetite(
                    engine(), viewer, {k: int(v) for k, v in limits.items()}, appetite
                ),
                t("admin.appetite_saved"),
                opened_as=("appetite", "all"),
            )
