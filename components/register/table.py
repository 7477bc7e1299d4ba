"""Register tab: the counts, the risk table with its download, and opening a risk by row."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import state
from components.export import download_table
from components.i18n import code_label, risk_status_label, t, treatment_label
from data_access.security import Viewer


def risk_table(viewer: Viewer, view: pd.DataFrame, shown: pd.DataFrame) -> None:
    """How many of `view` are `shown` (and how many of those need attention), the table
    and its download; a selected row becomes the open risk."""
    st.markdown(
        t(
            "register.counts",
            shown=len(shown),
            total=len(view),
            above=int(shown["above_appetite"].sum()),
            overdue=int(shown["review_overdue"].sum()),
        )
    )
    table = shown.assign(
        level=shown["level"].map(lambda lvl: t(f"level.{lvl}")),
        category=shown["category"].map(lambda c: f"{c} · {t('category.' + c)}"),
        region=shown["region"].map(lambda c: t("filters.all") if c is None else code_label(c)),
        segment=shown["segment"].map(lambda c: t("filters.all") if c is None else code_label(c)),
        tier=shown["tier"].map(lambda c: t("filters.all") if c is None else code_label(c)),
        status=shown["status"].map(risk_status_label),
        treatment=shown["treatment"].map(treatment_label),
        kri_state=shown["kri_state"].map(
            lambda s: t(f"kri.state.{s}") if isinstance(s, str) else "–"
        ),
    )[
        [
            "code",
            "title",
            "category",
            "level",
            "score",
            "appetite",
            "above_appetite",
            "status",
            "owner",
            "region",
            "segment",
            "tier",
            "treatment",
            "next_review_date",
            "review_overdue",
            "overdue_actions",
            "kri_state",
        ]
    ]
    selection = st.dataframe(
        table,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=state.REGISTER_TABLE,
        height=min(38 + 35 * len(table), 600),
        column_config={
            "code": st.column_config.TextColumn(t("register.col.code"), width="small"),
            "title": st.column_config.TextColumn(t("register.col.title"), width="medium"),
            "category": t("chart.category"),
            "level": t("chart.level"),
            "score": st.column_config.ProgressColumn(
                t("register.col.score"), min_value=0, max_value=25, format="%d"
            ),
            "appetite": st.column_config.NumberColumn(t("register.col.appetite"), format="%d"),
            "above_appetite": st.column_config.CheckboxColumn(t("register.flag.above_appetite")),
            "status": t("register.col.status"),
            "owner": t("register.col.owner"),
            "region": t("filters.region"),
            "segment": t("filters.segment"),
            "tier": t("filters.tier"),
            "treatment": t("register.col.treatment"),
            "next_review_date": st.column_config.DateColumn(
                t("register.col.next_review"), format="YYYY-MM-DD"
            ),
            "review_overdue": st.column_config.CheckboxColumn(t("register.flag.review_overdue")),
            "overdue_actions": st.column_config.NumberColumn(t("register.col.overdue_actions")),
            "kri_state": t("register.col.kri"),
        },
    )
    download_table(viewer, table, "risk_register")
    rows = selection.selection.rows if selection else []
    if rows and rows[0] < len(shown):  # a stale selection can point past a filtered table
        st.session_state[state.REGISTER_SELECTED] = int(shown.iloc[rows[0]]["id"])
