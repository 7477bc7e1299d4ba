"""Rules tab: every rule with its latest score, and the selected rule in words with the
rows it fails."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from components import state
from components.data.quality import DqModel
from components.data_quality.failing import failing_rows
from components.data_quality.rule_forms import edit_rule_form
from components.data_quality.scorecard import na_reason
from components.i18n import t
from components.plain import plain
from data_access.security import Viewer
from quality import records as dq_records
from quality.required import COMPLETENESS_RULE, is_required
from quality.rules import rule_params


def describe(rule: dict) -> str:
    """What a rule checks, in words (no SQL)."""
    p = rule_params(rule)
    subject = f"{rule['table_name']}.{rule.get('column_name') or ''}".rstrip(".")
    values = {
        "subject": subject,
        # A rule that follows a code list names the list (its codes change with it).
        "values": ", ".join(map(str, p.get("values", [])))
        or (
            t("codelists.rule_list", name=t(f"codelists.list.{p['code_list']}"))
            if "code_list" in p
            else ""
        ),
        "min": p.get("min", "–"),
        "max": p.get("max", "–"),
        "kind": p.get("kind", ""),
        "columns": ", ".join(p.get("columns") or [rule.get("column_name") or ""]),
        "days": p.get("days", ""),
        "ref": f"{p.get('ref_table', '')}.{p.get('ref_column', '')}",
        "field": p.get("field", ""),
        "before": p.get("before", ""),
        "after": p.get("after", ""),
    }
    # Values, columns and dates come from the rule's author: shown literally.
    return t(f"dq.desc.{rule['rule_type']}", **{k: plain(v) for k, v in values.items()})


def _unscored(rule: dict, required: dict[str, list[str]]) -> str | None:
    """Why a rule has no score although it is active: not applicable, or a completeness
    rule on a field nobody marked required (it is not evaluated)."""
    applicable = rule.get("applicable")  # missing for a rule the latest run did not check
    if applicable is not None and not pd.isna(applicable) and not bool(applicable):
        return "na"
    if rule["rule_type"] == COMPLETENESS_RULE and not is_required(
        required, rule["table_name"], rule.get("column_name")
    ):
        return "not_required"
    return None


def rule_table(model: DqModel, names: dict[str, str]) -> int | None:
    """The rules, failing ones first; returns the id of the rule picked in the table."""
    rules = model.rules.copy()
    rules["failed"] = rules["checked"] - rules["passed"]
    rules["dimension_label"] = rules["dimension"].map(names)
    why = [_unscored(r, model.required) for r in rules.to_dict("records")]
    rules["note"] = [t(f"dq.unscored.{w}") if w else "" for w in why]
    shown = rules[
        [
            "code",
            "table_name",
            "column_name",
            "dimension_label",
            "rule_type",
            "score",
            "threshold",
            "meets_threshold",
            "note",
            "failed",
            "weight",
            "active",
        ]
    ].sort_values(["meets_threshold", "score"], na_position="last")
    selection = st.dataframe(
        shown,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=state.DQ_RULE_TABLE,
        column_config={
            "code": t("dq.rule"),
            "table_name": t("dq.table"),
            "column_name": t("dq.column"),
            "dimension_label": t("dq.dimension"),
            "rule_type": t("dq.type"),
            "score": st.column_config.ProgressColumn(
                t("dq.score"), format="percent", min_value=0.0, max_value=1.0
            ),
            "threshold": st.column_config.NumberColumn(t("dq.threshold"), format="percent"),
            "meets_threshold": st.column_config.CheckboxColumn(t("dq.meets")),
            "note": t("dq.note"),
            "failed": st.column_config.NumberColumn(t("dq.failed"), format="localized"),
            "weight": st.column_config.NumberColumn(t("dq.weight"), format="%.1f"),
            "active": st.column_config.CheckboxColumn(t("dq.active")),
        },
    )
    st.caption(t("dq.rules_hint"))
    picked = selection.selection.rows if selection else []
    if not picked:
        return None
    code = shown.iloc[picked[0]]["code"]
    return int(model.rules.loc[model.rules["code"] == code, "id"].iloc[0])


def rule_detail(
    viewer: Viewer,
    model: DqModel,
    rule_id: int,
    *,
    records: bool,
    editor: bool,
    rule_editor: bool,
) -> None:
    """One rule in words with its numbers; its failing rows for those who may see
    `records`; the edit form for `rule_editor`s (a note for other `editor`s)."""
    full = model.rules.set_index("id").loc[rule_id]
    definition = {**full.to_dict(), "id": rule_id}
    checked = 0 if pd.isna(full.get("checked")) else int(full["checked"])
    passed = 0 if pd.isna(full.get("passed")) else int(full["passed"])
    st.subheader(plain(full["code"]))
    st.markdown(describe(definition))
    if definition.get("description"):
        st.caption(plain(definition["description"]))
    why = _unscored(definition, model.required)
    if why == "na":
        st.info(t("dq.na_detail", reason=na_reason(definition)))
    elif why == "not_required":
        st.info(t("dq.not_required_detail"))
    if model.unscored_region:  # the newest run has no counts for the viewer's region
        st.caption(t("dq.region_unscored", region=model.unscored_region))
    else:
        st.markdown(
            t(
                "dq.rule_numbers",
                checked=f"{checked:,}",
                failed=f"{checked - passed:,}",
                params=plain(json.dumps(rule_params(definition), ensure_ascii=False)),
            )
        )
    if records:
        failing_rows(viewer, rule_id, state.DQ_FAILING_PAGE)
        if not viewer.may_see_pii:
            st.caption(t("sat.masked"))
    else:
        st.info(t("dq.records_not_allowed"))
    if rule_editor:
        edit_rule_form(viewer, rule_id, {k: full[k] for k in dq_records.EDITABLE})
    elif editor:
        st.caption(t("dq.rules_org_wide"))
