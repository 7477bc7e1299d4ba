"""The churn page's KPI tiles: logo churn, GRR, NRR, DSO and the amount overdue."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.churn.labels import days, money, money_short
from components.data.churn import ChurnTrend, CreditExposure
from components.i18n import t
from components.tiles import pct, rate_tile


def kpi_tiles(trend: ChurnTrend, credit: CreditExposure) -> None:
    """Five tiles; churn against the previous period, the rest as of the latest month."""
    last = trend.monthly.iloc[-1]
    tiles = st.columns(5)
    with tiles[0]:
        ci = (
            "–"
            if trend.period.low is None
            else f"{pct(trend.period.low)} – {pct(trend.period.high)}"
        )
        rate_tile(
            t("churn.tile.churn"),
            trend.period,
            trend.previous,
            t("churn.tile.churn.help", ci=ci, n=f"{trend.period.n:,}"),
        )
    tiles[1].metric(
        t("churn.tile.grr"),
        "–" if pd.isna(last["grr"]) else pct(last["grr"]),
        help=t("churn.tile.grr.help"),
        border=True,
    )
    tiles[2].metric(
        t("churn.tile.nrr"),
        "–" if pd.isna(last["nrr"]) else pct(last["nrr"]),
        help=t("churn.tile.nrr.help"),
        border=True,
    )
    tiles[3].metric(
        t("churn.tile.dso"),
        days(credit.dso),
        help=t("churn.tile.dso.help"),
        border=True,
    )
    overdue = float(credit.aging.loc[credit.aging["bucket"] != "1-30", "amount"].sum())
    tiles[4].metric(
        t("churn.tile.overdue"),
        money_short(overdue),
        help=t("churn.tile.overdue.help") + " " + t("churn.exact", amount=money(overdue)),
        border=True,
    )
