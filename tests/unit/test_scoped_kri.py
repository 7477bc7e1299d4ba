"""KRI values and data-quality scores within the viewer's scope: a region-scoped viewer never
gets a KRI or a score computed over other regions (all-region or other-region KRIs,
data-quality scores over other regions' rows); a viewer with all-region access gets everything.
Checked against SQL written here."""

from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import insert, select, text

from analytics import attention
from analytics.kri import worst
from data_access import dq_results, kri
from data_access.models import KeyRiskIndicator, KriValue, Risk
from data_access.security import Viewer

pytestmark = pytest.mark.db

EAST = Viewer("risk_east", "risk_manager", "East")
ALL = Viewer("risk", "risk_manager")
OCT = date(2026, 10, 1)


def _east_kri_ids(conn) -> set[int]:
    sql = "select id from kris where scope_region = 'East'"
    return {int(i) for i in conn.execute(text(sql)).scalars()}


def _add_kri(conn, name: str, region: str | None, metric: str = "nps") -> int:
    """A KRI on the first risk with one red value for October (inside the caller's
    transaction, which the test rolls back)."""
    risk_id = conn.execute(select(Risk.id).order_by(Risk.id).limit(1)).scalar_one()
    kri_id = conn.execute(
        insert(KeyRiskIndicator)
        .values(
            risk_id=risk_id,
            name=name,
            metric=metric,
            scope_region=region,
            metric_param="customers" if metric == "dq_score" else None,
            direction="lower_bad",
            amber_threshold=20.0,
            red_threshold=5.0,
        )
        .returning(KeyRiskIndicator.id)
    ).scalar_one()
    conn.execute(
        insert(KriValue).values(
            kri_id=kri_id,
            period_month=date(2099, 1, 1),  # newest month, so it is the KRI's latest state
            value=-50.0,
            n=500,
            state="red",
            computed_at=datetime(2026, 11, 2),
        )
    )
    return kri_id


def test_scoped_viewer_gets_only_kris_of_their_region(seeded_engine):
    with seeded_engine.connect() as conn:
        trans = conn.begin()
        try:
            west = _add_kri(conn, "NPS West (test)", "West")
            everywhere = _add_kri(conn, "NPS all regions (test)", None)
            east_dq = _add_kri(conn, "DQ East (test)", "East", "dq_score")
            expected = _east_kri_ids(conn)
            east = kri.latest_kri_states(conn, EAST)
            every = kri.latest_kri_states(conn, ALL)
            east_worst = kri.worst_state_per_risk(conn, EAST)
            hidden = [kri.kri_history(conn, EAST, k) for k in (west, everywhere)]
            shown = {k: kri.kri_history(conn, EAST, k) for k in expected}
            all_history = kri.kri_history(conn, ALL, west)
            # Each risk's worst state among its East KRIs, straight from the table.
            hand = pd.read_sql_query(
                text(
                    "select k.risk_id, v.state from kri_values v join kris k on k.id = v.kri_id"
                    " where k.scope_region = 'East'"
                    " and v.period_month = (select max(period_month) from kri_values w"
                    " where w.kri_id = v.kri_id)"
                ),
                conn,
            )
            total = conn.execute(text("select count(*) from kris")).scalar_one()
        finally:
            trans.rollback()
    assert expected, "the demo has an East KRI"
    assert set(east["kri_id"]) == expected
    assert set(east["scope_region"]) == {"East"}
    assert not {west, everywhere} & set(east["kri_id"]) and east_dq in set(east["kri_id"])
    assert all(h.empty for h in hidden)
    assert all(not h.empty for h in shown.values())
    # All-region access still sees every KRI and its history.
    assert len(every) == total and {west, everywhere, east_dq} <= set(every["kri_id"])
    assert not all_history.empty
    assert east_worst == {int(r): worst(list(g["state"])) for r, g in hand.groupby("risk_id")}


def test_attention_kri_items_of_a_scoped_viewer_rest_on_their_region(seeded_engine):
    """A red KRI over all regions on a risk the East viewer sees raises no item for them."""
    with seeded_engine.connect() as conn:
        trans = conn.begin()
        try:
            _add_kri(conn, "NPS all regions (test)", None)
            _add_kri(conn, "NPS West (test)", "West")
            risks = pd.read_sql_query(text("select id, code, title from risks"), conn)
            east_items = attention.kri_items(kri.latest_kri_states(conn, EAST), risks)
            all_items = attention.kri_items(kri.latest_kri_states(conn, ALL), risks)
            east_names = set(
                conn.execute(text("select name from kris where scope_region = 'East'")).scalars()
            )
        finally:
            trans.rollback()
    assert {i.args["kri"] for i in east_items} <= east_names
    assert {"NPS all regions (test)", "NPS West (test)"} <= {i.args["kri"] for i in all_items}


def test_dq_scores_of_a_scoped_viewer_count_their_region_only(seeded_engine):
    """A scoped viewer's scores are read from their region's rows of the run (the region
    rows; see tests/unit/test_dq_regions.py for their counts), never the all-region ones."""
    with seeded_engine.connect() as conn:
        run_id = dq_results.latest_run_ids(conn, n=1)[0]
        east = dq_results.scored_results(conn, EAST, run_id)
        east_history = dq_results.scored_history(conn, EAST)
        every = dq_results.scored_results(conn, ALL, run_id)
        every_history = dq_results.scored_history(conn, ALL)

        def stored(where: str) -> tuple[int, int]:
            sql = f"select count(*), sum(checked) from dq_results where run_id = :r and {where}"
            return tuple(conn.execute(text(sql), {"r": run_id}).one())

        east_rows, all_rows = stored("region = 'East'"), stored("region is null")
    assert list(east.columns) == dq_results.RESULT_COLUMNS
    assert (len(east), int(east["checked"].sum())) == east_rows
    assert (len(every), int(every["checked"].sum())) == all_rows
    assert 0 < east_rows[1] < all_rows[1]
    assert not east_history.empty and not every_history.empty
    assert east_history["checked"].sum() < every_history["checked"].sum()


def test_dq_kris_of_a_scoped_viewer_are_their_regions_only(seeded_engine):
    """A data-quality KRI scoped to the viewer's region is shown (its value counts that
    region's rows); an all-region or other-region one is not."""
    with seeded_engine.connect() as conn:
        trans = conn.begin()
        try:
            dq = _add_kri(conn, "DQ customers East (test)", "East", "dq_score")
            dq_all = _add_kri(conn, "DQ customers (test)", None, "dq_score")
            dq_west = _add_kri(conn, "DQ customers West (test)", "West", "dq_score")
            east = kri.latest_kri_states(conn, EAST)
            every = kri.latest_kri_states(conn, ALL)
        finally:
            trans.rollback()
    assert dq in set(east["kri_id"]) and {dq_all, dq_west}.isdisjoint(set(east["kri_id"]))
    assert {dq, dq_all, dq_west} <= set(every["kri_id"])
    assert set(east["scope_region"]) == {"East"}
