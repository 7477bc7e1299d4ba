"""Data the code did not generate: lifelines' Rossi recidivism set (432 people followed for
up to 52 weeks) read as a customer file — signup, leaving date, a contract-like split and
six columns the customers table does not know — imported through the command line into an
empty install. Survival and the log-rank test computed by the app from the database are
checked against lifelines fitted directly on the original rows; churn on both bases from
an order log made of it, against pandas."""

import io
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test
from sqlalchemy import func, select

import importer
from analytics.churn import DAYS_PER_MONTH, attribute_inputs, kaplan_meier
from data_access import churn, satisfaction
from data_access.filters import Filters
from data_access.models import Customer, CustomerAttribute
from data_access.security import Viewer
from importer.__main__ import main as importer_cli
from tests.public_data import (
    AS_OF,
    lost_on_activity,
    orders_for,
    period_churn,
    rossi_as_customers,
)

pytestmark = pytest.mark.db

ADMIN = Viewer("admin", "admin")


@pytest.fixture
def imported(migrated_engine, tmp_path, monkeypatch, capsys):
    rossi, file = rossi_as_customers()
    path = tmp_path / "rossi_customers.csv"
    file.to_csv(path, index=False)
    monkeypatch.setenv("DATABASE_URL", migrated_engine.url.render_as_string(False))
    assert importer_cli(["customers", str(path), "--extra", "keep"]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert "Columns kept as customer attributes: age, race, wexp, mar, paro, prio" in out
    return migrated_engine, rossi


def test_the_file_arrives_whole_with_its_extra_columns(imported):
    engine, rossi = imported
    with engine.connect() as conn:
        customers = conn.execute(select(func.count(Customer.id))).scalar_one()
        churned = conn.execute(
            select(func.count(Customer.id)).where(Customer.churn_date.is_not(None))
        ).scalar_one()
        ages = conn.execute(
            select(CustomerAttribute.value).where(CustomerAttribute.name == "age")
        ).scalars()
        assert sorted(int(a) for a in ages) == sorted(rossi["age"])
    assert (customers, churned) == (432, 114)


def test_survival_and_log_rank_match_lifelines_on_the_original_rows(imported):
    engine, rossi = imported
    filters = Filters(end_month=date(2026, 9, 1), months=12)
    with engine.connect() as conn:
        overall = churn.survival_counts(conn, ADMIN, filters, None, AS_OF)
        split = churn.survival_counts(conn, ADMIN, filters, "contract_type", AS_OF)
    ours = kaplan_meier(overall, min_n=1)
    weeks = rossi["week"] * 7 / DAYS_PER_MONTH
    reference = KaplanMeierFitter().fit(weeks, rossi["arrest"])
    expected = reference.survival_function_.iloc[:, 0]
    got = ours.curves.set_index("months")["survival"]
    assert got.index.to_numpy() == pytest.approx(expected.index.to_numpy())
    assert got.to_numpy() == pytest.approx(expected.to_numpy())
    # Nobody is censored before week 52, so S(52 weeks) is by hand 318 / 432 = 0.7361.
    assert got.iloc[-1] == pytest.approx(318 / 432)
    by_aid = kaplan_meier(split, min_n=1)
    aid, none = rossi[rossi.fin == 1], rossi[rossi.fin == 0]
    test = logrank_test(aid.week, none.week, aid.arrest, none.arrest)
    assert by_aid.test_statistic == pytest.approx(test.test_statistic)
    assert by_aid.p_value == pytest.approx(test.p_value)
    assert (round(by_aid.test_statistic, 2), round(by_aid.p_value, 3)) == (3.84, 0.05)


def test_the_kept_columns_become_model_inputs_within_the_viewers_scope(imported):
    engine, rossi = imported
    filters = Filters(end_month=date(2026, 9, 1), months=12)
    with engine.connect() as conn:
        everyone = churn.customer_attributes(conn, ADMIN, filters)
        west = churn.customer_attributes(conn, Viewer("w", "analyst", "West"), filters)
        ids = pd.Series(
            conn.execute(select(Customer.id).order_by(Customer.external_id)).scalars().all()
        )
    assert len(everyone) == 432 * 6 and west.empty  # every customer is in East
    inputs = attribute_inputs(everyone, ids)
    # 0/1 columns are numbers too, so each attribute is one input, in the file's row order.
    assert list(inputs.columns) == [
        f"attr:{c}" for c in ("age", "mar", "paro", "prio", "race", "wexp")
    ]
    assert inputs["attr:age"].tolist() == rossi["age"].tolist()
    assert inputs["attr:prio"].tolist() == rossi["prio"].tolist()


ORDER_MAPPING = {
    "Kundennummer": "customer_id",
    "Bestellnummer": "invoice_number",
    "Bestelldatum": "issued_on",
    "Betrag": "amount",
}


def test_churn_on_both_bases_matches_pandas_on_the_order_log(imported):
    """The order log (one order every 30 days while a person stays) through a column
    mapping; the churn over six months counted by the app on each basis equals pandas."""
    engine, _ = imported
    _, customers = rossi_as_customers()
    orders = orders_for(customers)
    report = importer.import_file(
        engine,
        ADMIN,
        "invoices",
        io.BytesIO(orders.to_csv(index=False).encode()),
        "bestellungen.csv",
        mapping=ORDER_MAPPING,
    )
    assert report.ok, report.problems[:3]
    assert report.inserted == len(orders)
    # Apr–Sep 2026: the 318 never rearrested are customers by then, beside those still to go.
    half = Filters(end_month=date(2026, 9, 1), months=6)
    lost = lost_on_activity(customers, orders, 90)
    for basis, expected_lost in (
        ("contract", customers.set_index("Customer Id")["Churn Date"].replace("", None)),
        ("activity", lost),
    ):
        filters = replace(half, churn_basis=basis)
        with engine.connect() as conn:
            monthly = churn.churn_by_split(conn, ADMIN, filters)
        signup = customers.set_index("Customer Id")["Signup Date"]
        churned, active = period_churn(signup, expected_lost.reindex(signup.index), half.start, 6)
        assert (int(monthly["churned"].sum()), int(monthly["active_at_start"].iloc[0])) == (
            churned,
            active,
        ), basis
        assert 0 < churned < active


def test_kept_columns_are_dimensions_to_split_and_break_down_by(imported):
    """Issue 13: an imported attribute with a few values is a dimension like region: the
    churn split and the log-rank test by it equal lifelines on the original rows, and survey
    answers break down by it. Age (28 values) is not offered: one bar per age is noise."""
    engine, rossi = imported
    filters = Filters(end_month=date(2026, 9, 1), months=6)
    with engine.connect() as conn:
        offered = satisfaction.attribute_dimensions(conn, ADMIN)
        west = satisfaction.attribute_dimensions(conn, Viewer("w", "analyst", "West"))
        split = churn.survival_counts(conn, ADMIN, filters, "@wexp", AS_OF)
    assert offered == ("@mar", "@paro", "@prio", "@race", "@wexp") and west == ()
    by_work = kaplan_meier(split, min_n=1)
    worked, never = rossi[rossi.wexp == 1], rossi[rossi.wexp == 0]
    test = logrank_test(worked.week, never.week, worked.arrest, never.arrest)
    assert by_work.test_statistic == pytest.approx(test.test_statistic)
    answers = "customer,response date,touchpoint,nps\n" + "".join(
        f"R-{i:04d},2026-08-0{1 + i % 5},support,{i % 11}\n" for i in range(40)
    )
    report = importer.import_file(engine, ADMIN, "surveys", io.BytesIO(answers.encode()), "s.csv")
    assert report.ok, report.problems[:3]
    with engine.connect() as conn:
        got = satisfaction.survey_breakdown(conn, ADMIN, filters, "@mar").set_index("value")
    married = rossi["mar"].head(40).astype(str).to_numpy()
    nps = pd.Series([i % 11 for i in range(40)])
    for value in ("0", "1"):
        mine = nps[married == value]
        assert got.loc[value, "n_nps"] == len(mine)
        assert got.loc[value, "promoters"] == (mine >= 9).sum()
        assert got.loc[value, "detractors"] == (mine <= 6).sum()
    with pytest.raises(ValueError):
        satisfaction.dimension_column("@a:b")
