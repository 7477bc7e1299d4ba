"""Rules tab, for administrators: which fields of each table are required (completeness is
scored only for them), saved against what the form was opened at."""

from __future__ import annotations

import streamlit as st

from components import state
from components.cache import clear_dq_caches, engine
from components.i18n import t
from components.opened import forget, opened, stale_notice
from components.plain import plain
from data_access.security import Viewer
from quality import required as dq_required

_KIND = "dq_required"


def required_fields_form(viewer: Viewer, current: dict[str, list[str]]) -> None:
    """One multiselect per table of the fields marked required, as this session opened them;
    only the tables the user changed are sent, with the opened marks as the version."""
    choices = dq_required.field_choices()
    shown = {table: current.get(table, []) for table in choices}
    loaded = opened(_KIND, "all", shown)
    stale_notice(_KIND, "all", loaded != shown, "dq_reload_required")
    with st.expander(t("dq.required.title")), st.form("dq_required_fields"):
        st.caption(t("dq.required.help"))
        picked = {
            table: st.multiselect(
                t("dq.required.table", table=plain(table)),
                # A field marked before it left the schema stays listed so it can be unmarked.
                sorted(set(fields) | set(loaded[table])),
                default=loaded[table],
                placeholder=t("dq.required.none"),
            )
            for table, fields in choices.items()
        }
        if not st.form_submit_button(t("dq.required.save")):
            return
        changes = {k: sorted(v) for k, v in picked.items() if sorted(v) != loaded[k]}
        if not changes:
            st.info(t("edit.nothing_changed"))
            return
        try:
            dq_required.save_required_fields(engine(), viewer, changes, loaded)
        except dq_required.StaleRequiredFieldsError:
            st.error(t("edit.stale"), icon=":material/sync_problem:")
        except (ValueError, PermissionError) as exc:
            st.error(t("dq.required.invalid", errors=plain(exc)))
        else:
            forget(_KIND, "all")
            clear_dq_caches()
            st.session_state[state.DQ_MESSAGE] = t("dq.required.saved")
            st.rerun()
