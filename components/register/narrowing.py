"""Register tab: the controls that narrow the table, and applying them with the matrix cell."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analytics.risk import LEVELS
from components import state
from components.i18n import t
from data_access.codes import RISK_CATEGORIES, RISK_STATUSES


@dataclass(frozen=True)
class Narrowing:
    """What the table controls were set to."""

    include_closed: bool
    categories: list[str]
    levels: list[str]
    statuses: list[str]
    flags: list[str] | None


def narrowing_controls() -> Narrowing:
    """Closed risks on or off, and category, level, status and flag choices."""
    include_closed = st.toggle(
        t("register.include_closed"), key=state.REGISTER_CLOSED, bind="query-params"
    )
    categories = st.multiselect(
        t("chart.category"),
        list(RISK_CATEGORIES),
        key=state.REGISTER_CATEGORIES,
        bind="query-params",
        format_func=lambda c: f"{c} · {t('category.' + c)}",
        placeholder=t("filters.all"),
    )
    levels = st.multiselect(
        t("chart.level"),
        LEVELS,
        format_func=lambda lvl: t(f"level.{lvl}"),
        key=state.REGISTER_LEVELS,
        bind="query-params",
        placeholder=t("filters.all"),
    )
    statuses = st.multiselect(
        t("register.col.status"),
        RISK_STATUSES,
        key=state.REGISTER_STATUSES,
        bind="query-params",
        placeholder=t("filters.all"),
    )
    flags = st.pills(
        t("register.flags"),
        ("above_appetite", "review_overdue", "kri_red"),
        format_func=lambda f: t(f"register.flag.{f}"),
        selection_mode="multi",
        key=state.REGISTER_FLAGS,
        bind="query-params",
    )
    return Narrowing(include_closed, categories, levels, statuses, flags)


def narrowed(view: pd.DataFrame, kind: str, cell: tuple | None, chosen: Narrowing) -> pd.DataFrame:
    """The rows of `view` in the clicked matrix `cell` of `kind` scores (saying so) and
    matching the `chosen` controls."""
    shown = view
    if cell:
        lik, imp = cell
        shown = shown[
            (shown[f"{kind}_likelihood" if kind != "current" else "likelihood"] == lik)
            & (shown[f"{kind}_impact" if kind != "current" else "impact"] == imp)
        ]
        st.info(t("register.cell_filter", kind=t(f"register.kind.{kind}"), l=lik, i=imp))
    if chosen.categories:
        shown = shown[shown["category"].isin(chosen.categories)]
    if chosen.levels:
        shown = shown[shown["level"].isin(chosen.levels)]
    if chosen.statuses:
        shown = shown[shown["status"].isin(chosen.statuses)]
    for flag in chosen.flags or ():
        shown = shown[shown["kri_state"] == "red"] if flag == "kri_red" else shown[shown[flag]]
    return shown
