"""Data-quality rules follow the organisation's schema: a rule whose field is never filled is
"not applicable" (left out of every score, not 0%), completeness is scored only for the fields
an administrator marks required, and timeliness measures the source's own last change when the
import carries it. Hand-counted on a real (SQLite or PostgreSQL) database."""

from __future__ import annotations

import io
import json
import math
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, insert, select

import importer
from analytics.dq import NEVER_FILLED, NOTHING_CHECKED, overall_score, rollup, rule_scores
from data_access import audit, dq_results
from data_access.models import AuditLog, Customer
from data_access.security import Viewer
from quality import required as dq_required
from quality import rules as dq_rules
from quality import runs as dq_runs
from quality.rule_set import DEFAULT_RULES

pytestmark = pytest.mark.db

REF = datetime(2026, 11, 1, 12, 0)
ADMIN = Viewer("admin", "admin")
EAST_ADMIN = Viewer("east_admin", "admin", "East")
ANALYST = Viewer("analyst", "analyst")


def _customer(id_: int, source: str, **values: Any) -> dict[str, Any]:
    row = dict(
        id=id_, external_id=f"C{id_}", name=f"Customer {id_}", email=None, phone=None,
        company=None, region="North", industry="", segment="SMB", tier="normal",
        channel="Direct", lifecycle_stage="maintenance", source_system=source,
        signup_date=date(2024, 1, 1), contract_type="", consent=False,
        updated_at=datetime(2026, 10, 1),
    )  # fmt: skip
    return row | values


# A retailer: nobody fills industry or contract_type (stored blank, which counts as missing).
# Emails: 3 of 4 filled (CRM 2 of 2, ERP 1 of 2), 2 of those 3 well-formed. Company: 1 of 4.
CUSTOMERS = [
    _customer(1, "CRM", email="a@x.com", company="Ruida"),
    _customer(2, "CRM", email="b@x.com", industry="   "),
    _customer(3, "ERP", email="not an email"),
    _customer(4, "ERP"),
]


def _rule(code: str, column: str, rule_type: str, weight: float, **params: Any) -> dict:
    dimension = "completeness" if rule_type == "not_null" else "validity"
    return {
        "code": code, "table_name": "customers", "column_name": column, "dimension": dimension,
        "rule_type": rule_type, "params": params, "threshold": 0.9, "weight": weight,
        "description": code,
    }  # fmt: skip


RULES = [
    _rule("R_NAME", "name", "not_null", 1.0),  # 4/4 = 1.0
    _rule("R_EMAIL", "email", "not_null", 2.0),  # 3/4 = 0.75
    _rule("R_EMAIL_FORMAT", "email", "pattern", 1.0, kind="email"),  # 2/3
    _rule("R_INDUSTRY", "industry", "not_null", 1.0),  # never filled: not applicable
    _rule("R_CONTRACT", "contract_type", "in_set", 1.0, values=["monthly"]),  # nothing checked
    _rule("R_COMPANY", "company", "not_null", 1.0),  # 1/4, but company is not required
]
# R_NAME, R_EMAIL, R_EMAIL_FORMAT: what is left once the never-filled fields are set aside.
EXPECTED_OVERALL = (1 * 1.0 + 2 * 0.75 + 1 * (2 / 3)) / (1 + 2 + 1)  # 0.7917


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    with migrated_engine.begin() as conn:
        conn.execute(insert(Customer), CUSTOMERS)
        dq_runs.seed_rules(conn, RULES)
    # The organisation requires name, email and industry (an admin's marks, not the default).
    marks = {"customers": ["email", "industry", "name"]}
    with migrated_engine.connect() as conn:
        opened = dq_required.required_fields(conn)
    dq_required.save_required_fields(migrated_engine, ADMIN, marks, opened)
    return migrated_engine


def _latest(engine: Engine, run_id: int) -> pd.DataFrame:
    with engine.connect() as conn:
        return dq_results.run_results(conn, run_id)


