"""The satisfaction page's KPI tiles: NPS, CSAT, CES, complaints per 1,000 and SLA breaches."""

from __future__ import annotations

import streamlit as st

from analytics.kpi import proportion
from components.data.satisfaction import SatisfactionModel
from components.i18n import t
from components.satisfaction.labels import interval, metric_key
from components.tiles import rate_tile, score_tile


def _previous_value(model: SatisfactionModel, metric: str) -> float | None:
    return model.previous[metric] if model.previous[f"{metric}_ok"] else None


def kpi_tiles(model: SatisfactionModel) -> None:
    """Five tiles, each against the previous period."""
    now = model.period
    complaints_now = model.complaints
    complaints_before = model.complaints_before
    n_complaints = int(complaints_now["complaints"].sum())
    breach_now = proportion(int(complaints_now["resolution_breached"].sum()), n_complaints)
    breach_before = proportion(
        int(complaints_before["resolution_breached"].sum()),
        int(complaints_before["complaints"].sum()),
    )
    previous_csat = _previous_value(model, "csat")
    csat = metric_key("csat", model.csat_source)  # the tile names its source
    tiles = st.columns(5)
    with tiles[0]:
        score_tile(
            t("kpi.nps"),
            now["nps"] if now["nps_ok"] else None,
            _previous_value(model, "nps"),
            t("sat.nps.help", ci=interval(now, "nps"), n=f"{now['n_nps']:,}"),
        )
    with tiles[1]:
        score_tile(
            t(f"sat.{csat}"),
            now["csat"] / 100 if now["csat_ok"] else None,
            previous_csat / 100 if previous_csat is not None else None,
            t(f"sat.{csat}.help", ci=interval(now, "csat"), n=f"{now['n_csat']:,}"),
            as_percent=True,
        )
    with tiles[2]:
        score_tile(
            t("sat.tile.ces"),
            now["ces"] if now["ces_ok"] else None,
            _previous_value(model, "ces"),
            t("sat.ces.help", ci=interval(now, "ces"), n=f"{now['n_ces']:,}"),
            up_is_good=False,
        )
    with tiles[3]:
        n_before = int(complaints_before["complaints"].sum())
        score_tile(
            t("sat.tile.per_1000"),
            1000 * n_complaints / model.customers if model.customers else None,
            1000 * n_before / model.customers_before if model.customers_before else None,
            t("sat.complaints_per_1000.help", n=f"{n_complaints:,}", c=f"{model.customers:,}"),
            up_is_good=False,
        )
    with tiles[4]:
        rate_tile(
            t("sat.tile.sla"),
            breach_now,
            breach_before,
            t("sat.sla.help", n=f"{n_complaints:,}"),
        )
