"""KRIs and data-quality scores within the viewer's scope, through the pages: risk_east sees
no KRI over all regions or another region (register detail, overview attention list) and no
data-quality score (the check runs count every region's rows); an all-region user still sees
them. Two red KRIs are planted on an all-region risk for the test and removed after."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime

import pytest
import streamlit as st
from sqlalchemy import delete, insert, select
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from data_access.models import KeyRiskIndicator, KriValue, Risk
from tests.app.conftest import as_read, login

WEST_KRI = "Planted West KRI"
ALL_KRI = "Planted all-region KRI"
WITHHELD = "Data-quality scores cover all regions"


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


def test_overview_of_a_scoped_viewer_has_no_all_region_kri_or_dq_score(planted):
    at = _page("risk_east", "app_pages/overview.py")
    text = _text(at)
    assert WEST_KRI not in text and ALL_KRI not in text
    tile = next(m for m in at.metric if m.label == "Data-quality score")
    assert tile.value == "—" and WITHHELD in tile.help
    badges = "\n".join(str(m.value) for m in at.markdown if "-badge[" in str(m.value))
    assert "badge[Data quality]" not in badges  # no source-system score in the list


def test_overview_of_an_all_region_user_keeps_the_dq_score():
    at = _page("risk", "app_pages/overview.py")
    tile = next(m for m in at.metric if m.label == "Data-quality score")
    assert tile.value.endswith("%") and WITHHELD not in tile.help


def test_dq_page_withholds_scores_from_a_scoped_viewer():
    at = _page("risk_east", "app_pages/data_quality.py")
    assert not any(m.label == "Overall score" for m in at.metric)
    assert sum(WITHHELD in i.value for i in at.info) >= 3  # head, scorecard, trend
    rules = at.dataframe[0].value
    assert rules["score"].isna().all() and rules["meets_threshold"].isna().all()
