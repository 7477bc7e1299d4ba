"""Silos tab: how well the source systems agree on each cross-system field."""

from __future__ import annotations

import streamlit as st

from analytics.dq import rollup
from components import charts_dq as charts
from components import state
from components.data.quality import DqModel, silo_duplicates
from components.data_quality.failing import failing_rows
from components.export import show_chart
from components.i18n import t
from data_access.linkage_clusters import OTHER_REGION
from data_access.security import Viewer
from quality.rules import rule_params


def silos(viewer: Viewer, model: DqModel, records: bool) -> None:
    """Duplicates across systems (from the resolved duplicate groups) and a heat map of
    sources × fields of the cross-system rules; those who may see `records` pick a field and
    get the rows that disagree."""
    _duplicates_across_systems(viewer)
    cross = model.rules[model.rules["rule_type"] == "cross_system_match"]
    fields = {int(r.id): rule_params(r._asdict())["field"] for r in cross.itertuples()}
    latest = model.latest
    silo = latest[latest["rule_id"].isin(fields)].assign(field=lambda f: f["rule_id"].map(fields))
    if silo.empty:
        st.info(t("dq.no_silo_rules"))
        return
    matrix = rollup(silo, ["source_system", "field"]).pivot(
        index="source_system", columns="field", values="score"
    )
    show_chart(charts.score_matrix(matrix, {}, t("dq.silo_title"), zmin=0.5), key="dq_silo_matrix")
    st.caption(t("dq.silo_note"))
    if not records:
        return
    field = st.segmented_control(
        t("dq.silo_field"), list(fields.values()), default=list(fields.values())[0]
    )
    rule_id = next((k for k, v in fields.items() if v == field), None)
    if rule_id is not None:
        failing_rows(viewer, rule_id, state.DQ_SILO_PAGE)


def _duplicates_across_systems(viewer: Viewer) -> None:
    counts = silo_duplicates(viewer)
    if counts.empty:
        st.info(t("dq.silo_dup_none"))
        return
    counts = counts.replace({"original_system": {OTHER_REGION: t("dq.silo_other_region")}})
    matrix = counts.pivot_table(
        index="source_system", columns="original_system", values="records", aggfunc="sum"
    ).fillna(0)
    figure = charts.count_matrix(
        matrix, t("dq.silo_dup_title"), t("dq.silo_dup_axis_x"), t("dq.silo_dup_axis_y")
    )
    show_chart(figure, key="dq_silo_duplicates")
    st.caption(t("dq.silo_dup_note"))
