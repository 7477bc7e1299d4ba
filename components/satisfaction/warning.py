"""The satisfaction page's early-warning tab: segments whose latest month fell significantly
below their baseline; picking a row focuses the page on that segment."""

from __future__ import annotations

import streamlit as st

from components import state
from components.data.satisfaction import SatisfactionModel
from components.data.shared import readable_code_lists
from components.focus import set_focus
from components.i18n import t
from components.satisfaction.labels import segment_labels
from data_access.satisfaction import Focus


def early_warning(model: SatisfactionModel, focus: Focus | None) -> None:
    """The flagged segments (selectable), then every test in an expander."""
    warnings = model.warnings
    flagged = warnings[warnings["flagged"]]
    st.caption(t("sat.warning_method", tests=len(warnings), n=model.min_n))
    if flagged.empty:
        st.success(t("sat.warning_none"))
    else:
        shown = flagged.assign(
            segment=segment_labels(flagged),
            measure=flagged["metric"].map(lambda m: t(f"sat.metric.{m}")),
            pattern=flagged["localised"].map(lambda x: t("sat.localised") if x else t("sat.broad")),
        )
        selection = st.dataframe(
            shown[
                [
                    "segment",
                    "measure",
                    "baseline",
                    "latest",
                    "change",
                    "n_latest",
                    "z",
                    "p_adjusted",
                    "pattern",
                    "customers",
                ]
            ],
            hide_index=True,
            key=state.SAT_WARNING_TABLE,
            on_select="rerun",
            selection_mode="single-row",
            column_config={
                "segment": t("sat.segment"),
                "measure": t("sat.measure"),
                "baseline": st.column_config.NumberColumn(t("sat.baseline"), format="%.1f"),
                "latest": st.column_config.NumberColumn(t("sat.latest"), format="%.1f"),
                "change": st.column_config.NumberColumn(t("sat.change"), format="%+.1f"),
                "n_latest": st.column_config.NumberColumn(t("sat.responses"), format="localized"),
                "z": st.column_config.NumberColumn("z", format="%.2f"),
                "p_adjusted": st.column_config.NumberColumn(t("sat.p_adjusted"), format="%.2g"),
                "pattern": st.column_config.TextColumn(
                    t("sat.pattern"), help=t("sat.pattern.help")
                ),
                "customers": st.column_config.NumberColumn(
                    t("sat.customers_affected"), format="localized"
                ),
            },
        )
        st.caption(t("sat.warning_hint"))
        rows = selection.selection.rows if selection else []
        if rows and rows[0] < len(flagged):
            pick = flagged.iloc[rows[0]]
            chosen = Focus.from_param(f"{pick['dimension']}:{pick['value']}", readable_code_lists())
            if chosen is not None and chosen != focus:
                set_focus(chosen)
    with st.expander(t("sat.warning_all", n=len(warnings))):
        st.dataframe(
            warnings.assign(segment=segment_labels(warnings))[
                [
                    "segment",
                    "metric",
                    "baseline",
                    "latest",
                    "change",
                    "z",
                    "p",
                    "p_adjusted",
                    "flagged",
                ]
            ],
            hide_index=True,
            column_config={
                "segment": t("sat.segment"),
                "metric": t("sat.measure"),
                "baseline": st.column_config.NumberColumn(t("sat.baseline"), format="%.1f"),
                "latest": st.column_config.NumberColumn(t("sat.latest"), format="%.1f"),
                "change": st.column_config.NumberColumn(t("sat.change"), format="%+.1f"),
                "z": st.column_config.NumberColumn("z", format="%.2f"),
                "p": st.column_config.NumberColumn("p", format="%.2g"),
                "p_adjusted": st.column_config.NumberColumn(t("sat.p_adjusted"), format="%.2g"),
                "flagged": st.column_config.CheckboxColumn(t("sat.flagged")),
            },
        )
