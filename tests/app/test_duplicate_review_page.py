"""Issue 15 through AppTest: a data steward searches the demo customers for duplicates on the
data-quality page, opens a candidate pair side by side with each field's weight, confirms
it (the two customers become one, their invoices move to the survivor), sees the merge in
the history and undoes it; a risk manager sees the queue without the buttons; an executive
sees none of it. Runs on a demo database of its own, so the shared one keeps its customers."""

from datetime import date

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from components import state
from data_access import linkage_store
from data_access.db import make_engine
from data_access.models import Customer, DqResult, DqRule, DqRun, Invoice
from data_access.schema import upgrade_schema
from data_access.security import Viewer
from demo.seed import finish_seed, seed_demo
from tests.app.conftest import app_on, login

PAGE = "app_pages/data_quality.py"
SEARCH_TIMEOUT = 180
STEWARD = Viewer("analyst", "analyst")


@pytest.fixture(scope="module")
def own_database(tmp_path_factory: pytest.TempPathFactory):
    url = f"sqlite:///{tmp_path_factory.mktemp('linkage') / 'linkage.db'}"
    engine = make_engine(url)
    upgrade_schema(engine)
    seed_demo(engine, customers=1500, months=12, seed=5, as_of=date(2026, 11, 1))
    finish_seed(engine, as_of=date(2026, 11, 1))
    with app_on(url):
        yield engine
    engine.dispose()


def _open(username: str) -> AppTest:
    at = login(username)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        customers = conn.execute(select(func.count()).select_from(Customer)).scalar_one()
        invoices = conn.execute(select(func.count()).select_from(Invoice)).scalar_one()
    return customers, invoices


def _tile(at: AppTest, label: str) -> int:
    return int(next(m for m in at.metric if m.label == label).value.replace(",", ""))


def _uniqueness_failures(engine) -> int:
    with engine.connect() as conn:
        run_id = conn.execute(select(func.max(DqRun.id))).scalar_one()
        checked, passed = conn.execute(
            select(func.sum(DqResult.checked), func.sum(DqResult.passed))
            .join(DqRule, DqRule.id == DqResult.rule_id)
            .where(
                DqResult.run_id == run_id,
                DqRule.code == "CUS_NOT_DUPLICATE",
                DqResult.region.is_(None),  # the all-region rows (regions are their parts)
            )
        ).one()
    return int(checked - passed)


def test_a_steward_searches_reviews_merges_and_undoes(own_database):
    at = _open("analyst")
    assert any("No duplicate search has run yet" in i.value for i in at.info)
    _button(at, "Search now").click().run(timeout=SEARCH_TIMEOUT)
    assert not at.exception, at.exception
    assert any("Duplicate search #" in s.value for s in at.success)
    pairs = next(f.value for f in at.dataframe if "left_external_id" in f.value.columns)
    assert len(pairs) > 0
    # The planted near-duplicates (ERP-D…) are among the most likely pairs.
    top = pairs.head(5)
    planted = top["left_external_id"].str.startswith("ERP-D") | top[
        "right_external_id"
    ].str.startswith("ERP-D")
    assert planted.any(), top
    assert (pairs["probability"].diff().dropna() <= 1e-12).all()  # most likely first
    # The search's groups count as duplicates now: on the tile, in the uniqueness score of
    # the check run the search started, and in the silos tab's matrix by source system.
    duplicates = _tile(at, "Duplicate records now")
    assert duplicates > 0
    assert _uniqueness_failures(own_database) == duplicates
    assert len(at.get("plotly_chart")) == 6  # the scorecard's five and duplicates by system

    at.session_state[f"{state.LINK_TABLE}_open_0"] = {
        "selection": {"rows": [0], "columns": [], "cells": []}
    }
    at.run()
    fields = next(f.value for f in at.dataframe if "level" in f.value.columns)
    assert {"Name", "E-mail"} & set(fields["field"])
    assert any("match weight" in m.value for m in at.markdown)
    before = _counts(own_database)
    _button(at, "Same customer — merge").click().run()
    assert not at.exception, at.exception
    assert any("Merged" in s.value for s in at.success)
    merged = _counts(own_database)
    assert merged == (before[0] - 1, before[1])  # one customer fewer, no invoice lost
    assert _tile(at, "Duplicate records now") == duplicates - 1

    history = next(f.value for f in at.dataframe if "merged_external_id" in f.value.columns)
    assert len(history) == 1 and history["undone_at"].isna().all()
    _button(at, "Undo merge").click().run()
    assert not at.exception, at.exception
    assert any("undone" in s.value for s in at.success)
    assert _counts(own_database) == before


def test_a_risk_manager_reviews_nothing_and_an_executive_sees_no_records(own_database):
    with own_database.connect() as conn:
        searched = linkage_store.latest_run(conn, STEWARD) is not None
    if not searched:  # this test alone
        linkage_store.run_linkage(own_database, STEWARD)
    at = _open("risk")
    assert not any(b.label in ("Search now", "Same customer — merge") for b in at.button)
    assert any("left_external_id" in f.value.columns for f in at.dataframe)
    at = _open("exec")
    assert not any("left_external_id" in f.value.columns for f in at.dataframe)
