"""Overview aggregates in SQL, checked against an independent pandas computation on the raw
rows of a small seeded database, and the region scope enforced in SQL."""

from datetime import date, datetime

import pandas as pd
import pytest

from data_access import overview
from data_access.filters import Filters
from data_access.security import Viewer

pytestmark = pytest.mark.db

ALL = Viewer("risk", "risk_manager")
EAST = Viewer("risk_east", "risk_manager", "East")
PERIOD = Filters(end_month=date(2026, 10, 1), months=3)


@pytest.fixture(scope="module")
def raw(seeded_engine):
    with seeded_engine.connect() as conn:

        def read(sql):
            return pd.read_sql_query(sql, conn)

        customers = read("select id, region, segment, tier, signup_date, churn_date from customers")
        for col in ("signup_date", "churn_date"):
            customers[col] = pd.to_datetime(customers[col])
        surveys = read("select customer_id, responded_on, nps from survey_responses")
        surveys["responded_on"] = pd.to_datetime(surveys["responded_on"])
        complaints = read(
            "select customer_id, opened_at, resolved_at, resolution_due_at from complaints"
        )
        for col in ("opened_at", "resolved_at", "resolution_due_at"):
            complaints[col] = pd.to_datetime(complaints[col])
        risks = read("select id, region, created_at, closed_at from risks")
        for col in ("created_at", "closed_at"):
            risks[col] = pd.to_datetime(risks[col])
    return {"customers": customers, "surveys": surveys, "complaints": complaints, "risks": risks}


def test_latest_full_month(seeded_engine):
    with seeded_engine.connect() as conn:
        assert overview.latest_full_month(conn) == date(2026, 10, 1)


@pytest.mark.parametrize("viewer", [ALL, EAST])
def test_churn_by_month_matches_pandas(seeded_engine, raw, viewer):
    c = raw["customers"]
    if viewer.region_scope:
        c = c[c.region == viewer.region_scope]
    with seeded_engine.connect() as conn:
        got = overview.churn_by_month(conn, viewer, PERIOD)
    for row in got.itertuples():
        start = pd.Timestamp(row.month)
        end = start + pd.DateOffset(months=1)
        active = c[(c.signup_date < start) & (c.churn_date.isna() | (c.churn_date >= start))]
        churned = active[active.churn_date < end]
        assert row.active_at_start == len(active)
        assert row.churned == len(churned)
    assert got["churned"].sum() > 0


@pytest.mark.parametrize("viewer", [ALL, EAST])
def test_nps_counts_match_pandas(seeded_engine, raw, viewer):
    s = raw["surveys"].merge(raw["customers"], left_on="customer_id", right_on="id")
    if viewer.region_scope:
        s = s[s.region == viewer.region_scope]
    s = s[(s.responded_on >= "2026-08-01") & (s.responded_on < "2026-11-01") & s.nps.notna()]
    with seeded_engine.connect() as conn:
        got = overview.nps_counts(conn, viewer, PERIOD).iloc[0]
    assert got.n == len(s)
    assert got.promoters == (s.nps >= 9).sum()
    assert got.detractors == (s.nps <= 6).sum()


def test_nps_by_region_respects_scope(seeded_engine):
    with seeded_engine.connect() as conn:
        everyone = overview.nps_counts(conn, ALL, PERIOD, by="region")
        east = overview.nps_counts(conn, EAST, PERIOD, by="region")
        west_for_east = overview.nps_counts(conn, EAST, Filters(PERIOD.end_month, 3, ("West",)))
    assert set(everyone.region) == {"North", "South", "East", "West", "Central"}
    assert list(east.region) == ["East"]
    assert west_for_east.iloc[0].n == 0  # asking for another region gives nothing, not everything


def test_nps_group_by_is_allow_listed(seeded_engine):
    with seeded_engine.connect() as conn, pytest.raises(ValueError):
        overview.nps_counts(conn, ALL, PERIOD, by="email; drop table users")


def test_nps_by_month_sums_to_the_period(seeded_engine):
    with seeded_engine.connect() as conn:
        monthly = overview.nps_by_month(conn, ALL, PERIOD)
        total = overview.nps_counts(conn, ALL, PERIOD).iloc[0]
    assert list(monthly.month) == PERIOD.month_starts
    assert monthly.n.sum() == total.n and monthly.promoters.sum() == total.promoters


def test_complaint_sla_counts_match_pandas(seeded_engine, raw):
    at = datetime(2026, 11, 1)
    c = raw["complaints"]
    c = c[(c.opened_at >= "2026-08-01") & (c.opened_at < "2026-11-01")]
    breached = (c.resolved_at > c.resolution_due_at) | (
        c.resolved_at.isna() & (c.resolution_due_at < at)
    )
    with seeded_engine.connect() as conn:
        n, k = overview.complaint_sla_counts(conn, ALL, PERIOD, at)
    assert (n, k) == (len(c), int(breached.sum()))
    assert 0 < k < n


def test_risk_snapshot_open_risks_and_scope(seeded_engine, raw):
    at = datetime(2026, 11, 1)
    r = raw["risks"]
    open_at = r[(r.created_at <= at) & (r.closed_at.isna() | (r.closed_at > at))]
    with seeded_engine.connect() as conn:
        everything = overview.risk_snapshot(conn, ALL, PERIOD, at)
        east = overview.risk_snapshot(conn, EAST, PERIOD, at)
        earlier = overview.risk_snapshot(conn, ALL, PERIOD, datetime(2025, 6, 1))
    assert set(everything.id) == set(open_at.id)
    assert set(east.region.dropna()) <= {"East"}
    expected_east = open_at[open_at.region.isna() | (open_at.region == "East")]
    assert set(east.id) == set(expected_east.id)
    assert len(earlier) < len(everything)  # risks were created over time
