"""Survivorship rules: which value a merged customer keeps for each field, and which source
system is trusted most. Unscoped administrators only (a merge may join two regions)."""

from __future__ import annotations

import streamlit as st

from components.admin.actions import attempt
from components.cache import engine
from components.i18n import t
from data_access.customer_merge import RULE_KINDS, SURVIVORSHIP_FIELDS, save_survivorship_rules
from data_access.security import Viewer


def survivorship_form(viewer: Viewer, rules: dict) -> None:
    """The rules as stored (`rules`: customer_merge.survivorship_rules), saved with their
    version so a second administrator's older copy is refused."""
    if viewer.region_scope is not None:
        return
    with st.form("admin_survivorship"):
        st.markdown(f"**{t('admin.survivorship')}**")
        st.caption(t("admin.survivorship_help"))
        ranking = st.multiselect(
            t("admin.source_ranking"),
            rules["source_ranking"],
            default=rules["source_ranking"],
            help=t("admin.source_ranking_help"),
        )
        columns = st.columns(3)
        chosen = {
            field: columns[i % 3].selectbox(
                t(f"link.field.{field}"),
                RULE_KINDS,
                index=RULE_KINDS.index(rules["fields"][field]),
                format_func=lambda kind: t(f"admin.rule.{kind}"),
                key=f"admin_survivorship_{field}",
            )
            for i, field in enumerate(SURVIVORSHIP_FIELDS)
        }
        if st.form_submit_button(t("admin.save_survivorship")):
            # Sources left out of the list keep their order after the chosen ones.
            rest = [s for s in rules["source_ranking"] if s not in ranking]
            attempt(
                lambda: save_survivorship_rules(
                    engine(),
                    viewer,
                    {"fields": chosen, "source_ranking": [*ranking, *rest]},
                    rules["version"],
                ),
                t("admin.survivorship_saved"),
            )
