"""The rows a rule fails now, one page at a time (rules tab and silos tab)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.data.quality import dq_failing_rows
from components.i18n import coded, t
from components.paging import page_number
from data_access.security import Viewer
from quality import records as dq_records


def failing_table(frame: pd.DataFrame) -> None:
    """The failing rows with readable headers; the checked columns keep their own names."""
    st.dataframe(
        coded(frame, ("region",)),
        hide_index=True,
        column_config={
            "row_id": st.column_config.NumberColumn(t("dq.row"), format="%d"),
            "source_system": t("dq.source"),
            "customer_id": t("sat.customer_id"),
            "customer": t("sat.customer"),
            "region": t("dim.region"),
        }
        | {
            c: t("dq.master", field=c.removeprefix("master_"))
            for c in frame
            if c.startswith("master_")
        },
    )


def failing_rows(viewer: Viewer, rule_id: int, page_key: str) -> None:
    """A page number, how many rows fail, and the page of failing rows of `rule_id`."""
    _, total = dq_failing_rows(viewer, rule_id, 0)
    page = page_number(total, dq_records.PAGE_SIZE, f"{page_key}_{rule_id}")
    failing, total = dq_failing_rows(viewer, rule_id, page)
    st.caption(t("dq.failing_count", shown=len(failing), total=f"{total:,}"))
    failing_table(failing)
