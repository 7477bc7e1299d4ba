"""Duplicates tab: customers that are likely the same person across source systems."""

from __future__ import annotations

import streamlit as st

from components.data.quality import dq_duplicates
from components.export import download_table
from components.i18n import t
from data_access.security import Viewer


def duplicates(viewer: Viewer, records: bool) -> None:
    """The likely duplicates in clusters, with a download; only for those who may see
    `records`."""
    if not records:
        st.info(t("dq.records_not_allowed"))
        return
    frame = dq_duplicates(viewer)
    clusters = frame["cluster"].nunique()
    st.markdown(t("dq.duplicates_summary", clusters=clusters, rows=len(frame)))
    st.dataframe(
        frame,
        hide_index=True,
        column_config={
            "cluster": st.column_config.NumberColumn(t("dq.cluster"), format="%d"),
            "customer_id": t("sat.customer_id"),
            "source_system": t("dq.source"),
            "name": t("sat.customer"),
            "email": t("sat.email"),
            "phone": t("sat.phone"),
            "company": t("dq.company"),
            "region": t("dim.region"),
            "score": st.column_config.NumberColumn(t("dq.match"), format="%.0f"),
            "evidence": t("dq.evidence"),
        },
    )
    download_table(viewer, frame, "likely_duplicates")
    st.caption(t("dq.duplicates_note"))
