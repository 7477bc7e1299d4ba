"""Satisfaction and complaints: where satisfaction is falling, for whom, and whether it is real.

The page reads like the screen; each section lives in components.satisfaction."""

import streamlit as st

from analytics.headline import satisfaction_headline
from components import state
from components.auth import require
from components.data.satisfaction import satisfaction_model
from components.empty import stop_when_no_customers
from components.filters import caption, current_filters
from components.focus import current_focus
from components.headline import show_headline
from components.i18n import t
from components.satisfaction.breakdown import breakdown
from components.satisfaction.complaint_list import complaint_list
from components.satisfaction.complaints import complaint_figures
from components.satisfaction.header import csat_source_picker, focus_notice
from components.satisfaction.tiles import kpi_tiles
from components.satisfaction.trends import trends
from components.satisfaction.verbatims import verbatims
from components.satisfaction.warning import early_warning
from data_access.security import VIEW_DASHBOARDS

viewer = require(VIEW_DASHBOARDS)
filters = current_filters()
focus = current_focus()

st.title(t("sat.title"))
stop_when_no_customers(viewer)
csat_source = csat_source_picker()
model = satisfaction_model(viewer, filters, focus, csat_source)
st.caption(caption(filters, model.as_of_month, viewer.region_scope) + " · " + t("sat.caption"))
show_headline(satisfaction_headline(model.warnings, model.period, model.previous, model.min_n))
focus_notice(focus)
kpi_tiles(model)

tab_trends, tab_breakdown, tab_warning, tab_complaints, tab_verbatims = st.tabs(
    [t(f"sat.tab.{k}") for k in ("trends", "breakdown", "warning", "complaints", "verbatims")],
    key=state.SAT_TAB,
    bind="query-params",
)
with tab_trends:
    trends(model)
with tab_breakdown:
    breakdown(model, focus)
with tab_warning:
    early_warning(model, focus)
with tab_complaints:
    complaint_figures(viewer, model)
    complaint_list(viewer, filters, focus)
with tab_verbatims:
    verbatims(viewer, filters, focus)
