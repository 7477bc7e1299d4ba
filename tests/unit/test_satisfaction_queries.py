"""Survey and complaint aggregates in SQL, checked against independent pandas/numpy
computations on the raw rows of a small seeded database; region scope, focus, masking and
the early warning on the planted East drop."""

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from analytics.satisfaction import early_warnings
from data_access import complaints, satisfaction
from data_access.code_lists import code_lists
from data_access.codes import SEVERITIES
from data_access.filters import Filters
from data_access.satisfaction import Focus
from data_access.security import Viewer

pytestmark = pytest.mark.db

ALL = Viewer("risk", "risk_manager")
EAST = Viewer("risk_east", "risk_manager", "East")
ANALYST = Viewer("analyst", "analyst")
PERIOD = Filters(end_month=date(2026, 10, 1), months=3)
AT = datetime(2026, 11, 1)


@pytest.fixture(scope="module")
def raw(larger_seeded_engine):
    with larger_seeded_engine.connect() as conn:
        customers = pd.read_sql_query(
            "select id, region, segment, tier, channel, lifecycle_stage from customers", conn
        )
        surveys = pd.read_sql_query(
            "select customer_id, responded_on, touchpoint, nps, csat, ces, comment"
            " from survey_responses",
            conn,
        )
        comp = pd.read_sql_query(
            "select customer_id, category, severity, opened_at, first_response_at,"
            " first_response_due_at, resolved_at, resolution_due_at, escalated from complaints",
            conn,
        )
    surveys["responded_on"] = pd.to_datetime(surveys["responded_on"])
    for col in ("opened_at", "first_response_at", "first_response_due_at", "resolved_at"):
        comp[col] = pd.to_datetime(comp[col])
    comp["resolution_due_at"] = pd.to_datetime(comp["resolution_due_at"])
    customers = customers.rename(columns={"id": "customer_id"})
    return {
        "surveys": surveys.merge(customers, on="customer_id"),
        "complaints": comp.merge(customers, on="customer_id"),
    }


def _scoped(frame: pd.DataFrame, viewer: Viewer, focus: Focus | None = None) -> pd.DataFrame:
    if viewer.region_scope:
        frame = frame[frame.region == viewer.region_scope]
    if focus is not None:
        frame = frame[frame[focus.dimension] == focus.value]
    return frame


def _in_period(s: pd.DataFrame) -> pd.DataFrame:
    return s[(s.responded_on >= "2026-08-01") & (s.responded_on < "2026-11-01")]


@pytest.mark.parametrize(
    ("viewer", "focus"),
    [
        (ALL, None),
        (EAST, None),
        (ALL, Focus("segment", "SMB")),
        (EAST, Focus("touchpoint", "support")),
    ],
)
def test_survey_by_month_matches_pandas(larger_seeded_engine, raw, viewer, focus):
    s = _in_period(_scoped(raw["surveys"], viewer, focus))
    with larger_seeded_engine.connect() as conn:
        got = satisfaction.survey_by_month(conn, viewer, PERIOD, focus)
    assert list(got["month"]) == PERIOD.month_starts
    for row in got.itertuples():
        m = s[s.responded_on.dt.to_period("M") == pd.Period(row.month, "M")]
        assert row.n_nps == m.nps.notna().sum()
        assert row.promoters == (m.nps >= 9).sum()
        assert row.detractors == (m.nps <= 6).sum()
        assert row.n_csat == m.csat.notna().sum()
        assert row.csat_top2 == (m.csat >= 4).sum()
        assert row.n_ces == m.ces.notna().sum()
        assert row.ces_sum == m.ces.sum()
        assert row.ces_sumsq == (m.ces**2).sum()
    assert got["n_nps"].sum() > 0


