"""Data-quality rules: each rule type against hand-counted rows, validation messages,
weighted roll-ups, check runs and the append-only audit log."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, and_, case, delete, event, func, insert, select, update
from sqlalchemy.exc import DBAPIError

from analytics.dq import overall_score, rollup, rule_scores
from data_access import dq_results
from data_access.codes import DQ_DIMENSIONS
from data_access.models import (
    AuditLog,
    Complaint,
    Customer,
    CustomerSourceRecord,
    DqResult,
    DqRule,
    DqRun,
    Invoice,
    SurveyResponse,
)
from quality import rules as dq_rules
from quality import runs as dq_runs
from quality.rule_set import DEFAULT_RULES

pytestmark = pytest.mark.db

REF = datetime(2026, 11, 1, 12, 0)  # freshness cutoff (365 days) = 2025-11-01 12:00


def _customer(id_: int, source: str, **values: Any) -> dict[str, Any]:
    row = dict(
        id=id_, external_id=f"C{id_}", name=f"Customer {id_}", email=None, phone=None,
        region="North", industry="Retail", segment="SMB", tier="normal", channel="Direct",
        lifecycle_stage="maintenance", source_system=source, signup_date=date(2024, 1, 1),
        churn_date=None, contract_type="monthly", credit_score=None, consent=False,
        updated_at=datetime(2026, 10, 1),
    )  # fmt: skip
    return row | values


# Six customers: CRM = 1, 2; ERP = 3, 4, 5; billing = 6. Comments say what each row breaks.
CUSTOMERS = [
    _customer(1, "CRM", email="a@x.com", phone="13800138000", credit_score=700),
    _customer(
        2, "CRM", email="A@X.com",  # duplicate of 1 ignoring case
        phone="+86 139-0013-9000", region="Nowhere", credit_score=900,
        signup_date=date(2024, 2, 1), churn_date=date(2024, 1, 15),  # churn before signup
        updated_at=datetime(2025, 1, 1),  # stale
    ),
    _customer(
        3, "ERP", phone="12345", region="East", signup_date=date(2027, 1, 1),  # future signup
        updated_at=datetime(2026, 11, 1),
    ),
    _customer(
        4, "ERP", email="bad email@x.com", region="West", credit_score=300,
        signup_date=date(2023, 5, 5), churn_date=date(2024, 5, 5),
        updated_at=datetime(2025, 11, 2),
    ),
    _customer(
        5, "ERP", email="b@@x.com", phone="   ", region="South", credit_score=850,
        signup_date=date(2022, 1, 1), churn_date=date(2022, 1, 1),
        updated_at=datetime(2025, 11, 1),  # 12 hours older than the cutoff
    ),
    _customer(
        6, "billing", email="c@y.org", phone="23812345678", region="central", credit_score=299,
        signup_date=date(2026, 11, 1), updated_at=datetime(2026, 11, 1, 13, 0),  # after REF
    ),
]  # fmt: skip


def _invoice(id_: int, customer: int, month: date, amount: float, paid: date | None,
             status: str) -> dict[str, Any]:  # fmt: skip
    return dict(
        id=id_, customer_id=customer, period_month=month, amount=amount,
        due_date=date(month.year, month.month, 28), paid_date=paid,
        paid_amount=amount if paid else 0, status=status,
    )  # fmt: skip


INVOICES = [
    _invoice(1, 1, date(2026, 1, 1), 100, date(2026, 1, 20), "paid"),
    _invoice(2, 1, date(2026, 1, 1), 0, None, "open"),  # same month again; zero amount
    _invoice(3, 3, date(2026, 2, 1), -5, date(2026, 1, 15), "lost"),  # paid before period
    _invoice(4, 6, date(2026, 3, 1), 50.5, date(2026, 3, 1), "paid"),
]

SURVEYS = [
    dict(id=1, customer_id=1, responded_on=date(2026, 5, 1), touchpoint="support",
         nps=10, csat=5, ces=1),
    dict(id=2, customer_id=2, responded_on=date(2026, 5, 2), touchpoint="support",
         nps=11, csat=0, ces=None),
    dict(id=3, customer_id=4, responded_on=date(2026, 5, 3), touchpoint="billing",
         nps=None, csat=3, ces=8),
]  # fmt: skip


def _complaint(id_: int, customer: int, severity: str, opened: datetime,
               resolved: datetime | None) -> dict[str, Any]:  # fmt: skip
    return dict(
        id=id_, customer_id=customer, category="billing", severity=severity, channel="phone",
        opened_at=opened, first_response_at=None, resolved_at=resolved, sla_hours=48,
        first_response_due_at=opened, resolution_due_at=opened, escalated=False,
    )  # fmt: skip


COMPLAINTS = [
    _complaint(1, 1, "high", datetime(2026, 10, 1, 9), datetime(2026, 10, 2, 9)),
    _complaint(2, 3, "urgent", datetime(2026, 10, 5, 10), datetime(2026, 10, 5, 9)),
    _complaint(3, 6, "low", datetime(2026, 10, 10), None),
]

# Other systems' copies: two of customer 1 (ERP and billing), one of customer 2 (ERP).
SOURCE_RECORDS = [
    dict(id=1, customer_id=1, source_system="ERP", name="customer 1", email=" A@x.com",
         phone="138-0013-8000", region="north", updated_at=datetime(2026, 10, 1)),
    dict(id=2, customer_id=1, source_system="billing", name="Customer 1", email="old@x.com",
         phone=None, region="South", updated_at=datetime(2024, 1, 1)),
    dict(id=3, customer_id=2, source_system="ERP", name="Customer 2", email="a@x.com",
         phone="13900139000", region="Nowhere", updated_at=datetime(2026, 10, 1)),
]  # fmt: skip


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    with migrated_engine.begin() as conn:
        for model, rows in [
            (Customer, CUSTOMERS),
            (Invoice, INVOICES),
            (SurveyResponse, SURVEYS),
            (Complaint, COMPLAINTS),
            (CustomerSourceRecord, SOURCE_RECORDS),
        ]:
            conn.execute(insert(model), rows)
    return migrated_engine


def _rule(table: str, column: str | None, rule_type: str, **params: Any) -> dict[str, Any]:
    return {
        "code": f"T_{rule_type.upper()}",
        "table_name": table,
        "column_name": column,
        "dimension": "validity",
        "rule_type": rule_type,
        "params": params,
        "threshold": 0.95,
        "weight": 1.0,
    }


def _eval(engine: Engine, rule: dict[str, Any]) -> dict[str, tuple[int, int]]:
    with engine.connect() as conn:
        return {s: (c, p) for s, c, p in dq_rules.evaluate_rule(conn, rule, REF)}


# --- each rule type against hand counts: {source_system: (checked, passed)} ------------------

HAND_COUNTS = [
    # not_null checks every row; blank text counts as missing (customer 5's phone).
    (_rule("customers", "email", "not_null"), {"CRM": (2, 2), "ERP": (3, 2), "billing": (1, 1)}),
    (_rule("customers", "phone", "not_null"), {"CRM": (2, 2), "ERP": (3, 1), "billing": (1, 1)}),
    # in_set is case-sensitive: "central" and "Nowhere" fail.
    (
        _rule("customers", "region", "in_set", values=["North", "South", "East", "West"]),
        {"CRM": (2, 1), "ERP": (3, 3), "billing": (1, 0)},
    ),
    # range is inclusive: 300 and 850 pass, 299 and 900 fail; NULL is not checked.
    (
        _rule("customers", "credit_score", "range", min=300, max=850),
        {"CRM": (2, 1), "ERP": (2, 2), "billing": (1, 0)},
    ),
    # exclusive minimum: amount 0 and -5 fail.
    (
        _rule("invoices", "amount", "range", min=0, min_exclusive=True),
        {"CRM": (2, 1), "ERP": (1, 0), "billing": (1, 1)},
    ),
    (_rule("survey_responses", "nps", "range", min=0, max=10), {"CRM": (2, 1), "ERP": (0, 0)}),
    # email: a space (4) and two '@' (5) fail.
    (
        _rule("customers", "email", "pattern", kind="email"),
        {"CRM": (2, 2), "ERP": (2, 0), "billing": (1, 1)},
    ),
    # phone: "+86 139-0013-9000" passes; "12345" and "23812345678" fail; blank not checked.
    (
        _rule("customers", "phone", "pattern", kind="phone"),
        {"CRM": (2, 2), "ERP": (1, 0), "billing": (1, 0)},
    ),
    # unique ignoring case: customers 1 and 2 share a@x.com, so both fail.
    (
        _rule("customers", "email", "unique", columns=["email"], case_insensitive=True),
        {"CRM": (2, 0), "ERP": (2, 2), "billing": (1, 1)},
    ),
    (
        _rule("customers", "email", "unique", columns=["email"]),
        {"CRM": (2, 2), "ERP": (2, 2), "billing": (1, 1)},
    ),
    # unique over two columns: invoices 1 and 2 share customer 1 and January.
    (
        _rule("invoices", None, "unique", columns=["customer_id", "period_month"]),
        {"CRM": (2, 0), "ERP": (1, 1), "billing": (1, 1)},
    ),
    # fresh within 365 days of REF: 2025-01-01 and 2025-11-01 00:00 are stale.
    (
        _rule("customers", "updated_at", "fresh_within_days", days=365),
        {"CRM": (2, 1), "ERP": (3, 2), "billing": (1, 1)},
    ),
    (
        _rule("customer_source_records", "updated_at", "fresh_within_days", days=365),
        {"ERP": (2, 2), "billing": (1, 0)},
    ),
    # not_future on a date: REF's own day passes, 2027-01-01 fails.
    (
        _rule("customers", "signup_date", "not_future"),
        {"CRM": (2, 2), "ERP": (3, 2), "billing": (1, 1)},
    ),
    # not_future on a datetime: 13:00 on REF's day is after REF (12:00).
    (
        _rule("customers", "updated_at", "not_future"),
        {"CRM": (2, 2), "ERP": (3, 3), "billing": (1, 0)},
    ),
    # referential: all invoices have a customer …
    (
        _rule("invoices", "customer_id", "referential", ref_table="customers", ref_column="id"),
        {"CRM": (2, 2), "ERP": (1, 1), "billing": (1, 1)},
    ),
    # … but only customers 1 and 2 have a source record (customer 1 has two: counted once).
    (
        _rule(
            "invoices",
            "customer_id",
            "referential",
            ref_table="customer_source_records",
            ref_column="customer_id",
        ),
        {"CRM": (2, 2), "ERP": (1, 0), "billing": (1, 0)},
    ),  # fmt: skip
    # date_order: churn before signup fails (2); same day passes (5); rows without churn skip.
    (
        _rule("customers", "churn_date", "date_order", before="signup_date", after="churn_date"),
        {"CRM": (1, 0), "ERP": (2, 2), "billing": (0, 0)},
    ),
    (
        _rule("invoices", "paid_date", "date_order", before="period_month", after="paid_date"),
        {"CRM": (1, 1), "ERP": (1, 0), "billing": (1, 1)},
    ),
    (
        _rule("complaints", "resolved_at", "date_order", before="opened_at", after="resolved_at"),
        {"CRM": (1, 1), "ERP": (1, 0), "billing": (0, 0)},
    ),
    (
        _rule("complaints", "severity", "in_set", values=["low", "medium", "high", "critical"]),
        {"CRM": (1, 1), "ERP": (1, 0), "billing": (1, 1)},
    ),
    # cross-system match, grouped by the copy's own system.
    (
        _rule("customer_source_records", "email", "cross_system_match", field="email"),
        {"ERP": (2, 2), "billing": (1, 0)},
    ),
    (
        _rule(
            "customer_source_records",
            "email",
            "cross_system_match",
            field="email",
            normalize="exact",
        ),
        {"ERP": (2, 0), "billing": (1, 0)},
    ),  # fmt: skip
    (
        _rule(
            "customer_source_records",
            "phone",
            "cross_system_match",
            field="phone",
            normalize="phone",
        ),
        {"ERP": (2, 2), "billing": (0, 0)},
    ),  # fmt: skip
    (
        _rule("customer_source_records", "region", "cross_system_match", field="region"),
        {"ERP": (2, 2), "billing": (1, 0)},
    ),
]


@pytest.mark.parametrize(("rule", "expected"), HAND_COUNTS, ids=lambda v: str(v)[:60])
def test_rule_counts_match_hand_counts(engine: Engine, rule: dict, expected: dict) -> None:
    assert dq_rules.validate_rule(rule) == []
    assert _eval(engine, rule) == expected


def test_evaluate_rule_is_one_query(engine: Engine) -> None:
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    _eval(engine, _rule("customers", "email", "unique", columns=["email"], case_insensitive=True))
    assert len(statements) == 1
    assert "GROUP BY" in statements[0].upper()


EMAILS = {
    "a@x.com": True,
    "first.last@mail.example.cn": True,
    "A_B@x.co": True,
    "ax.com": False,  # no @
    "a@@x.com": False,
    "a@x@y.com": False,
    "a@x": False,  # no dot after @
    "a@.com": False,
    "a@x.": False,
    "@x.com": False,
    "a b@x.com": False,
    "a@x.com ": False,
}
PHONES = {
    "13800138000": True,
    "+86 138 0013 8000": True,
    "+86-138-0013-8000": True,
    "138-0013-8000": True,
    "1380013800": False,  # 10 digits
    "138001380001": False,  # 12 digits
    "23800138000": False,  # does not start with 1
    "1380013800a": False,
    "+1 138 0013 8000": False,
    "(138)00138000": False,
    " 13800138000 ": True,  # surrounding spaces are ignored
    "-138-0013-8000-": True,
    "+8613800138000": True,
    "+86+8613800138000": False,  # one +86 is stripped, not two
    "+86 23800138000": False,
    "+86": False,
    "\uff113800138000": False,  # a full-width 1 is not a digit here
}


@pytest.mark.parametrize(("column", "cases"), [("email", EMAILS), ("phone", PHONES)])
def test_pattern_cases(migrated_engine: Engine, column: str, cases: dict[str, bool]) -> None:
    rule = _rule("customers", column, "pattern", kind=column)
    with migrated_engine.begin() as conn:
        conn.execute(insert(Customer), [_customer(1, "CRM")])
        for value, ok in cases.items():
            conn.execute(update(Customer).values({column: value}))
            assert dq_rules.evaluate_rule(conn, rule, REF) == [("CRM", 1, int(ok))], value


# Phone numbers as the master holds them and as another system does: equal once spaces,
# dashes and one leading +86 are removed.
PHONE_MATCHES = {
    ("13800138000", "13800138000"): True,
    ("+86 138-0013-8000", "13800138000"): True,
    ("13800138000", "+8613800138000"): True,
    ("+8613800138000", "+86 13800138000"): True,
    ("13800138001", "13800138000"): False,
    ("+86+8613800138000", "+8613800138000"): False,
    ("+86+8613800138000", "13800138000"): False,
    ("8613800138000", "13800138000"): False,  # no +: not a prefix
}


def test_phone_match_cases(migrated_engine: Engine) -> None:
    rule = _rule(
        "customer_source_records", "phone", "cross_system_match", field="phone", normalize="phone"
    )
    copy = dict(SOURCE_RECORDS[0], source_system="ERP")
    with migrated_engine.begin() as conn:
        conn.execute(insert(Customer), [_customer(1, "CRM")])
        conn.execute(insert(CustomerSourceRecord), [copy])
        for (master, other), same in PHONE_MATCHES.items():
            conn.execute(update(Customer).values(phone=master))
            conn.execute(update(CustomerSourceRecord).values(phone=other))
            assert dq_rules.evaluate_rule(conn, rule, REF) == [("ERP", 1, int(same))], other


# --- validation ------------------------------------------------------------------------------


def test_default_rules_are_valid_and_cover_every_table_and_dimension() -> None:
    assert [
        (r["code"], dq_rules.validate_rule(r)) for r in DEFAULT_RULES if dq_rules.validate_rule(r)
    ] == []
    codes = [r["code"] for r in DEFAULT_RULES]
    assert len(codes) == len(set(codes))
    assert {r["dimension"] for r in DEFAULT_RULES} == set(DQ_DIMENSIONS)
    assert {r["table_name"] for r in DEFAULT_RULES} == {
        "customers", "invoices", "survey_responses", "complaints", "customer_source_records",
    }  # fmt: skip
    assert {r["rule_type"] for r in DEFAULT_RULES} == set(dq_rules.RULE_TYPES)
    assert all(r["description"] and "select" not in r["description"].lower() for r in DEFAULT_RULES)


def test_default_rules_run_on_the_sample(engine: Engine) -> None:
    with engine.connect() as conn:
        for rule in DEFAULT_RULES:
            for _source, checked, passed in dq_rules.evaluate_rule(conn, rule, REF):
                assert 0 <= passed <= checked


def _messages(**changes: Any) -> list[str]:
    rule = _rule("customers", "email", "not_null") | {"code": "X_OK"} | changes
    return dq_rules.validate_rule(rule)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"table_name": "payroll"}, "table_name: unknown table 'payroll'"),
        ({"column_name": "emial"}, "column_name: unknown column 'emial' in table 'customers'"),
        ({"column_name": "email; drop table customers"}, "column_name: unknown column"),
        ({"dimension": "freshness"}, "dimension: unknown dimension 'freshness'"),
        ({"rule_type": "regex"}, "rule_type: unknown rule type 'regex'"),
        ({"threshold": 1.5}, "threshold: must be a number between 0 and 1, got 1.5"),
        ({"threshold": "high"}, "threshold: must be a number between 0 and 1"),
        ({"weight": 0}, "weight: must be a number greater than 0, got 0"),
        ({"code": ""}, "code: must be 1–40 characters"),
        ({"params": "{not json"}, "params: "),
        ({"params": {"vaules": [1]}}, "params.vaules: unknown parameter for not_null"),
        ({"rule_type": "in_set", "params": {"values": []}}, "params.values: must be a non-empty"),
        ({"rule_type": "range", "params": {}}, "params: range needs 'min', 'max' or both"),
        (
            {"rule_type": "range", "column_name": "credit_score", "params": {"min": 9, "max": 1}},
            "params.min: 9 is greater than params.max 1",
        ),
        ({"rule_type": "range", "params": {"min": 0}}, "column_name: range needs a numeric"),
        ({"rule_type": "pattern", "params": {"kind": "url"}}, "params.kind: must be one of"),
        (
            {"rule_type": "unique", "params": {"columns": ["email", "nope"]}},
            "params.columns: unknown column 'nope'",
        ),
        (
            {"rule_type": "fresh_within_days", "column_name": "updated_at", "params": {"days": -1}},
            "params.days: must be a whole number of days above 0, got -1",
        ),
        (
            {"rule_type": "not_future", "column_name": "email"},
            "column_name: not_future needs a date column",
        ),
        (
            {"rule_type": "referential", "params": {"ref_table": "users", "ref_column": "id"}},
            "params.ref_table: unknown table 'users'",
        ),
        (
            {"rule_type": "cross_system_match", "params": {"field": "email"}},
            "table_name: cross_system_match applies to 'customer_source_records'",
        ),
        (
            {
                "rule_type": "date_order",
                "column_name": None,
                "params": {"before": "signup_date", "after": "updated_at"},
            },
            "params.after: must be of the same type (date/datetime) as before",
        ),
    ],
)
def test_validate_rule_names_the_bad_field(changes: dict, expected: str) -> None:
    messages = _messages(**changes)
    assert any(m.startswith(expected) for m in messages), messages


def test_evaluate_rule_refuses_an_invalid_rule(engine: Engine) -> None:
    rule = _rule("customers", "email) or 1=1 --", "not_null")
    with engine.connect() as conn, pytest.raises(ValueError, match="column_name"):
        dq_rules.evaluate_rule(conn, rule, REF)


# --- scores and roll-ups ---------------------------------------------------------------------


def _results() -> pd.DataFrame:
    cols = ["rule_id", "code", "table_name", "dimension", "weight", "threshold",
            "source_system", "checked", "passed"]  # fmt: skip
    rows = [
        (1, "R1", "customers", "validity", 2.0, 0.8, "CRM", 10, 9),
        (1, "R1", "customers", "validity", 2.0, 0.8, "ERP", 10, 5),
        (2, "R2", "customers", "completeness", 1.0, 0.95, "CRM", 4, 4),
        (2, "R2", "customers", "completeness", 1.0, 0.95, "ERP", 0, 0),
        (3, "R3", "complaints", "completeness", 1.0, 0.95, "CRM", 0, 0),
    ]
    return pd.DataFrame(rows, columns=cols)


def test_rule_scores() -> None:
    scores = rule_scores(_results()).set_index("code")
    assert scores.loc["R1", "score"] == pytest.approx(14 / 20)  # (9 + 5) / (10 + 10)
    assert scores.loc["R2", "score"] == pytest.approx(4 / 4)
    assert math.isnan(scores.loc["R3", "score"])  # nothing checked
    assert scores.loc["R1", "checked"] == 20
    assert not scores.loc["R1", "meets_threshold"]  # 0.7 < 0.8
    assert scores.loc["R2", "meets_threshold"]
    assert pd.isna(scores.loc["R3", "meets_threshold"])


def test_overall_score_is_weighted_by_rule() -> None:
    # R1 = 0.7 (weight 2), R2 = 1.0 (weight 1), R3 checked nothing → left out.
    assert overall_score(_results()) == pytest.approx((2 * 0.7 + 1 * 1.0) / (2 + 1))  # 0.8


def test_rollup_by_source_system_scores_each_rule_within_the_system() -> None:
    out = rollup(_results(), ["source_system"]).set_index("source_system")
    # CRM: R1 = 9/10 = 0.9, R2 = 4/4 = 1.0 → (2·0.9 + 1·1.0) / 3 = 2.8 / 3
    assert out.loc["CRM", "score"] == pytest.approx(2.8 / 3)
    assert out.loc["CRM", "rules"] == 2
    # ERP: R1 = 5/10 = 0.5; R2 checked nothing → (2·0.5) / 2 = 0.5
    assert out.loc["ERP", "score"] == pytest.approx(0.5)
    assert out.loc["ERP", "rules"] == 1
    assert out.loc["ERP", "checked"] == 10


def test_rollup_by_table_and_dimension() -> None:
    by_table = rollup(_results(), ["table_name"]).set_index("table_name")
    assert by_table.loc["customers", "score"] == pytest.approx(0.8)  # as overall
    assert math.isnan(by_table.loc["complaints", "score"])  # only R3, which checked nothing
    by_dim = rollup(_results(), ["dimension"]).set_index("dimension")
    assert by_dim.loc["validity", "score"] == pytest.approx(0.7)
    assert by_dim.loc["completeness", "score"] == pytest.approx(1.0)  # R2 only


def test_scores_of_nothing() -> None:
    assert overall_score(_results().iloc[0:0]) is None
    assert overall_score(_results().assign(checked=0, passed=0)) is None
    assert rollup(_results().iloc[0:0], ["source_system"]).empty


# --- seeding, runs and audit -----------------------------------------------------------------


def test_seed_rules_is_idempotent(migrated_engine: Engine) -> None:
    with migrated_engine.begin() as conn:
        assert dq_runs.seed_rules(conn) == len(DEFAULT_RULES)
        assert dq_runs.seed_rules(conn) == 0
        stored = conn.execute(
            select(DqRule.params).where(DqRule.code == "CUS_CREDIT_SCORE_RANGE")
        ).scalar_one()
    assert json.loads(stored) == {"min": 300, "max": 850}


def test_run_checks_stores_results_and_one_audit_row(engine: Engine) -> None:
    with engine.begin() as conn:
        dq_runs.seed_rules(conn)
        conn.execute(update(DqRule).where(DqRule.code == "CUS_NAME_NOT_NULL").values(active=False))
        bad = _rule("customers", "no_such_column", "not_null") | {"code": "BROKEN", "params": "{}"}
        conn.execute(insert(DqRule).values(bad))

    run_id = dq_runs.run_checks(engine, "analyst1", REF)

    with engine.connect() as conn:
        results = dq_results.run_results(conn, run_id)
        run = conn.execute(select(DqRun).where(DqRun.id == run_id)).one()
        audits = conn.execute(select(AuditLog)).all()
        # Stored results equal a fresh evaluation of the same rule.
        rule = conn.execute(select(DqRule).where(DqRule.code == "CUS_EMAIL_FORMAT")).one()
        expected = dq_rules.evaluate_rule(conn, dict(rule._mapping), REF)
    assert list(results.columns) == dq_results.RESULT_COLUMNS
    got = results[results.code == "CUS_EMAIL_FORMAT"]
    assert list(got[["source_system", "checked", "passed"]].itertuples(index=False)) == expected
    assert expected == [("CRM", 2, 2), ("ERP", 2, 0), ("billing", 1, 1)]
    assert "CUS_NAME_NOT_NULL" not in set(results.code)  # inactive
    assert "BROKEN" not in set(results.code)  # invalid, skipped
    assert results.code.nunique() == len(DEFAULT_RULES) - 1
    assert run.finished_at is not None and run.triggered_by == "analyst1"

    assert len(audits) == 1
    audit = audits[0]
    assert (audit.username, audit.action, audit.object_type) == ("analyst1", "dq_run", "dq_run")
    assert audit.object_id == str(run_id)
    detail = json.loads(audit.detail)
    assert detail["skipped"] == ["BROKEN"]
    assert detail["results"] == len(results)
    assert detail["reference_time"].startswith("2026-11-01T12:00")


def test_latest_run_ids_newest_first(engine: Engine) -> None:
    with engine.begin() as conn:
        dq_runs.seed_rules(conn)
    first = dq_runs.run_checks(engine, "analyst1", REF)
    second = dq_runs.run_checks(engine, "analyst1", REF)
    third = dq_runs.run_checks(engine, "analyst1", date(2026, 11, 1))  # a bare date: end of day
    with engine.connect() as conn:
        assert dq_results.latest_run_ids(conn) == [third, second]
        assert dq_results.latest_run_ids(conn, n=3) == [third, second, first]
        # The same data scored twice gives the same counts.
        a, b = dq_results.run_results(conn, first), dq_results.run_results(conn, second)
        all_region = select(func.count()).select_from(DqResult).where(DqResult.region.is_(None))
        assert conn.execute(all_region).scalar_one() == 3 * len(a)
        detail = conn.execute(select(AuditLog.detail).order_by(AuditLog.id.desc())).first()[0]
    assert a.equals(b)
    assert json.loads(detail)["reference_time"] == "2026-11-01T23:59:59.999999"


def test_audit_log_refuses_update_and_delete(engine: Engine) -> None:
    dq_runs.run_checks(engine, "analyst1", REF)
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(update(AuditLog).values(action="tampered"))
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(delete(AuditLog))
    with engine.connect() as conn:
        assert conn.execute(select(AuditLog.action)).scalars().all() == ["dq_run"]


def test_unique_per_month_leaves_out_invoices_with_their_own_number(engine: Engine) -> None:
    """Issue 13, by hand: invoices 1 and 2 share customer 1 and January (both fail the plain
    rule). Once invoice 2 carries its own number it is a transaction, not a duplicate: with
    `unless_present` only invoice 1 is checked in CRM, and it passes."""
    with engine.begin() as conn:
        conn.execute(update(Invoice).where(Invoice.id == 2).values(invoice_number="INV-2"))
    plain = _rule("invoices", None, "unique", columns=["customer_id", "period_month"])
    exempt = {**plain, "params": {**plain["params"], "unless_present": "invoice_number"}}
    assert dq_rules.validate_rule(exempt) == []
    assert _eval(engine, plain)["CRM"] == (2, 0)
    assert _eval(engine, exempt) == {"CRM": (1, 1), "ERP": (1, 1), "billing": (1, 1)}
    broken = {**plain, "params": {**plain["params"], "unless_present": "nope"}}
    assert "params.unless_present: unknown column 'nope'" in dq_rules.validate_rule(broken)[0]


# --- rules counted together ------------------------------------------------------------------

# Beyond the default rules: the other paths of each rule type.
EXTRA_RULES = [
    _rule(
        "invoices", None, "unique", columns=["customer_id", "period_month"],
        unless_present="invoice_number",
    ),
    _rule("invoices", None, "unique", columns=["customer_id", "period_month"]),
    _rule(
        "invoices", "customer_id", "referential", ref_table="customer_source_records",
        ref_column="customer_id",
    ),
    _rule(
        "customer_source_records", "customer_id", "referential", ref_table="customers",
        ref_column="id",
    ),
    _rule("customers", "email", "unique", columns=["email"]),
    _rule("customer_source_records", "phone", "cross_system_match", field="phone",
          normalize="exact"),
    _rule("survey_responses", "ces", "not_null"),
]  # fmt: skip

# Rows whose customer (99) does not exist: the foreign keys forbid them, but a check run
# reports them (as "unlinked") all the same. Invoice 12 breaks nothing but that.
WITHOUT_CUSTOMER = [
    (Invoice, [
        _invoice(10, 99, date(2026, 1, 1), 10, None, "open") | {"invoice_number": "N-10"},
        _invoice(11, 99, date(2026, 1, 1), -1, date(2025, 12, 1), "lost")
        | {"invoice_number": None},
        _invoice(12, 99, date(2026, 3, 1), 10, date(2026, 3, 5), "paid")
        | {"invoice_number": None},
        _invoice(13, 6, date(2026, 3, 1), 20, None, "open") | {"invoice_number": "N-13"},
    ]),
    (SurveyResponse, [
        dict(id=10, customer_id=99, responded_on=date(2026, 1, 3), touchpoint="billing",
             nps=7, csat=4, ces=2),
    ]),
    (Complaint, [_complaint(10, 99, "low", datetime(2026, 1, 4), datetime(2026, 1, 5))]),
    (CustomerSourceRecord, [
        dict(id=10, customer_id=99, source_system="support", name="Nobody", email="n@x.com",
             phone="13800138000", region="North", updated_at=datetime(2026, 1, 1)),
    ]),
]  # fmt: skip


def _add_rows_without_a_customer(engine: Engine) -> None:
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # ignored inside a transaction
        else:
            conn.exec_driver_sql("SET session_replication_role = replica")  # no FK triggers
        for model, rows in WITHOUT_CUSTOMER:
            conn.execute(insert(model), rows)
        conn.commit()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        else:
            conn.exec_driver_sql("SET session_replication_role = DEFAULT")


def _counted_alone(
    conn: Any, rule: dict[str, Any], moment: datetime, as_at: bool
) -> list[tuple[str, int, int]]:
    """The rule counted the plain way, by a query of its own that takes every row of the
    table through two sums: what rules counted together must equal."""
    table = dq_rules.CHECKED_TABLES[rule["table_name"]]
    base, group = dq_rules._scoped_base(table)
    joins, applies, passes = dq_rules._terms(table, rule, dq_rules.rule_params(rule), moment)
    if as_at:
        more, existed = dq_rules._existed_at(table, moment)
        joins, applies = joins + more, and_(applies, existed)
        if rule["rule_type"] == "not_future":
            applies = and_(applies, passes)
    stmt = (
        select(
            group,
            func.sum(case((applies, 1), else_=0)),
            func.sum(case((and_(applies, passes), 1), else_=0)),
        )
        .select_from(dq_rules._joined(base, joins))
        .group_by(group)
        .order_by(group)
    )
    return [(s or dq_rules.UNLINKED, int(c or 0), int(p or 0)) for s, c, p in conn.execute(stmt)]


@pytest.mark.parametrize("as_at", [False, True], ids=["now", "as_at"])
def test_rules_counted_together_equal_each_rule_counted_alone(engine: Engine, as_at: bool) -> None:
    _add_rows_without_a_customer(engine)
    rules = [*DEFAULT_RULES, *EXTRA_RULES]
    moment = datetime(2026, 2, 15) if as_at else REF  # as at: invoice 12 did not exist yet
    with engine.connect() as conn:
        together = dq_rules.evaluate_rules(conn, rules, moment, as_at)
        alone = [dq_rules.evaluate_rule(conn, rule, moment, as_at) for rule in rules]
        plain = [_counted_alone(conn, rule, moment, as_at) for rule in rules]
    assert together == alone
    assert together == plain
    by_code = {r["code"]: counts for r, counts in zip(rules, together, strict=True)}
    unlinked = dq_rules.UNLINKED
    # The rows without a customer are counted, and fail the rule that their customer exists.
    exists = (unlinked, 2, 0) if as_at else (unlinked, 3, 0)
    assert exists in by_code["INV_CUSTOMER_EXISTS"]
    assert (unlinked, 1, 0) in by_code["SUR_CUSTOMER_EXISTS"]
    # Invoices 1 and 2 share January; 10 and 11 share it too, unless 10 is exempt (numbered).
    assert ("CRM", 2, 0) in by_code["INV_UNIQUE_PER_MONTH"]
    exempt, plain_unique = together[len(DEFAULT_RULES)], together[len(DEFAULT_RULES) + 1]
    assert (unlinked, 1, 1) in exempt if as_at else (unlinked, 2, 2) in exempt
    assert (unlinked, 2, 0) in plain_unique if as_at else (unlinked, 3, 1) in plain_unique


def test_a_run_reads_each_table_once(engine: Engine) -> None:
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with engine.connect() as conn:
        dq_rules.evaluate_rules(conn, DEFAULT_RULES, REF)
    tables = {r["table_name"] for r in DEFAULT_RULES}
    # A query per table, and for a table linked to its customers one counting its rows per
    # source system from the indexes; a unique rule with an indexed key (invoices per month)
    # counts its duplicates apart.
    linked = tables - {"customers", "customer_source_records"}
    assert len(statements) == len(tables) + len(linked) + 1
