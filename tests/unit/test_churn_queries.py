"""Churn, retention and credit aggregates in SQL, checked against pandas on the raw rows of a
seeded database; region scope and masking."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from data_access import churn
from data_access.filters import Filters
from data_access.security import Viewer

pytestmark = pytest.mark.db

ALL = Viewer("risk", "risk_manager")
EAST = Viewer("risk_east", "risk_manager", "East")
PERIOD = Filters(end_month=date(2026, 10, 1), months=3)
AT = date(2026, 11, 1)


@pytest.fixture(scope="module")
def raw(seeded_engine):
    with seeded_engine.connect() as conn:
        customers = pd.read_sql_query(
            "select id, region, contract_type, signup_date, churn_date from customers", conn
        )
        invoices = pd.read_sql_query(
            "select customer_id, period_month, amount, due_date, paid_date, paid_amount, status"
            " from invoices",
            conn,
        )
    for col in ("signup_date", "churn_date"):
        customers[col] = pd.to_datetime(customers[col])
    for col in ("period_month", "due_date", "paid_date"):
        invoices[col] = pd.to_datetime(invoices[col])
    invoices["amount"] = invoices["amount"].astype(float)
    invoices["paid_amount"] = invoices["paid_amount"].astype(float)
    return customers, invoices.merge(
        customers[["id", "region"]], left_on="customer_id", right_on="id"
    )


def _index(ts: pd.Series) -> pd.Series:
    return ts.dt.year * 12 + ts.dt.month - 1


@pytest.mark.parametrize("viewer", [ALL, EAST])
def test_cohort_counts_match_pandas(seeded_engine, raw, viewer):
    customers, _ = raw
    c = customers if viewer.region_scope is None else customers[customers.region == "East"]
    c = c[(c.signup_date >= "2025-11-01") & (c.signup_date < "2026-11-01")]
    with seeded_engine.connect() as conn:
        got = churn.cohort_churn_counts(conn, viewer, PERIOD, cohorts=12)
    assert got["customers"].sum() == len(c) > 0
    expected = c.assign(cohort=_index(c.signup_date), churn_month=_index(c.churn_date))
    sizes = expected.groupby("cohort").size()
    assert got.groupby("cohort")["customers"].sum().to_dict() == sizes.to_dict()
    churned = got.dropna(subset=["churn_month"])["customers"].sum()
    assert churned == expected.churn_date.notna().sum()


def test_churn_by_month_and_split_match_pandas(seeded_engine, raw):
    customers, _ = raw
    with seeded_engine.connect() as conn:
        got = churn.churn_by_split(conn, ALL, PERIOD, "contract_type")
    for row in got.itertuples():
        start = pd.Timestamp(row.month)
        c = customers[customers.contract_type == row.value]
        active = c[(c.signup_date < start) & (c.churn_date.isna() | (c.churn_date >= start))]
        assert row.active_at_start == len(active)
        assert row.churned == (active.churn_date < start + pd.DateOffset(months=1)).sum()
    with pytest.raises(ValueError):
        churn.split_column("name; drop table customers")


def test_revenue_retention_matches_pandas(seeded_engine, raw):
    _, invoices = raw
    with seeded_engine.connect() as conn:
        got = churn.revenue_retention(conn, ALL, PERIOD).set_index("month")
    for month in PERIOD.month_starts:
        now, before = pd.Timestamp(month), pd.Timestamp(month) - pd.DateOffset(months=1)
        r0 = invoices[invoices.period_month == before].groupby("customer_id").amount.sum()
        r1 = invoices[invoices.period_month == now].groupby("customer_id").amount.sum()
        r1 = r1.reindex(r0.index, fill_value=0.0)
        row = got.loc[month]
        assert row.start == pytest.approx(r0.sum())
        assert row.current == pytest.approx(r1.sum())
        assert row.kept == pytest.approx(np.minimum(r0, r1).sum())
        assert row.lost == pytest.approx(r0[r1 == 0].sum())


@pytest.mark.parametrize("viewer", [ALL, EAST])
def test_overdue_aging_matches_pandas(seeded_engine, raw, viewer):
    _, invoices = raw
    i = invoices if viewer.region_scope is None else invoices[invoices.region == "East"]
    at = pd.Timestamp(AT)
    unpaid = i[i.paid_date.isna() & (i.status != "written_off") & (i.due_date < at)]
    days = (at - unpaid.due_date).dt.days
    bucket = pd.cut(days, [0, 30, 60, 90, np.inf], labels=["1-30", "31-60", "61-90", ">90"])
    expected = (unpaid.amount - unpaid.paid_amount).groupby(bucket, observed=False).sum()
    with seeded_engine.connect() as conn:
        got = churn.overdue_aging(conn, viewer, PERIOD, AT).set_index("bucket")
    for label in ("1-30", "31-60", "61-90", ">90"):
        assert got.loc[label, "amount"] == pytest.approx(expected[label])
    assert got["amount"].sum() > 0


def test_survival_counts_add_up(seeded_engine, raw):
    customers, _ = raw
    with seeded_engine.connect() as conn:
        got = churn.survival_counts(conn, EAST, PERIOD, "contract_type", AT)
    east = customers[(customers.region == "East") & (customers.signup_date < pd.Timestamp(AT))]
    assert got["customers"].sum() == len(east)
    assert got.loc[got.churned == 1, "customers"].sum() == east.churn_date.notna().sum()
    assert (got["days"] >= 0).all()


def test_customer_lists_are_scoped_and_masked(seeded_engine):
    with seeded_engine.connect() as conn:
        win_back = churn.recently_churned(conn, EAST, PERIOD)
        top = churn.top_exposures(conn, EAST, PERIOD, AT)
        features = churn.customer_features(conn, EAST, PERIOD, date(2026, 8, 1))
        cohort, total = churn.cohort_customers(
            conn, EAST, PERIOD, date(2026, 1, 1), date(2026, 2, 1), None
        )
        clear = churn.recently_churned(conn, Viewer("analyst", "analyst"), PERIOD)
    for frame in (win_back, top, features, cohort):
        assert len(frame) > 0 and set(frame["region"]) == {"East"}
        assert frame["customer"].str.contains(r"\*").all()
    assert total >= len(cohort)
    assert win_back["monthly_revenue"].is_monotonic_decreasing
    assert top["overdue"].is_monotonic_decreasing
    assert not clear["customer"].str.contains(r"\*").any()


def test_cohort_invoices_match_pandas(seeded_engine, raw):
    """Revenue and buying customers per signup cohort × invoice month, as pandas counts them."""
    customers, invoices = raw
    with seeded_engine.connect() as conn:
        got = churn.cohort_invoices(conn, ALL, PERIOD, cohorts=12)
    c = customers[(customers.signup_date >= "2025-11-01") & (customers.signup_date < "2026-11-01")]
    rows = invoices.merge(c[["id", "signup_date"]], on="id")
    rows = rows.assign(cohort=_index(rows.signup_date), month=_index(rows.period_month))
    expected = rows.groupby(["cohort", "month"]).agg(
        revenue=("amount", "sum"), active=("customer_id", "nunique")
    )
    got = got.set_index(["cohort", "month"]).sort_index()
    assert len(got) == len(expected) > 12
    assert got["active"].tolist() == expected["active"].tolist()
    assert got["revenue"].to_numpy() == pytest.approx(expected["revenue"].to_numpy())


@pytest.mark.parametrize("viewer", [ALL, EAST], ids=["all", "east"])
def test_falling_credit_scores_match_pandas(seeded_engine, viewer):
    """Active customers (contract basis: no churn date) reviewed at least twice, and those
    whose newest review scored lower than the one before (ties by id)."""
    with seeded_engine.connect() as conn:
        got = churn.credit_score_changes(conn, viewer, PERIOD)
        reviews = pd.read_sql_query(
            "select h.id, h.customer_id, h.reviewed_on, h.score from credit_score_history h"
            " join customers c on c.id = h.customer_id where c.churn_date is null"
            + (" and c.region = 'East'" if viewer.region_scope else ""),
            conn,
        )
    reviews = reviews.sort_values(["customer_id", "reviewed_on", "id"])
    last_two = reviews.groupby("customer_id").tail(2)
    pairs = last_two.groupby("customer_id")["score"].agg(["first", "last", "size"])
    pairs = pairs[pairs["size"] == 2]
    assert got["reviewed_twice"] == len(pairs) > 0
    assert got["falling"] == int((pairs["last"] < pairs["first"]).sum()) > 0


def test_split_counts_added_up_give_the_unsplit_months(seeded_engine):
    """The churn trend reads one scan split by a dimension and adds the values up for the
    overall months; that must be the unsplit figure (itself checked against pandas)."""
    year = PERIOD.over_months(12)
    with seeded_engine.connect() as conn:
        split = churn.lifetime_counts(conn, ALL, year, "contract_type")
        plain = churn.churn_by_split(conn, ALL, year)
    added = churn.monthly_churn(churn.without_split(split), year.month_starts)
    pd.testing.assert_frame_equal(added, plain)
    assert plain["churned"].sum() > 0
