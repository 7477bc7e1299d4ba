"""The satisfaction page's complaint list: filterable, paged records for roles that may see
them, with a download."""

from __future__ import annotations

import streamlit as st

from components import state
from components.data.satisfaction import complaint_page
from components.data.shared import readable_code_lists
from components.export import download_table
from components.i18n import code_label, coded, t
from components.paging import paged
from components.satisfaction.case_panel import case_panel, pick_from_selection
from data_access.codes import SEVERITIES
from data_access.complaints import LIST_FILTERS, PAGE_SIZE
from data_access.filters import Filters
from data_access.satisfaction import Focus
from data_access.security import HANDLE_COMPLAINTS, VIEW_RECORDS, Viewer


def complaint_list(viewer: Viewer, filters: Filters, focus: Focus | None) -> None:
    """The list's title, then the list itself or a note that the role may not see records."""
    st.markdown(f"**{t('sat.list_title')}**")
    if not viewer.can(VIEW_RECORDS):
        st.info(t("sat.list_not_allowed"))
        return
    a, b, c = st.columns(3)
    category = a.selectbox(
        t("sat.category"),
        (None, *readable_code_lists()["complaint_category"]),
        format_func=lambda v: t("filters.all") if v is None else code_label(v),
        key=state.SAT_LIST_CATEGORY,
        bind="query-params",
    )
    severity = b.selectbox(
        t("sat.severity"),
        (None, *SEVERITIES),
        format_func=lambda v: t("filters.all") if v is None else code_label(v),
        key=state.SAT_LIST_SEVERITY,
        bind="query-params",
    )
    status = c.selectbox(
        t("sat.status"),
        LIST_FILTERS,
        format_func=lambda v: t(f"sat.status.{v}"),
        key=state.SAT_LIST_STATUS,
        bind="query-params",
    )
    (rows, total), page = paged(
        lambda p: complaint_page(viewer, filters, focus, category, severity, status, p),
        PAGE_SIZE,
        state.SAT_LIST_PAGE,
    )
    st.caption(t("sat.list_count", shown=len(rows), total=f"{total:,}"))
    if rows.empty:
        st.info(t("sat.list_empty"))
    else:
        listed = coded(rows.drop(columns=["id", "version"])).assign(
            stage=rows["stage"].map(lambda s: t(f"case.stage.{s}"))
        )
        handles = viewer.can(HANDLE_COMPLAINTS)
        event = st.dataframe(
            listed,
            hide_index=True,
            key=state.CASE_LIST_SELECTION if handles else None,
            on_select="rerun" if handles else "ignore",
            selection_mode="single-row",
            column_config={
                "opened_at": st.column_config.DatetimeColumn(
                    t("sat.opened"), format="YYYY-MM-DD HH:mm"
                ),
                "customer_id": t("sat.customer_id"),
                "customer": t("sat.customer"),
                "email": t("sat.email"),
                "phone": t("sat.phone"),
                "region": t("dim.region"),
                "segment": t("dim.segment"),
                "tier": t("dim.tier"),
                "category": t("sat.category"),
                "severity": t("sat.severity"),
                "channel": t("sat.channel"),
                "response_hours": st.column_config.NumberColumn(
                    t("sat.response_hours"), format="%.1f h"
                ),
                "resolution_hours": st.column_config.NumberColumn(
                    t("sat.resolution_hours"), format="%.1f h"
                ),
                "sla_breached": st.column_config.CheckboxColumn(t("sat.breached")),
                "escalated": st.column_config.CheckboxColumn(t("sat.escalated")),
                "status": t("sat.status"),
                "stage": t("case.stage"),
                "description": t("sat.description"),
            },
        )
        download_table(viewer, listed, "complaints", key=f"download_complaints_{page}")
        if handles:
            pick_from_selection(rows, list((event or {}).get("selection", {}).get("rows", [])))
            case_panel(viewer, rows)
    if not viewer.may_see_pii:
        st.caption(t("sat.masked"))
