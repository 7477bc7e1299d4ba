"""Data quality: scored per rule, rolled up, traced to the failing records."""

import streamlit as st

from analytics.headline import dq_headline
from components import state
from components.auth import require
from components.data.quality import dq_model
from components.data_quality.header import last_run, score_tiles
from components.data_quality.linkage import duplicate_review
from components.data_quality.required import required_fields_form
from components.data_quality.rule_forms import add_rule_form
from components.data_quality.rules import rule_detail, rule_table
from components.data_quality.scorecard import scorecard
from components.data_quality.silos import silos
from components.data_quality.trend import trend
from components.headline import show_headline
from components.i18n import t
from data_access.codes import DQ_DIMENSIONS
from data_access.security import RUN_DQ_CHECKS, VIEW_DASHBOARDS, VIEW_RECORDS
from quality import records as dq_records
from quality.required import may_mark_required

viewer = require(VIEW_DASHBOARDS)
editor = viewer.can(RUN_DQ_CHECKS)
rule_editor = dq_records.may_edit_rules(viewer)
records = viewer.can(VIEW_RECORDS)
model = dq_model(viewer)

st.title(t("dq.title"))
last_run(viewer, model, editor)
if model.run_id is None:
    st.info(t("dq.no_runs"))
    st.stop()
# Scores are the viewer's scope's (a region-scoped viewer's region only); a run stored before
# runs counted per region has none for a region.
if model.unscored_region:
    st.info(t("dq.region_unscored", region=model.unscored_region))
else:
    show_headline(dq_headline(model.latest, model.previous))
    score_tiles(model.latest, model.previous)

tabs = st.tabs(
    [t(f"dq.tab.{k}") for k in ("scorecard", "trend", "rules", "duplicates", "silos")],
    key=state.DQ_TAB,
    bind="query-params",
)
names = {d: t(f"dq.dim.{d}") for d in DQ_DIMENSIONS}

with tabs[0]:
    if model.unscored_region:
        st.info(t("dq.region_unscored", region=model.unscored_region))
    else:
        scorecard(model.latest, names)

with tabs[1]:
    if model.unscored_region:
        st.info(t("dq.region_unscored", region=model.unscored_region))
    else:
        trend(model.history, names)

with tabs[2]:
    rule_id = rule_table(model, names)
    if rule_id is not None:
        rule_detail(viewer, model, rule_id, records=records, editor=editor, rule_editor=rule_editor)
    if rule_editor:
        add_rule_form(viewer, names)
    if may_mark_required(viewer):  # administrators decide which fields are required
        required_fields_form(viewer, model.required)

with tabs[3]:
    duplicate_review(viewer, records, editor)

with tabs[4]:
    silos(viewer, model, records)
