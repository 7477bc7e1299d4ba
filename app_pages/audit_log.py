"""Audit log viewer (administrators): read-only, filterable, paginated."""

from datetime import datetime, timedelta

import streamlit as st

from components import charts
from components.auth import require
from components.data.audit import AUDIT_PAGE_SIZE, audit_page
from components.export import download_table, show_chart
from components.i18n import t
from components.paging import paged
from data_access.audit import EXPORT_LIMIT
from data_access.security import VIEW_AUDIT

viewer = require(VIEW_AUDIT)
st.title(t("audit.title"))

a, b, o, c, d = st.columns([2, 2, 2, 1, 1])
days = c.selectbox(t("audit.days"), (1, 7, 30, 90, 365), index=2, key="audit_days")
since = datetime.combine(datetime.now().date() - timedelta(days=days - 1), datetime.min.time())
# First call with no filter to fill the pick lists.
_, _, _, (known_users, known_actions, known_objects) = audit_page(
    viewer, None, None, None, since, 0
)
user = a.selectbox(t("audit.user"), known_users, index=None, placeholder=t("filters.all"))
action = b.selectbox(t("audit.action"), known_actions, index=None, placeholder=t("filters.all"))
object_type = o.selectbox(
    t("audit.col.object"), known_objects, index=None, placeholder=t("filters.all")
)
(rows, total, per_day, _), page_no = paged(
    lambda p: audit_page(viewer, user, action, object_type, since, p),
    AUDIT_PAGE_SIZE,
    "audit_page",
    where=d,
    label=t("audit.page"),
)

st.caption(t("audit.caption", total=total))
if per_day.empty:
    st.info(t("audit.empty"))
else:
    show_chart(
        charts.events_per_day(per_day, t("audit.chart"), t("audit.day"), t("audit.events")),
        key="chart_audit_per_day",
    )
st.dataframe(
    rows,
    hide_index=True,
    column_config={
        "at": st.column_config.DatetimeColumn(t("audit.col.at"), format="YYYY-MM-DD HH:mm:ss"),
        "username": t("audit.user"),
        "action": t("audit.action"),
        "object_type": t("audit.col.object"),
        "object_id": st.column_config.TextColumn("ID"),
        "detail": st.column_config.TextColumn(t("audit.col.detail"), width="large"),
    },
)
pages = max(1, -(-total // AUDIT_PAGE_SIZE))
st.caption(f"{t('audit.page')} {int(page_no) + 1} / {pages}")
everything, _, _, _ = audit_page(
    viewer, user, action, object_type, since, 0, page_size=EXPORT_LIMIT
)
download_table(viewer, everything, "audit_log", t("audit.export", n=f"{len(everything):,}"))
