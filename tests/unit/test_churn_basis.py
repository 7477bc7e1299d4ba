"""Activity-based churn on an empty install that only holds imported data: a retailer's
customers and an order log (several orders per customer and month), hand-made so every
expected figure below is counted by hand from the rows in this file."""

import io
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

import importer
from analytics import churn as churn_stats
from data_access import churn
from data_access.churn_basis import lost_on
from data_access.filters import Filters
from data_access.models import Customer
from data_access.security import Viewer

pytestmark = pytest.mark.db

ADMIN = Viewer("admin", "admin")
CONTRACT = Filters(end_month=date(2026, 10, 1), months=3)
ACTIVITY = replace(CONTRACT, churn_basis="activity", inactivity_days=90)

CUSTOMERS = (
    (
        "external_id,name,region,industry,segment,tier,channel,lifecycle_stage,source_system,"
        "signup_date,churn_date,churn_reason,contract_type\n"
    )
    + """C-A,Ann,East,Retail,SMB,normal,Direct,maintenance,CRM,2026-01-05,2026-09-30,price,monthly
C-B,Bo,East,Retail,SMB,normal,Direct,maintenance,CRM,2026-01-05,,,monthly
C-C,Cai,East,Retail,SMB,normal,Direct,maintenance,CRM,2026-01-05,,,monthly
C-D,Di,East,Retail,SMB,normal,Direct,maintenance,CRM,2026-01-05,,,monthly
"""
)
# The newest order (C-D, 31 Oct) sets the as-of day. C-A last bought 90 days before it
# (2 Aug): lost on 2 Aug. C-B 89 days before (3 Aug): still a customer. C-C never bought:
# lost on its signup day. C-D bought twice in October.
ORDERS = """order id,order date,total,due_date,status
O-1,C-A,2026-01-10,10,2026-01-20,open
O-2,C-A,2026-03-15,20,2026-03-25,open
O-3,C-A,2026-08-02,30,2026-08-12,open
O-4,C-B,2026-02-01,40,2026-02-11,open
O-5,C-B,2026-08-03,50,2026-08-13,open
O-6,C-D,2026-01-20,60,2026-01-30,open
O-7,C-D,2026-10-10,70,2026-10-20,open
O-8,C-D,2026-10-31,80,2026-11-10,open
""".replace("order id,", "order id,customer,")


@pytest.fixture
def retailer(migrated_engine):
    for table, text in (("customers", CUSTOMERS), ("invoices", ORDERS)):
        report = importer.import_file(
            migrated_engine, ADMIN, table, io.BytesIO(text.encode()), f"{table}.csv"
        )
        assert report.ok, report.problems
    return migrated_engine


def lost_dates(engine, filters: Filters) -> dict[str, date | None]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(Customer.external_id, lost_on(conn, filters)).order_by(Customer.external_id)
        ).all()
    return {k: (date.fromisoformat(v) if isinstance(v, str) else v) for k, v in rows}


def test_lost_after_exactly_the_inactivity_days_dated_at_the_last_purchase(retailer):
    assert lost_dates(retailer, ACTIVITY) == {
        "C-A": date(2026, 8, 2),
        "C-B": None,
        "C-C": date(2026, 1, 5),
        "C-D": None,
    }
    # One day shorter and C-B (89 days) is lost too; the contract basis reads the end dates.
    assert lost_dates(retailer, replace(ACTIVITY, inactivity_days=89))["C-B"] == date(2026, 8, 3)
    assert lost_dates(retailer, CONTRACT) == {
        "C-A": date(2026, 9, 30),
        "C-B": None,
        "C-C": None,
        "C-D": None,
    }


def test_monthly_churn_follows_the_basis(retailer):
    with retailer.connect() as conn:
        activity = churn.churn_by_split(conn, ADMIN, ACTIVITY)
        contract = churn.churn_by_split(conn, ADMIN, CONTRACT)
    # Aug: A, B, D active at the start (C left in January), A lost on 2 Aug.
    assert activity[["active_at_start", "churned"]].values.tolist() == [[3, 1], [2, 0], [2, 0]]
    assert contract[["active_at_start", "churned"]].values.tolist() == [[4, 0], [4, 1], [3, 0]]


def test_survival_and_reasons_on_the_activity_basis(retailer):
    with retailer.connect() as conn:
        counts = churn.survival_counts(conn, ADMIN, ACTIVITY, None, date(2026, 11, 1))
        reasons = churn.churn_reasons(conn, ADMIN, replace(ACTIVITY, months=12), "segment")
    got = sorted(zip(counts["days"], counts["churned"], counts["customers"], strict=True))
    # A: 5 Jan → 2 Aug = 209 days, lost; C: lost on day 0; B and D: 300 days, still here.
    assert got == [(0, 1, 1), (209, 1, 1), (300, 0, 2)]
    # A recorded a reason (price); C, known lost only from purchases that stopped, is inactive.
    assert dict(zip(reasons["reason"], reasons["churned"], strict=True)) == {
        "inactive": 1,
        "price": 1,
    }


def test_activity_retention_is_the_share_of_the_cohort_buying_in_each_month(retailer):
    with retailer.connect() as conn:
        active = churn.cohort_invoices(conn, ADMIN, ACTIVITY, cohorts=12)
        counts = churn.cohort_churn_counts(conn, ADMIN, ACTIVITY, cohorts=12)
    january = churn.index_of(date(2026, 1, 1))
    sizes = counts.groupby("cohort")["customers"].sum()
    matrix = churn_stats.activity_retention_matrix(
        active, sizes, [january], latest_full=january + 9, horizon=12
    )
    row = matrix.values.loc[matrix.values.index[0]]
    # Jan: A, D; Feb: B; Mar: A; Apr–Jul: nobody; Aug: A, B; Sep: nobody; Oct: D (of 4).
    expected = [0.5, 0.25, 0.25, 0, 0, 0, 0, 0.5, 0, 0.25]
    assert row.iloc[:10].tolist() == pytest.approx(expected)
    assert pd.isna(row.iloc[10])  # November has not been reached


def test_an_invoice_import_moves_the_last_activity(retailer):
    late = (
        "order id,customer,order date,total,due_date,status\nO-9,C-B,2026-11-20,5,2026-11-30,open\n"
    )
    report = importer.import_file(retailer, ADMIN, "invoices", io.BytesIO(late.encode()), "x.csv")
    assert report.ok, report.problems
    # The as-of day is now 20 Nov: C-B bought that day, C-D's last order (31 Oct) is 20 days old.
    lost = lost_dates(retailer, ACTIVITY)
    assert lost["C-B"] is None and lost["C-D"] is None
    assert lost_dates(retailer, replace(ACTIVITY, inactivity_days=20))["C-D"] == date(2026, 10, 31)
