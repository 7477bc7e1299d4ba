"""Churn cohorts, retention and credit exposure: where customers and money leak.

The page reads like the screen; each section lives in components.churn."""

import streamlit as st

from analytics.headline import churn_headline
from components import state
from components.auth import require
from components.churn.action_form import action_notice
from components.churn.actions_tab import actions_tab
from components.churn.at_risk import at_risk_customers
from components.churn.cohorts import cohort_retention
from components.churn.credit import credit_exposure_tab
from components.churn.header import split_control
from components.churn.reasons import reasons_for_leaving
from components.churn.survival import survival_by_split
from components.churn.tiles import kpi_tiles
from components.churn.trend import churn_over_time
from components.data.churn import churn_trend, credit_exposure
from components.data.shared import latest_full_month
from components.empty import stop_when_no_customers
from components.filters import caption, current_filters
from components.headline import show_headline
from components.i18n import t
from data_access.security import VIEW_DASHBOARDS, VIEW_RECORDS

viewer = require(VIEW_DASHBOARDS)
filters = current_filters()
records = viewer.can(VIEW_RECORDS)

st.title(t("churn.title"))
st.caption(caption(filters, latest_full_month(), viewer.region_scope) + " · " + t("churn.caption"))
stop_when_no_customers(viewer)
headline = st.container()  # the answer under the title; it depends on the split below
split = split_control(viewer)
trend = churn_trend(viewer, filters, split)
show_headline(churn_headline(trend.by_split, trend.period, split), headline)
credit = credit_exposure(viewer, filters)
kpi_tiles(trend, credit)
action_notice()

tabs = st.tabs(
    [
        t(f"churn.tab.{k}")
        for k in ("cohorts", "trend", "survival", "reasons", "risk", "credit", "actions")
    ],
    key=state.CHURN_TAB,
    bind="query-params",
)
with tabs[0]:
    cohort_retention(viewer, filters, records)
with tabs[1]:
    churn_over_time(trend, split)
with tabs[2]:
    survival_by_split(viewer, filters, split)
with tabs[3]:
    reasons_for_leaving(viewer, filters, split)
with tabs[4]:
    at_risk_customers(viewer, filters, records)
with tabs[5]:
    credit_exposure_tab(viewer, filters, credit, records)
with tabs[6]:
    actions_tab(viewer, filters, records)
