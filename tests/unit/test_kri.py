"""KRI states at their edges, and KRI values against independent pandas computations."""

from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import func, select, text

from analytics.kri import kri_state, worst
from data_access import kri
from data_access.models import KriValue
from data_access.security import Viewer

OCT = date(2026, 10, 1)
ALL = Viewer("risk", "risk_manager")  # all-region access


@pytest.mark.parametrize(
    "value, expected",
    [(0.009, "green"), (0.010, "amber"), (0.0149, "amber"), (0.015, "red"), (None, "insufficient")],
)
def test_higher_is_bad_edges(value, expected):
    assert kri_state(value, "higher_bad", 0.010, 0.015) == expected


@pytest.mark.parametrize(
    "value, expected", [(20.1, "green"), (20.0, "amber"), (5.1, "amber"), (5.0, "red"), (-9, "red")]
)
def test_lower_is_bad_edges(value, expected):
    assert kri_state(value, "lower_bad", 20.0, 5.0) == expected


def test_insufficient_sample_is_never_green():
    assert kri_state(50.0, "lower_bad", 20, 5, sufficient=False) == "insufficient"


@pytest.mark.parametrize(
    "direction, amber, red", [("higher_bad", 0.2, 0.1), ("lower_bad", 5, 20), ("sideways", 1, 2)]
)
def test_bad_threshold_definitions_are_rejected(direction, amber, red):
    with pytest.raises(ValueError):
        kri_state(1.0, direction, amber, red)


def test_worst_state():
    assert worst(["green", "red", "amber"]) == "red"
    assert worst(["insufficient", "green"]) == "green"
    assert worst([]) is None


@pytest.fixture(scope="module")
def raw(seeded_engine):
    with seeded_engine.connect() as conn:

        def read(sql):
            return pd.read_sql_query(text(sql), conn)

        frames = {
            "customers": read(
                "select id, region, segment, tier, signup_date, churn_date from customers"
            ),
            "surveys": read("select customer_id, responded_on, nps, csat from survey_responses"),
            "invoices": read("select customer_id, due_date, paid_date from invoices"),
            "kris": read("select * from kris"),
        }
    # PostgreSQL hands back date objects, SQLite text: compare as timestamps either way.
    frames["surveys"]["responded_on"] = pd.to_datetime(frames["surveys"]["responded_on"])
    return frames


def _kri(engine, name):
    with engine.connect() as conn:
        return conn.execute(text("select * from kris where name = :n"), {"n": name}).one()


@pytest.mark.db
def test_nps_east_matches_pandas_and_turns_red(seeded_engine, raw):
    s = raw["surveys"].merge(raw["customers"], left_on="customer_id", right_on="id")
    s = s[
        (s.region == "East")
        & (s.responded_on >= "2026-10-01")
        & (s.responded_on < "2026-11-01")
        & s.nps.notna()
    ]
    expected = 100 * ((s.nps >= 9).mean() - (s.nps <= 6).mean())
    row = _kri(seeded_engine, "NPS East")
    with seeded_engine.connect() as conn:
        value, n = kri.metric_value(conn, row, OCT, 30)
    assert n == len(s)
    if n >= 30:
        assert value == pytest.approx(expected)


@pytest.mark.db
def test_churn_smb_matches_pandas(seeded_engine, raw):
    c = raw["customers"][raw["customers"].segment == "SMB"]
    signup, churn = pd.to_datetime(c.signup_date), pd.to_datetime(c.churn_date)
    start, end = pd.Timestamp("2026-10-01"), pd.Timestamp("2026-11-01")
    active = (signup < start) & (churn.isna() | (churn >= start))
    churned = active & (churn < end)
    with seeded_engine.connect() as conn:
        value, n = kri.metric_value(conn, _kri(seeded_engine, "Monthly churn SMB"), OCT, 30)
    assert n == active.sum()
    assert value == pytest.approx(churned.sum() / active.sum())


@pytest.mark.db
def test_csat_consumer_matches_pandas(seeded_engine, raw):
    s = raw["surveys"].merge(raw["customers"], left_on="customer_id", right_on="id")
    s = s[
        (s.segment == "Consumer")
        & (s.responded_on >= "2026-10-01")
        & (s.responded_on < "2026-11-01")
        & s.csat.notna()
    ]
    with seeded_engine.connect() as conn:
        value, n = kri.metric_value(conn, _kri(seeded_engine, "CSAT top-2-box Consumer"), OCT, 30)
    assert n == len(s)
    assert value == pytest.approx((s.csat >= 4).mean())


@pytest.mark.db
def test_overdue_share_matches_pandas(seeded_engine, raw):
    i = raw["invoices"]
    due, paid = pd.to_datetime(i.due_date), pd.to_datetime(i.paid_date)
    fell_due = (due >= "2026-09-01") & (due < "2026-10-01")
    late = fell_due & (paid.isna() | (paid >= "2026-11-01"))
    row = _kri(seeded_engine, "Invoices overdue > 30 days")
    with seeded_engine.connect() as conn:
        value, n = kri.metric_value(conn, row, OCT, 30)
    assert n == fell_due.sum() and value == pytest.approx(late.sum() / fell_due.sum())


@pytest.mark.db
def test_refresh_is_idempotent_and_latest_has_one_row_per_kri(seeded_engine, raw):
    months = [date(2026, 9, 1), OCT]
    kri.refresh_kri_values(seeded_engine, months, datetime(2026, 11, 2))
    kri.refresh_kri_values(seeded_engine, months, datetime(2026, 11, 3))
    with seeded_engine.connect() as conn:
        dupes = conn.execute(
            select(KriValue.kri_id, KriValue.period_month, func.count())
            .group_by(KriValue.kri_id, KriValue.period_month)
            .having(func.count() > 1)
        ).all()
        latest = kri.latest_kri_states(conn, ALL)
        history = kri.kri_history(conn, ALL, int(latest.kri_id.iloc[0]))
        worst_states = kri.worst_state_per_risk(conn, ALL)
    assert dupes == []
    assert len(latest) == len(raw["kris"]) and latest.kri_id.is_unique
    assert set(latest.period_month.astype(str)) == {"2026-10-01"}
    assert list(history.period_month.astype(str))[-2:] == ["2026-09-01", "2026-10-01"]
    assert set(worst_states.values()) <= {"green", "amber", "red", "insufficient"}
