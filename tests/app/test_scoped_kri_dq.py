"""KRIs and data-quality scores within the viewer's scope, through the pages: risk_east sees
no KRI over all regions or another region (register detail, overview attention list) and
data-quality scores of East's rows only (the check runs store counts per region); an
all-region user sees every KRI and the all-region scores.
 Two red KRIs are planted on an all-region risk for the test and removed after."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import delete, insert, select, text
from streamlit.testing.v1 import AppTest

from analytics.dq import overall_score
from data_access.db import make_engine
from data_access.models import KeyRiskIndicator, KriValue, Risk
from tests.app.conftest import as_read, login

WEST_KRI = "Planted West KRI"
ALL_KRI = "Planted all-region KRI"


@pytest.fixture
def planted() -> Iterator[str]:
    """Red West and all-region KRIs on the first open all-region risk; yields its code."""
    engine = make_engine(os.environ["DATABASE_URL"])
    ids: list[int] = []
    try:
        with engine.begin() as conn:
            risk_id, code = conn.execute(
                select(Risk.id, Risk.code)
                .where(Risk.region.is_(None), Risk.status != "Closed")
                .order_by(Risk.id)
                .limit(1)
            ).one()
            for name, region in ((WEST_KRI, "West"), (ALL_KRI, None)):
                kri_id = conn.execute(
                    insert(KeyRiskIndicator)
                    .values(
                        risk_id=risk_id,
                        name=name,
                        metric="nps",
                        scope_region=region,
                        direction="lower_bad",
                        amber_threshold=20.0,
                        red_threshold=5.0,
                    )
                    .returning(KeyRiskIndicator.id)
                ).scalar_one()
                ids.append(kri_id)
                conn.execute(
                    insert(KriValue).values(
                        kri_id=kri_id,
                        period_month=date(2026, 10, 1),
                        value=-60.0,
                        n=400,
                        state="red",
                        computed_at=datetime(2026, 11, 2),
                    )
                )
        st.cache_data.clear()
        yield code
    finally:
        with engine.begin() as conn:
            conn.execute(delete(KriValue).where(KriValue.kri_id.in_(ids)))
            conn.execute(delete(KeyRiskIndicator).where(KeyRiskIndicator.id.in_(ids)))
        engine.dispose()
        st.cache_data.clear()


def _page(username: str, page: str) -> AppTest:
    at = login(username)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [i.value for i in at.info] + [s.value for s in at.subheader]
    return as_read("\n".join(str(p) for p in parts))


def _risk_detail(username: str, code: str) -> AppTest:
    at = _page(username, "app_pages/register.py")
    row = list(at.dataframe[0].value["code"]).index(code)
    at.session_state["register_selected_risk"] = None
    at.session_state["register_table"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    return at


def test_register_detail_shows_only_the_viewers_region_kris(planted):
    east = _text(_risk_detail("risk_east", planted))
    assert planted in east
    assert WEST_KRI not in east and ALL_KRI not in east
    assert "Only KRIs computed within your region" in east
    every = _text(_risk_detail("risk", planted))
    assert WEST_KRI in every and ALL_KRI in every


def test_register_worst_kri_state_of_a_scoped_viewer_ignores_other_regions(planted):
    """The planted KRIs are red; for risk_east the risk's worst state comes from its own
    region's KRIs only (none here: the demo's all-region risk has no East KRI)."""
    east = _page("risk_east", "app_pages/register.py").dataframe[0].value
    every = _page("risk", "app_pages/register.py").dataframe[0].value
    red = "red"  # the state's English label
    assert every.set_index("code").loc[planted, "kri_state"].lower() == red
    assert east.set_index("code").loc[planted, "kri_state"].lower() != red


def _region_rows(region: str | None) -> pd.DataFrame:
    """The overall score of the newest run's rows of `region` (None: the all-region rows),
    read here by SQL and rolled up by analytics.dq, as the tile shows it."""
    where = "d.region is null" if region is None else "d.region = :region"
    engine = make_engine(os.environ["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            frame = pd.read_sql_query(
                text(
                    "select d.rule_id, r.code, r.table_name, r.column_name, r.dimension,"
                    " r.rule_type, r.weight, r.threshold, d.source_system, d.checked, d.passed"
                    " from dq_results d join dq_rules r on r.id = d.rule_id"
                    " where d.run_id = (select max(id) from dq_runs where finished_at is not null)"
                    f" and {where}"
                ),
                conn,
                params={"region": region},
            )
    finally:
        engine.dispose()
    return frame


def _region_score(region: str | None) -> float:
    return overall_score(_region_rows(region))


def test_overview_of_a_scoped_viewer_shows_their_regions_dq_score(planted):
    at = _page("risk_east", "app_pages/overview.py")
    text_ = _text(at)
    assert WEST_KRI not in text_ and ALL_KRI not in text_
    tile = next(m for m in at.metric if m.label == "Data-quality score")
    east, every = _region_score("East"), _region_score(None)
    assert east != every  # the test can tell the two apart
    assert tile.value == f"{east:.1%}" and "no scores for your region" not in tile.help


def test_overview_of_an_all_region_user_keeps_the_dq_score():
    at = _page("risk", "app_pages/overview.py")
    tile = next(m for m in at.metric if m.label == "Data-quality score")
    assert tile.value == f"{_region_score(None):.1%}"


def test_dq_page_shows_a_scoped_viewer_their_regions_scores():
    at = _page("risk_east", "app_pages/data_quality.py")
    overall = next(m for m in at.metric if m.label == "Overall score")
    assert overall.value == f"{_region_score('East'):.1%}"
    assert not any("has no data-quality scores" in i.value for i in at.info)
    # The rule list counts East's rows: each rule's checked rows are East's, not everyone's.
    east, every = _region_rows("East"), _region_rows(None)
    rules = at.dataframe[0].value.set_index("code")

    def failed(rows: pd.DataFrame) -> pd.Series:
        return (rows["checked"] - rows["passed"]).groupby(rows["code"]).sum()

    shown = rules.loc[failed(east).index, "failed"].astype(int)
    assert shown.to_dict() == failed(east).astype(int).to_dict()
    assert failed(east).sum() < failed(every).sum()
    page = _page("risk", "app_pages/data_quality.py")
    assert next(m for m in page.metric if m.label == "Overall score").value == (
        f"{_region_score(None):.1%}"
    )
