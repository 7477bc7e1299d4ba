"""Risk register: heat map and table, trends, appetite, the selected risk's detail, and the
risk categories' response plans."""

import streamlit as st

from analytics.headline import register_headline
from components import state
from components.auth import require
from components.data.register import register_view
from components.filters import caption, current_filters
from components.headline import show_headline
from components.i18n import t
from components.register.appetite import appetite
from components.register.detail import show_risk
from components.register.forms import new_risk_form
from components.register.kris import kris_tab
from components.register.matrix import matrix_kind, risk_matrix, score_levels
from components.register.narrowing import narrowed, narrowing_controls
from components.register.picker import opened_risk, risk_picker
from components.register.plans import link_opens_plans_tab, response_plans_tab
from components.register.table import risk_table
from components.register.trends import trends
from data_access.security import EDIT_RISKS, VIEW_DASHBOARDS

viewer = require(VIEW_DASHBOARDS)
filters = current_filters()
level_of = score_levels()

st.title(t("register.title"))
st.caption(caption(filters, filters.end_month, viewer.region_scope) + " · " + t("register.caption"))
show_headline(register_headline(register_view(viewer, filters, False)))
if viewer.can(EDIT_RISKS):
    new_risk_form(viewer)

tab_labels = [
    t("register.tab.register"),
    t("register.tab.trends"),
    t("register.tab.appetite"),
    t("register.tab.plans"),
    t("kri_admin.tab"),
]
link_opens_plans_tab(tab_labels[3])  # the "needs attention" items link to a plan
tab_register, tab_trends, tab_appetite, tab_plans, tab_kris = st.tabs(
    tab_labels, key=state.REGISTER_TAB, bind="query-params"
)

# Drawn first: an empty register stops the page below; the plans and KRIs still show.
with tab_plans:
    response_plans_tab(viewer)

with tab_register:
    kind = matrix_kind()
    left, right = st.columns([2, 3])
    with left:
        cell = risk_matrix(viewer, filters, kind, level_of)
    with right:
        chosen = narrowing_controls()
    view = register_view(viewer, filters, chosen.include_closed)
    if view.empty:
        st.info(t("register.empty"))
        st.stop()
    shown = narrowed(view, kind, cell, chosen)
    risk_table(viewer, view, shown)
    risk_picker(shown)
    selected = opened_risk(view)
    if selected is not None:
        show_risk(viewer, selected)

with tab_trends:
    trends(viewer, filters)

with tab_appetite:
    appetite(viewer, filters)

with tab_kris:
    kris_tab(viewer)
