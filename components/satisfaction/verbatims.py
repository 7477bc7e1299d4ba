"""The satisfaction page's verbatims tab: what detractors wrote, for roles that may read it."""

from __future__ import annotations

import streamlit as st

from components.data.satisfaction import detractor_comments
from components.i18n import coded, t
from data_access.filters import Filters
from data_access.satisfaction import Focus
from data_access.security import VIEW_RECORDS, Viewer


def verbatims(viewer: Viewer, filters: Filters, focus: Focus | None) -> None:
    """The detractors' comments, or why there are none to show."""
    comments = detractor_comments(viewer, filters, focus) if viewer.can(VIEW_RECORDS) else None
    if comments is None:
        st.info(t("sat.verbatims_not_allowed"))
    elif comments.empty:
        st.info(t("sat.no_verbatims"))
    else:
        st.dataframe(
            coded(comments),
            hide_index=True,
            column_config={
                "responded_on": st.column_config.DateColumn(t("sat.answered"), format="YYYY-MM-DD"),
                "nps": st.column_config.NumberColumn(t("sat.nps_answer"), format="%d"),
                "touchpoint": t("dim.touchpoint"),
                "region": t("dim.region"),
                "segment": t("dim.segment"),
                "tier": t("dim.tier"),
                "customer": t("sat.customer"),
                "comment": st.column_config.TextColumn(t("sat.comment"), width="large"),
            },
        )
        st.caption(t("sat.verbatims_note", n=len(comments)))
        if not viewer.may_see_pii:
            st.caption(t("sat.masked"))