def test_a_never_filled_field_is_not_applicable_and_left_out_of_every_score(engine):
    results = _latest(engine, dq_runs.run_checks(engine, "analyst", REF))
    scores = rule_scores(results).set_index("code")
    assert not scores.loc["R_INDUSTRY", "applicable"]
    assert scores.loc["R_INDUSTRY", "na_reason"] == NEVER_FILLED
    assert scores.loc["R_INDUSTRY", "checked"] == 4  # every row was looked at: none had one
    assert math.isnan(scores.loc["R_INDUSTRY", "score"])  # not 0%
    assert pd.isna(scores.loc["R_INDUSTRY", "meets_threshold"])
    # A validity rule on a never-filled field: not applicable either (not 100%).
    assert not scores.loc["R_CONTRACT", "applicable"]
    assert scores.loc["R_CONTRACT", "na_reason"] == NOTHING_CHECKED
    assert math.isnan(scores.loc["R_CONTRACT", "score"])
    assert scores.loc["R_EMAIL", "applicable"] and scores.loc["R_EMAIL", "score"] == 0.75

    assert overall_score(results) == pytest.approx(EXPECTED_OVERALL)
    by_table = rollup(results, ["table_name"]).set_index("table_name")
    assert by_table.loc["customers", "score"] == pytest.approx(EXPECTED_OVERALL)
    assert by_table.loc["customers", "rules"] == 3
    by_dim = rollup(results, ["dimension"]).set_index("dimension")
    assert by_dim.loc["completeness", "score"] == pytest.approx((1 * 1.0 + 2 * 0.75) / 3)
    assert by_dim.loc["validity", "score"] == pytest.approx(2 / 3)  # R_CONTRACT left out
    # Applicability is judged over every system: ERP fills half its emails and scores that.
    by_source = rollup(results, ["source_system"]).set_index("source_system")
    assert by_source.loc["ERP", "rules"] == 3  # name, email, email format; not industry
    assert by_source.loc["ERP", "score"] == pytest.approx((1 * 1.0 + 2 * 0.5 + 1 * 0.0) / 4)


def test_a_field_filled_later_is_scored_again_in_that_run_only() -> None:
    cols = ["run_id", "rule_id", "rule_type", "weight", "source_system", "checked", "passed"]
    history = pd.DataFrame(
        [
            (1, 1, "not_null", 1.0, "CRM", 10, 10),
            (1, 2, "not_null", 1.0, "CRM", 10, 0),  # run 1: field 2 never filled
            (2, 1, "not_null", 1.0, "CRM", 10, 10),
            (2, 2, "not_null", 1.0, "CRM", 10, 5),  # run 2: half filled
        ],
        columns=cols,
    )
    per_run = rollup(history, ["run_id"]).set_index("run_id")["score"]
    assert per_run.to_dict() == pytest.approx({1: 1.0, 2: 0.75})


def test_an_unmarked_field_is_not_scored_and_marking_it_makes_it_scored(engine):
    first = dq_runs.run_checks(engine, "analyst", REF)
    assert "R_COMPANY" not in set(_latest(engine, first)["code"])  # active, but not required
    with engine.connect() as conn:
        detail = json.loads(
            conn.execute(select(AuditLog.detail).where(AuditLog.action == "dq_run")).scalar()
        )
    assert detail["not_required"] == ["R_COMPANY"]

    with engine.connect() as conn:
        opened = dq_required.required_fields(conn)
    touched = dq_required.save_required_fields(
        engine, ADMIN, {"customers": [*opened["customers"], "company", "position"]}, opened
    )
    # company had a rule; position gets one of its own, so the mark always leads to a score.
    assert touched == ["CUS_POSITION_NOT_NULL"]
    results = _latest(engine, dq_runs.run_checks(engine, "analyst", REF))
    scores = rule_scores(results).set_index("code")
    assert scores.loc["R_COMPANY", "score"] == 0.25
    assert not scores.loc["CUS_POSITION_NOT_NULL", "applicable"]  # nobody fills position
    # R_COMPANY (weight 1) now counts: (1·1 + 2·0.75 + 1·2/3 + 1·0.25) / 5
    assert overall_score(results) == pytest.approx((1 + 1.5 + 2 / 3 + 0.25) / 5)

    # Unmarked again: the rule stays (with its threshold) but is no longer evaluated.
    with engine.connect() as conn:
        opened = dq_required.required_fields(conn)
    dq_required.save_required_fields(
        engine, ADMIN, {"customers": ["email", "industry", "name"]}, opened
    )
    results = _latest(engine, dq_runs.run_checks(engine, "analyst", REF))
    assert not {"R_COMPANY", "CUS_POSITION_NOT_NULL"} & set(results["code"])
    assert overall_score(results) == pytest.approx(EXPECTED_OVERALL)


