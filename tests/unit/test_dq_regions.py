"""Data-quality scores per region: a check run stores, per rule and source system, one row
over every region and one per region of the checked rows' customers; the region rows sum to
the all-region row, and each is checked against SQL written here. A region-scoped viewer
reads their region's rows only (latest run, history, KRIs); an all-region viewer the
all-region rows."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import Engine, insert, select, text

from analytics import dq as dq_stats
from data_access import dq_results, kri
from data_access.models import KeyRiskIndicator, KriValue, Risk
from data_access.security import Viewer
from quality.rules import UNLINKED

pytestmark = pytest.mark.db

EAST = Viewer("risk_east", "risk_manager", "East")
WEST = Viewer("risk_west", "risk_manager", "West")
ALL = Viewer("risk", "risk_manager")


def _stored(conn, run_id: int) -> pd.DataFrame:
    return pd.read_sql_query(
        text(
            "select r.code, d.source_system, d.region, d.checked, d.passed from dq_results d"
            " join dq_rules r on r.id = d.rule_id where d.run_id = :run"
        ),
        conn,
        params={"run": run_id},
    )


def _latest(engine: Engine) -> int:
    with engine.connect() as conn:
        return dq_results.latest_run_ids(conn, n=1)[0]


def test_region_rows_sum_to_the_all_region_row(seeded_engine):
    with seeded_engine.connect() as conn:
        stored = _stored(conn, _latest(seeded_engine))
        regions = set(conn.execute(text("select distinct region from customers")).scalars())
    every = stored[stored["region"].isna()].set_index(["code", "source_system"])
    parts = stored[stored["region"].notna()]
    summed = parts.groupby(["code", "source_system"])[["checked", "passed"]].sum()
    assert not every.empty and len(parts) > len(every)
    # Every all-region row is the sum of its region rows, and no region row is left over.
    pd.testing.assert_frame_equal(
        summed.sort_index(), every[["checked", "passed"]].sort_index(), check_dtype=False
    )
    assert set(parts["region"]) <= regions | {UNLINKED}
    assert {"East", "West"} <= set(parts["region"])
    # Every table links to a customer: each rule has rows per region.
    assert set(parts["code"]) == set(every.index.get_level_values("code"))


# Counted here the plain way: (source system, region) → (checked, passed), the row's customer
# giving both (a row without a customer is "unlinked" in both).
_HAND = {
    "INV_AMOUNT_POSITIVE": (
        "select coalesce(c.source_system, 'unlinked'), coalesce(c.region, 'unlinked'),"
        " sum(case when i.amount is not null then 1 else 0 end),"
        " sum(case when i.amount > 0 then 1 else 0 end)"
        " from invoices i left join customers c on c.id = i.customer_id group by 1, 2"
    ),
    "INV_CUSTOMER_EXISTS": (
        "select coalesce(c.source_system, 'unlinked'), coalesce(c.region, 'unlinked'),"
        " sum(case when i.customer_id is not null then 1 else 0 end),"
        " sum(case when c.id is not null then 1 else 0 end)"
        " from invoices i left join customers c on c.id = i.customer_id group by 1, 2"
    ),
    "CUS_CREDIT_SCORE_RANGE": (
        "select source_system, region,"
        " sum(case when credit_score is not null then 1 else 0 end),"
        " sum(case when credit_score between 300 and 850 then 1 else 0 end)"
        " from customers group by 1, 2"
    ),
    # Every source record carries its source system: checked = the records per region.
    "SRC_SOURCE_VALID": (
        "select s.source_system, coalesce(c.region, 'unlinked'), count(*), null"
        " from customer_source_records s left join customers c on c.id = s.customer_id"
        " group by 1, 2"
    ),
}


@pytest.mark.parametrize("code", sorted(_HAND))
def test_region_rows_match_sql_written_here(seeded_engine, code):
    with seeded_engine.connect() as conn:
        stored = _stored(conn, _latest(seeded_engine))
        hand = {
            (s, r): (int(c), None if p is None else int(p))
            for s, r, c, p in conn.execute(text(_HAND[code]))
            if c  # a group no row of which the rule checks is stored with zeros or not at all
        }
    rows = stored[(stored["code"] == code) & stored["region"].notna() & (stored["checked"] > 0)]
    got = {(r.source_system, r.region): (int(r.checked), int(r.passed)) for r in rows.itertuples()}
    assert set(got) == set(hand)
    for key, (checked, passed) in hand.items():
        assert got[key][0] == checked, key
        if passed is not None:
            assert got[key][1] == passed, key


def test_a_scoped_viewer_reads_their_regions_rows_and_never_anothers(seeded_engine):
    with seeded_engine.connect() as conn:
        run_id = _latest(seeded_engine)
        stored = _stored(conn, run_id)
        east = dq_results.scored_results(conn, EAST, run_id)
        west = dq_results.scored_results(conn, WEST, run_id)
        every = dq_results.scored_results(conn, ALL, run_id)
        east_history = dq_results.scored_history(conn, EAST)
        all_history = dq_results.scored_history(conn, ALL)
        runs = dq_results.latest_run_ids(conn, n=12)
        region_of_run = pd.read_sql_query(
            text(
                "select run_id, region, sum(checked) as checked from dq_results"
                " group by run_id, region"
            ),
            conn,
        )
    assert list(east.columns) == dq_results.RESULT_COLUMNS
    for frame, region in ((east, "East"), (west, "West")):
        mine = stored[stored["region"] == region]
        assert len(frame) == len(mine) > 0
        assert frame["checked"].sum() == mine["checked"].sum()
        assert frame["passed"].sum() == mine["passed"].sum()
    everything = stored[stored["region"].isna()]
    assert len(every) == len(everything) and every["checked"].sum() == everything["checked"].sum()
    assert east["checked"].sum() < every["checked"].sum()
    # History: every run's East rows and nothing else.
    east_totals = region_of_run[region_of_run["region"] == "East"].set_index("run_id")["checked"]
    got = east_history.groupby("run_id")["checked"].sum()
    assert set(got.index) <= set(runs)
    assert got.to_dict() == {r: east_totals[r] for r in got.index}
    all_totals = region_of_run[region_of_run["region"].isna()].set_index("run_id")["checked"]
    assert all_history.groupby("run_id")["checked"].sum().to_dict() == {
        r: all_totals[r] for r in runs if r in all_totals.index
    }


def test_a_run_without_region_rows_shows_a_scoped_viewer_nothing(seeded_engine):
    """A run stored before runs counted per region (region NULL rows only) is an all-region
    run: a scoped viewer reads nothing from it."""
    with seeded_engine.connect() as conn:
        trans = conn.begin()
        try:
            run_id = _latest(seeded_engine)
            conn.execute(
                text("delete from dq_results where run_id = :r and region is not null"),
                {"r": run_id},
            )
            east = dq_results.scored_results(conn, EAST, run_id)
            every = dq_results.scored_results(conn, ALL, run_id)
        finally:
            trans.rollback()
    assert east.empty and not every.empty


def _dq_kri(conn, region: str | None) -> object:
    risk_id = conn.execute(select(Risk.id).order_by(Risk.id).limit(1)).scalar_one()
    kri_id = conn.execute(
        insert(KeyRiskIndicator)
        .values(
            risk_id=risk_id,
            name=f"DQ customers {region} (test)",
            metric="dq_score",
            scope_region=region,
            metric_param="customers",
            direction="lower_bad",
            amber_threshold=0.95,
            red_threshold=0.9,
        )
        .returning(KeyRiskIndicator.id)
    ).scalar_one()
    conn.execute(
        insert(KriValue).values(
            kri_id=kri_id,
            period_month=date(2099, 1, 1),
            value=0.5,
            n=10,
            state="red",
            computed_at=datetime(2026, 11, 2),
        )
    )
    return conn.execute(select(KeyRiskIndicator).where(KeyRiskIndicator.id == kri_id)).one()


def test_a_dq_kri_of_a_region_scores_that_regions_rows(seeded_engine):
    with seeded_engine.connect() as conn:
        trans = conn.begin()
        try:
            east_kri, all_kri = _dq_kri(conn, "East"), _dq_kri(conn, None)
            east_value, east_n = kri.metric_value(conn, east_kri, date(2026, 10, 1), 30)
            all_value, _ = kri.metric_value(conn, all_kri, date(2026, 10, 1), 30)
            stored = _stored(conn, _latest(seeded_engine))
            results = dq_results.run_results(conn, _latest(seeded_engine), "East")
            seen_by_east = set(kri.latest_kri_states(conn, EAST)["kri_id"])
        finally:
            trans.rollback()
    # The score of East's customer rows, rolled up by analytics.dq from the East rows.
    east_customers = results[results["table_name"] == "customers"]
    assert east_value == pytest.approx(dq_stats.overall_score(east_customers))
    assert east_n == int((east_customers.groupby("rule_id")["checked"].sum() > 0).sum())
    assert east_value != pytest.approx(all_value)
    assert stored[(stored["region"] == "East")]["checked"].sum() > 0
    # The East viewer sees the East dq KRI, never the all-region one.
    assert east_kri.id in seen_by_east and all_kri.id not in seen_by_east
