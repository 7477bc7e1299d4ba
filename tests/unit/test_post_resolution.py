"""Post-resolution answers as a CSAT source: a hand-made set of survey CSAT answers and
complaint cases' post-resolution answers, the expected counts worked out by hand in the
comments; top-2-box = 4 or 5, dated by the case's closing time, the customer's region,
segment and tier filtering, the viewer's scope applied; the interval against statsmodels."""

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert
from statsmodels.stats.proportion import proportion_confint

from analytics import satisfaction as sat_stats
from data_access import post_resolution, satisfaction
from data_access.filters import Filters
from data_access.models import Complaint, Customer, SurveyResponse
from data_access.satisfaction import Focus
from data_access.security import Viewer

pytestmark = pytest.mark.db

ALL = Viewer("risk", "risk_manager")
EAST = Viewer("risk_east", "risk_manager", "East")
PERIOD = Filters(end_month=date(2026, 10, 1), months=3)  # Aug, Sep, Oct 2026
AUG, SEP, OCT = date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)


def _customer(cid: int, region: str, segment: str, tier: str) -> dict:
    return dict(
        id=cid, external_id=f"C{cid}", name=f"Customer {cid}", region=region, segment=segment,
        tier=tier, source_system="CRM", signup_date=date(2024, 1, 1),
        updated_at=datetime(2026, 1, 1),
    )  # fmt: skip


def _case(cid: int, customer: int, closed: datetime | None, feedback: str | None, score=None):
    opened = datetime(2026, 7, 1, 9, 0)
    return dict(
        id=cid, customer_id=customer, category="billing", severity="medium", channel="phone",
        opened_at=opened, sla_hours=72, first_response_due_at=opened + timedelta(hours=12),
        resolution_due_at=opened + timedelta(hours=72), escalated=False,
        resolved_at=None if closed is None else closed - timedelta(days=2),
        stage="closed" if closed else "investigating", stage_since=closed or opened,
        closed_at=closed, feedback=feedback, feedback_score=score,
    )  # fmt: skip


CUSTOMERS = [
    _customer(1, "East", "SMB", "normal"),
    _customer(2, "East", "Enterprise", "VIP"),
    _customer(3, "West", "SMB", "normal"),
]
# Survey CSAT: Sep East 5, 4, 2 (n 3, top-2 2); Oct West 3 (n 1, top-2 0); one answer without
# CSAT (not counted); one in July (outside the period).
SURVEYS = [
    dict(customer_id=1, responded_on=date(2026, 9, 3), touchpoint="support", nps=9, csat=5),
    dict(customer_id=2, responded_on=date(2026, 9, 10), touchpoint="support", nps=7, csat=4),
    dict(customer_id=1, responded_on=date(2026, 9, 20), touchpoint="billing", nps=3, csat=2),
    dict(customer_id=3, responded_on=date(2026, 10, 5), touchpoint="support", nps=10, csat=3),
    dict(customer_id=3, responded_on=date(2026, 10, 6), touchpoint="support", nps=8, csat=None),
    dict(customer_id=1, responded_on=date(2026, 7, 6), touchpoint="support", nps=8, csat=5),
]
CASES = [
    _case(1, 1, datetime(2026, 8, 5, 10), "answered", 5),  # Aug East SMB: top-2
    _case(2, 1, datetime(2026, 8, 31, 23, 59), "answered", 3),  # Aug (last minute) East SMB
    _case(3, 2, datetime(2026, 9, 1, 0, 0), "answered", 4),  # Sep (first minute) East Ent VIP
    _case(4, 3, datetime(2026, 9, 15), "answered", 1),  # Sep West SMB
    _case(5, 3, datetime(2026, 10, 2), "answered", 4),  # Oct West SMB: top-2
    _case(6, 2, datetime(2026, 10, 20), "no_answer"),  # closed, not answered: not counted
    _case(7, 1, datetime(2026, 11, 1, 0, 0), "answered", 5),  # November: outside the period
    _case(8, 2, datetime(2026, 7, 31, 23, 0), "answered", 2),  # July: outside
    _case(9, 3, None, None),  # still open
]


@pytest.fixture
def engine(migrated_engine):
    with migrated_engine.begin() as conn:
        conn.execute(insert(Customer), CUSTOMERS)
        conn.execute(insert(SurveyResponse), SURVEYS)
        conn.execute(insert(Complaint), CASES)
    return migrated_engine