def test_only_an_unscoped_admin_marks_fields_and_a_stale_form_is_refused(engine):
    with engine.connect() as conn:
        opened = dq_required.required_fields(conn)
    marks = {"customers": [*opened["customers"], "company"]}
    for viewer in (ANALYST, EAST_ADMIN, Viewer("exec", "executive")):
        with pytest.raises(PermissionError):
            dq_required.save_required_fields(engine, viewer, marks, opened)
    with pytest.raises(ValueError, match="customers.nope: unknown field"):
        dq_required.save_required_fields(engine, ADMIN, {"customers": ["nope"]}, opened)
    dq_required.save_required_fields(engine, ADMIN, marks, opened)
    # A second admin with the form opened before that save: refused, nothing written.
    with pytest.raises(dq_required.StaleRequiredFieldsError):
        dq_required.save_required_fields(engine, ADMIN, {"customers": ["name"]}, opened)
    with engine.connect() as conn:
        assert dq_required.required_fields(conn)["customers"] == sorted(marks["customers"])
        actions = [row.action for row in audit.recent(conn)]
    assert actions.count("dq_required_fields") == 2  # the fixture's save and this one


def test_the_default_marks_are_the_default_completeness_rules(migrated_engine):
    with migrated_engine.connect() as conn:
        marks = dq_required.required_fields(conn)
    expected: dict[str, set[str]] = {}
    for rule in DEFAULT_RULES:
        if rule["rule_type"] == "not_null":
            expected.setdefault(rule["table_name"], set()).add(rule["column_name"])
    assert {t: set(f) for t, f in marks.items()} == expected
    assert marks["customers"] == ["credit_score", "email", "name", "phone"]


# --- timeliness measures the source's own last change -----------------------------------------

HEADER = (
    "external_id,name,region,industry,segment,tier,channel,lifecycle_stage,source_system,"
    "signup_date,contract_type"
)


def _row(external_id: str, source: str) -> str:
    return (
        f"{external_id},Li Na,East,Retail,SMB,normal,Direct,maintenance,{source},2024-01-01,annual"
    )


def _import(engine: Engine, text: str, mode: str = "append") -> None:
    report = importer.import_file(
        engine, ANALYST, "customers", io.BytesIO(text.encode()), "c.csv", mode, today=date.today()
    )
    assert report.ok, report.problems


def test_an_imported_updated_at_is_kept_and_timeliness_measures_it(migrated_engine):
    stale = datetime.now().replace(microsecond=0, second=0) - timedelta(days=400)
    # ERP sends its own last-change time; the CRM file has none (the import time is used).
    _import(migrated_engine, f"{HEADER},updated_at\n{_row('E-1', 'ERP')},{stale:%Y-%m-%d %H:%M}\n")
    _import(migrated_engine, f"{HEADER}\n{_row('C-1', 'CRM')}\n")
    fresh = next(r for r in DEFAULT_RULES if r["code"] == "CUS_UPDATED_FRESH")
    with migrated_engine.connect() as conn:
        stored = dict(conn.execute(select(Customer.external_id, Customer.updated_at)).all())
        counts = dq_rules.evaluate_rule(conn, fresh, datetime.now())
    assert stored["E-1"] == stale
    assert stored["C-1"] > datetime.now() - timedelta(minutes=5)
    assert counts == [("CRM", 1, 1), ("ERP", 1, 0)]  # (checked, passed): ERP's row is stale

    # An empty cell, or an upsert without the column, is the import time as before.
    _import(migrated_engine, f"{HEADER},updated_at\n{_row('E-1', 'ERP')},\n", mode="upsert")
    with migrated_engine.connect() as conn:
        assert dq_rules.evaluate_rule(conn, fresh, datetime.now()) == [("CRM", 1, 1), ("ERP", 1, 1)]


def test_updated_at_has_its_usual_spellings_and_may_not_be_in_the_future(migrated_engine):
    column = importer.FORMATS["customers"].column("updated_at")
    assert column.kind == "datetime" and not column.required and "last modified" in column.aliases
    future = (date.today() + timedelta(days=2)).isoformat()
    report = importer.import_file(
        migrated_engine,
        ANALYST,
        "customers",
        io.BytesIO(f"{HEADER},updated_at\n{_row('E-2', 'ERP')},{future} 10:00\n".encode()),
        "c.csv",
        today=date.today(),
    )
    assert not report.ok and report.problems[0].column == "updated_at"
    assert report.problems[0].reason == "in the future"
    with migrated_engine.connect() as conn:
        assert conn.execute(select(Customer)).first() is None  # nothing written
