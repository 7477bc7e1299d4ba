"""Rules tab, for rule editors: the form that edits one rule and the one that adds a rule."""

from __future__ import annotations

import json

import streamlit as st

from components import state
from components.cache import clear_dq_caches, engine
from components.i18n import t
from components.opened import forget, opened, stale_notice
from components.plain import plain
from data_access.codes import DQ_DIMENSIONS
from data_access.security import Viewer
from quality import records as dq_records
from quality.rules import CHECKED_TABLES, RULE_TYPES


def edit_rule_form(viewer: Viewer, rule_id: int, current: dict) -> None:
    """Threshold, weight, description and active of one rule, as this session opened it;
    only the fields the user changed are sent, with the opened values as the version."""
    current = {**current, "active": bool(current["active"])}
    loaded = opened("dq_rule", rule_id, current)
    stale_notice("dq_rule", rule_id, loaded != current, f"dq_reload_{rule_id}")
    with st.form(f"dq_edit_{rule_id}"):
        st.markdown(f"**{t('dq.edit')}**")
        a, b = st.columns(2)
        threshold = a.number_input(
            t("dq.threshold"),
            0.0,
            1.0,
            float(loaded["threshold"]),
            0.01,
            format="%.2f",
            key=f"{state.DQ_EDIT_THRESHOLD}_{rule_id}",
        )
        weight = b.number_input(
            t("dq.weight"), 0.1, 100.0, float(loaded["weight"]), 0.5, format="%.1f"
        )
        description = st.text_area(t("dq.description"), loaded["description"] or "")
        active = st.checkbox(t("dq.active"), loaded["active"])
        if not st.form_submit_button(t("dq.save")):
            return
        typed = {
            "threshold": float(threshold),
            "weight": float(weight),
            "description": description,
            "active": bool(active),
        }
        changes = {k: v for k, v in typed.items() if v != loaded[k]}
        if not changes:
            st.info(t("edit.nothing_changed"))
            return
        try:
            dq_records.update_rule(engine(), viewer, rule_id, loaded, changes)
        except dq_records.StaleRuleError:
            st.error(t("edit.stale"), icon=":material/sync_problem:")
        except (ValueError, PermissionError) as exc:
            st.error(t("dq.invalid", errors=plain(exc)))
        else:
            forget("dq_rule", rule_id)
            clear_dq_caches()
            st.session_state[state.DQ_MESSAGE] = t("dq.saved")
            st.rerun()


def add_rule_form(viewer: Viewer, names: dict[str, str]) -> None:
    """An expander with the form that adds a rule; parameters are typed as a JSON object."""
    with st.expander(t("dq.add")), st.form("dq_add_rule"):
        a, b, c = st.columns(3)
        code = a.text_input(t("dq.rule"), max_chars=40, key=state.DQ_ADD_CODE)
        table = b.selectbox(t("dq.table"), list(CHECKED_TABLES))
        column = c.text_input(t("dq.column"), key=state.DQ_ADD_COLUMN)
        a, b, c = st.columns(3)
        dimension = a.selectbox(t("dq.dimension"), DQ_DIMENSIONS, format_func=names.get)
        rule_type = b.selectbox(t("dq.type"), RULE_TYPES)
        threshold = c.number_input(t("dq.threshold"), 0.0, 1.0, 0.95, 0.01)
        params = st.text_input(
            t("dq.params"), "{}", help=t("dq.params.help"), key=state.DQ_ADD_PARAMS
        )
        description = st.text_input(t("dq.description"))
        if not st.form_submit_button(t("dq.create")):
            return
        try:
            parsed = json.loads(params or "{}")
            if not isinstance(parsed, dict):
                raise ValueError('params: must be a JSON object like {"days": 365}')
            dq_records.create_rule(
                engine(),
                viewer,
                {
                    "code": code,
                    "table_name": table,
                    "column_name": column.strip() or None,
                    "dimension": dimension,
                    "rule_type": rule_type,
                    "params": parsed,
                    "threshold": float(threshold),
                    "weight": 1.0,
                    "description": description,
                },
            )
        except json.JSONDecodeError as exc:
            st.error(t("dq.invalid", errors=plain(f"params: not valid JSON ({exc.msg})")))
        except ValueError as exc:
            st.error(t("dq.invalid", errors=plain(exc)))
        else:
            clear_dq_caches()
            st.session_state[state.DQ_MESSAGE] = t("dq.created", code=code)
            st.rerun()