def _pairs(frame, key):
    return {row[key]: (int(row["n_csat"]), int(row["csat_top2"])) for _, row in frame.iterrows()}


def test_answers_per_month_of_closing(engine):
    with engine.connect() as conn:
        every = post_resolution.feedback_csat_by_month(conn, ALL, PERIOD)
        east = post_resolution.feedback_csat_by_month(conn, EAST, PERIOD)
        smb = post_resolution.feedback_csat_by_month(conn, ALL, replace(PERIOD, segments=("SMB",)))
        vip = post_resolution.feedback_csat_by_month(conn, ALL, PERIOD, Focus("tier", "VIP"))
        touch = post_resolution.feedback_csat_by_month(
            conn, ALL, PERIOD, Focus("touchpoint", "support")
        )
    # Aug: cases 1 (5), 2 (3) → n 2, top-2 1. Sep: 3 (4), 4 (1) → 2, 1. Oct: 5 (4) → 1, 1.
    assert _pairs(every, "month") == {AUG: (2, 1), SEP: (2, 1), OCT: (1, 1)}
    # East only (customers 1, 2): Aug 1, 2; Sep 3; Oct none.
    assert _pairs(east, "month") == {AUG: (2, 1), SEP: (1, 1), OCT: (0, 0)}
    # SMB (customers 1, 3): Aug 1, 2; Sep 4; Oct 5.
    assert _pairs(smb, "month") == {AUG: (2, 1), SEP: (1, 0), OCT: (1, 1)}
    # VIP (customer 2): Sep 3 only.
    assert _pairs(vip, "month") == {AUG: (0, 0), SEP: (1, 1), OCT: (0, 0)}
    # A survey-only focus matches no complaint.
    assert _pairs(touch, "month") == {AUG: (0, 0), SEP: (0, 0), OCT: (0, 0)}


def test_answers_per_customer_dimension(engine):
    with engine.connect() as conn:
        region = post_resolution.feedback_csat_breakdown(conn, ALL, PERIOD, "region")
        east = post_resolution.feedback_csat_breakdown(conn, EAST, PERIOD, "tier")
        touch = post_resolution.feedback_csat_breakdown(conn, ALL, PERIOD, "touchpoint")
    # East: cases 1, 2, 3 → n 3, top-2 2 (5 and 4); West: 4, 5 → n 2, top-2 1.
    assert _pairs(region, "value") == {"East": (3, 2), "West": (2, 1)}
    # East's tiers: normal (customer 1) cases 1, 2 → 2, 1; VIP (customer 2) case 3 → 1, 1.
    assert _pairs(east, "value") == {"normal": (2, 1), "VIP": (1, 1)}
    assert touch.empty


def test_the_page_figures_take_csat_from_the_chosen_source_only(engine):
    with engine.connect() as conn:
        surveys = satisfaction.survey_by_month(conn, ALL, PERIOD)
        answers = post_resolution.feedback_csat_by_month(conn, ALL, PERIOD)
    # Survey CSAT by hand: Aug none; Sep 5, 4, 2 → 3, 2; Oct 3 → 1, 0.
    assert _pairs(surveys, "month") == {AUG: (0, 0), SEP: (3, 2), OCT: (1, 0)}
    mixed = post_resolution.with_csat_from(surveys, answers, "month")
    assert list(mixed.columns) == list(surveys.columns)
    assert _pairs(mixed, "month") == {AUG: (2, 1), SEP: (2, 1), OCT: (1, 1)}
    # NPS stays the surveys': Sep 9, 7, 3 → n 3, 1 promoter, 1 detractor.
    sep = mixed.set_index("month").loc[SEP]
    assert (sep["n_nps"], sep["promoters"], sep["detractors"]) == (3, 1, 1)
    # The period's post-resolution CSAT: 5 answers, 3 top-2 → 60 % with a Wilson interval.
    totals = mixed[satisfaction.COUNT_COLUMNS].sum().to_frame().T.astype("int64")
    row = sat_stats.scores(totals, min_n=5).iloc[0]
    low, high = proportion_confint(3, 5, alpha=0.05, method="wilson")
    assert row["csat"] == pytest.approx(60.0)
    assert row["csat_low"] == pytest.approx(100 * low) and row["csat_high"] == pytest.approx(
        100 * high
    )
    # Below the minimum sample it is insufficient, as survey CSAT is.
    assert not sat_stats.scores(totals, min_n=6).iloc[0]["csat_ok"]