@pytest.mark.parametrize("by", list(satisfaction.DIMENSION_CODES))
def test_breakdown_matches_pandas_and_lists_every_code(larger_seeded_engine, raw, by):
    s = _in_period(_scoped(raw["surveys"], EAST))
    with larger_seeded_engine.connect() as conn:
        got = satisfaction.survey_breakdown(conn, EAST, PERIOD, by).set_index("value")
        listed = code_lists(conn)[satisfaction.DIMENSION_CODES[by]]
    assert list(got.index) == list(listed)  # the organisation's list, in its order
    expected = s.groupby(by).nps.count().reindex(got.index, fill_value=0)
    assert (got["n_nps"] == expected).all()


def test_windows_split_latest_and_baseline(larger_seeded_engine, raw):
    s = raw["surveys"]
    with larger_seeded_engine.connect() as conn:
        got = satisfaction.survey_windows(conn, ALL, PERIOD, "region", baseline_months=12)
    got = got.set_index(["value", "window"])
    base = s[(s.responded_on >= "2025-08-01") & (s.responded_on < "2026-08-01")]
    latest = _in_period(s)
    for region in ("East", "North"):
        assert got.loc[(region, "baseline"), "n_nps"] == base[base.region == region].nps.count()
        assert got.loc[(region, "latest"), "n_nps"] == latest[latest.region == region].nps.count()


@pytest.mark.parametrize("months", [1, 3])
def test_early_warning_finds_the_planted_east_drop(larger_seeded_engine, months):
    period = Filters(end_month=date(2026, 10, 1), months=months)
    with larger_seeded_engine.connect() as conn:
        windows = satisfaction.survey_windows(conn, ALL, period, "region", 12).assign(
            dimension="region"
        )
        customers = satisfaction.active_customers(conn, ALL, period, "region").assign(
            dimension="region"
        )
    out = early_warnings(windows, customers, min_n=30)
    flagged = out[out.flagged]
    assert ("East", "nps") in set(zip(flagged.value, flagged.metric, strict=True))
    assert set(flagged.value) == {"East"}  # the other regions did not move
    assert flagged.iloc[0]["customers"] > 1000  # ranked by, and showing, customers affected


def test_focus_parameter_round_trip_and_rejects_junk():
    focus = Focus("region", "East")
    lists = {"region": ("North", "East")}
    assert Focus.from_param(focus.to_param(), lists) == focus
    for junk in ("region:Atlantis", "name:East", "region", "", None, "region:East' OR 1=1 --"):
        assert Focus.from_param(junk, lists) is None
    with pytest.raises(ValueError):
        satisfaction.dimension_column("name; drop table customers")


def test_active_customers_respect_scope(larger_seeded_engine):
    with larger_seeded_engine.connect() as conn:
        east = satisfaction.active_customers(conn, EAST, PERIOD, "segment")
        everyone = satisfaction.active_customers(conn, ALL, PERIOD, "region")
    assert east["customers"].sum() == everyone.set_index("value").loc["East", "customers"]


def test_detractor_comments_are_scoped_and_masked(larger_seeded_engine, raw):
    s = _in_period(_scoped(raw["surveys"], EAST))
    expected = s[(s.nps <= 6) & s.comment.fillna("").ne("")]
    with larger_seeded_engine.connect() as conn:
        masked = satisfaction.detractor_comments(conn, EAST, PERIOD, limit=500)
        capped = satisfaction.detractor_comments(conn, ALL, PERIOD, limit=10_000)
        clear = satisfaction.detractor_comments(conn, ANALYST, PERIOD, limit=5)
    assert len(masked) == min(len(expected), 200) > 0
    assert len(capped) <= 200
    assert set(masked["region"]) == {"East"}
    assert (masked["nps"] <= 6).all()
    assert masked["responded_on"].is_monotonic_decreasing
    assert masked["customer"].str.contains(r"\*").all()
    assert len(clear) == 5
    assert not clear["customer"].str.contains(r"\*").any()


def test_executives_get_no_comments(larger_seeded_engine):
    """Issue 11 #12: comments are records; an executive sees aggregates only."""
    with larger_seeded_engine.connect() as conn, pytest.raises(PermissionError):
        satisfaction.detractor_comments(conn, Viewer("exec", "executive"), PERIOD)


