"""Incidents: the risks that materialised — open and closed, and the opened incident's
timeline, customers, notification duties, recovery and actions."""

from datetime import datetime

import streamlit as st

from components import state
from components.auth import require
from components.data.incidents import incident_list
from components.i18n import code_label, t
from components.incidents.detail import incident_table, opened_incident, show_incident
from data_access.security import MANAGE_INCIDENTS, VIEW_DASHBOARDS

viewer = require(VIEW_DASHBOARDS)
now = datetime.now().replace(second=0, microsecond=0)

st.title(t("incident.title"))
scope = t("filters.all") if viewer.region_scope is None else code_label(viewer.region_scope)
st.caption(t("incident.caption", scope=scope, at=f"{now:%Y-%m-%d %H:%M}"))
notice = st.session_state.pop(state.INCIDENT_NOTICE, None)
if notice:
    st.success(notice, icon=":material/check_circle:")

which = (
    st.segmented_control(
        t("incident.which"),
        ["open", "closed", "all"],
        default="open",
        format_func=lambda w: t(f"incident.which.{w}"),
        key=state.INCIDENT_WHICH,
        bind="query-params",
    )
    or "open"
)
everything = incident_list(viewer, "all", now)
still_open = everything[everything["status"] != "closed"] if not everything.empty else everything
a, b, c = st.columns(3)
a.metric(t("incident.tile.open"), len(still_open), help=t("incident.tile.open.help"), border=True)
b.metric(
    t("incident.tile.breaches"),
    int(still_open["is_data_breach"].sum()) if not still_open.empty else 0,
    help=t("incident.tile.breaches.help"),
    border=True,
)
c.metric(
    t("incident.col.overdue"),
    int(everything["overdue_duties"].sum()) if not everything.empty else 0,
    help=t("incident.col.overdue.help"),
    border=True,
)

rows = incident_list(viewer, which, now)
if rows.empty:
    st.info(t("incident.empty"))
else:
    incident_table(rows)
selected = opened_incident(viewer, now)
if selected is not None:
    show_incident(viewer, int(selected), now)
elif everything.empty and viewer.can(MANAGE_INCIDENTS):
    st.caption(t("incident.how_to_record"))