@pytest.mark.parametrize("viewer", [ALL, EAST])
def test_complaint_counts_match_pandas(larger_seeded_engine, raw, viewer):
    c = _scoped(raw["complaints"], viewer)
    c = c[(c.opened_at >= "2026-08-01") & (c.opened_at < "2026-11-01")]
    with larger_seeded_engine.connect() as conn:
        got = complaints.complaint_counts(conn, viewer, PERIOD, AT)
    assert got["complaints"].sum() == len(c) > 0
    response_breached = (c.first_response_at > c.first_response_due_at) | (
        c.first_response_at.isna() & (c.first_response_due_at < AT)
    )
    resolution_breached = (c.resolved_at > c.resolution_due_at) | (
        c.resolved_at.isna() & (c.resolution_due_at < AT)
    )
    assert got["response_breached"].sum() == response_breached.sum()
    assert got["resolution_breached"].sum() == resolution_breached.sum()
    assert got["escalated"].sum() == c.escalated.astype(bool).sum()
    assert got["open"].sum() == (c.resolved_at.isna() | (c.resolved_at > AT)).sum()


def test_response_time_percentiles_match_numpy(larger_seeded_engine, raw):
    c = raw["complaints"]
    c = c[(c.opened_at >= "2026-08-01") & (c.opened_at < "2026-11-01")]
    with larger_seeded_engine.connect() as conn:
        got = complaints.response_times(conn, ALL, PERIOD).set_index("severity")
    assert list(got.index) == list(SEVERITIES)
    for severity, group in c.groupby("severity"):
        for label, end in (("response", "first_response_at"), ("resolution", "resolved_at")):
            hours = ((group[end] - group.opened_at).dt.total_seconds() / 3600).dropna()
            assert got.loc[severity, f"{label}_n"] == len(hours)
            for q in (50, 90):
                expected = np.percentile(hours, q, method="inverted_cdf")
                assert got.loc[severity, f"{label}_p{q}"] == pytest.approx(expected, abs=0.01)


def test_backlog_aging_matches_pandas(larger_seeded_engine, raw):
    c = _scoped(raw["complaints"], EAST)
    with larger_seeded_engine.connect() as conn:
        got = complaints.backlog_aging(conn, EAST, PERIOD, AT)
    open_ = c[(c.opened_at < AT) & (c.resolved_at.isna() | (c.resolved_at > AT))]
    age = (AT - open_.opened_at).dt.total_seconds() / 86400
    bucket = pd.cut(age, [0, 3, 8, 31, np.inf], right=False, labels=["0-2", "3-7", "8-30", ">30"])
    expected = bucket.value_counts()
    totals = got.groupby("age")["open"].sum()
    for label in ("0-2", "3-7", "8-30", ">30"):
        assert totals.get(label, 0) == expected[label]
    assert got["open"].sum() == len(open_) > 0


def test_complaint_page_is_scoped_masked_and_paginated(larger_seeded_engine):
    with larger_seeded_engine.connect() as conn:
        first, total = complaints.complaint_page(conn, ALL, PERIOD, AT)
        second, _ = complaints.complaint_page(conn, ALL, PERIOD, AT, page=1)
        beyond, _ = complaints.complaint_page(conn, ALL, PERIOD, AT, page=10_000)
        east, east_total = complaints.complaint_page(conn, EAST, PERIOD, AT)
        clear, _ = complaints.complaint_page(conn, ANALYST, PERIOD, AT, status="breached")
        counts = complaints.complaint_counts(conn, ALL, PERIOD, AT)
        east_counts = complaints.complaint_counts(conn, EAST, PERIOD, AT)
    assert total == counts["complaints"].sum() > complaints.PAGE_SIZE
    assert east_total == east_counts["complaints"].sum() > 0
    assert len(first) == complaints.PAGE_SIZE
    assert first["opened_at"].is_monotonic_decreasing
    assert first["opened_at"].min() >= second["opened_at"].max()
    assert beyond.empty and "opened_at" in beyond.columns
    assert set(east["region"]) == {"East"}
    assert first["email"].str.contains(r"\*\*\*@").all()
    assert not first["phone"].str.contains(r"\d{5}").any()
    assert not clear["email"].str.contains(r"\*").any()
    assert clear["sla_breached"].all()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"category": "billing' OR '1'='1"},
        {"severity": "x" * 10_000},
        {"status": "open; DROP TABLE complaints"},
    ],
)
def test_complaint_page_rejects_unknown_filter_values(larger_seeded_engine, kwargs):
    with larger_seeded_engine.connect() as conn, pytest.raises(ValueError):
        complaints.complaint_page(conn, ALL, PERIOD, AT, **kwargs)


def _rows(frame: pd.DataFrame, keys: list[str]) -> list[tuple]:
    frame = frame.astype({k: object for k in keys}).where(frame.notna(), None)
    return sorted(
        map(tuple, frame[keys + [c for c in frame.columns if c not in keys]].values), key=str
    )


@pytest.mark.parametrize("viewer", [ALL, EAST])
@pytest.mark.parametrize("focus", [None, Focus("segment", "SMB"), Focus("touchpoint", "support")])
def test_the_cube_adds_up_to_every_per_dimension_query(larger_seeded_engine, viewer, focus):
    """Issue 14: the satisfaction page reads two grouped scans (answers per window × every
    listed dimension; active customers per customer-dimension combination) instead of three
    queries per dimension. Every figure rolled up from them equals the per-dimension query."""
    with larger_seeded_engine.connect() as conn:
        cube = satisfaction.survey_cube(conn, viewer, PERIOD, 12, focus)
        customers = satisfaction.customer_cube(conn, viewer, PERIOD, focus)
        assert len(cube) < 2 * 5 * 3 * 3 * 4 * 3 * 5  # bounded by the code lists, not answers
        for by in satisfaction.LISTED_DIMENSIONS:
            expected = satisfaction.survey_breakdown(conn, viewer, PERIOD, by, focus)
            got = satisfaction.breakdown_from(conn, cube, by)
            assert got.values.tolist() == expected.values.tolist(), by
            windows = satisfaction.survey_windows(conn, viewer, PERIOD, by, 12, focus)
            rolled = satisfaction.roll_up(cube, by, satisfaction.COUNT_COLUMNS, "window")
            assert _rows(rolled, ["value", "window"]) == _rows(windows, ["value", "window"]), by
        for by in satisfaction.CUSTOMER_DIMENSIONS:
            expected = satisfaction.active_customers(conn, viewer, PERIOD, by, focus)
            rolled = satisfaction.active_from(customers, by)
            assert _rows(rolled, ["value"]) == _rows(expected, ["value"]), by
            assert rolled["customers"].sum() > 0
        # The period before, from the same scan.
        before = satisfaction.active_customers(conn, viewer, PERIOD.previous(), "region", focus)
        assert customers["customers_before"].sum() == before["customers"].sum() > 0


@pytest.mark.parametrize("viewer", [ALL, EAST])
@pytest.mark.parametrize("focus", [None, Focus("tier", "VIP")])
def test_complaints_per_segment_roll_up_from_one_scan(larger_seeded_engine, raw, viewer, focus):
    """Complaints opened in the period per value of each customer dimension, rolled up from
    one grouped scan, equal pandas counts on the raw rows."""
    comp = _scoped(raw["complaints"], viewer, focus)
    in_period = comp[
        (comp.opened_at >= pd.Timestamp(PERIOD.start))
        & (comp.opened_at < pd.Timestamp(PERIOD.end_exclusive))
    ]
    with larger_seeded_engine.connect() as conn:
        cube = complaints.complaint_cube(conn, viewer, PERIOD, focus)
    assert cube["complaints"].sum() == len(in_period)
    assert focus is not None or len(in_period) > 0
    for by in satisfaction.CUSTOMER_DIMENSIONS:
        got = satisfaction.roll_up(cube, by, ["complaints"]).dropna(subset=["value"])
        expected = in_period.groupby(by).size()
        assert dict(zip(got["value"], got["complaints"], strict=True)) == expected.to_dict(), by
