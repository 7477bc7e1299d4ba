"""Data-quality drill-down and administration: failing rows agree with the rule counts, scope
and masking hold, rule edits validate, refuse stale saves and are audited, the history runs
are honest, and the duplicate finder's precision and recall on a labelled set."""

from datetime import datetime

import pytest
from sqlalchemy import select

from analytics.dq import rollup
from data_access import audit, dq_results
from data_access.models import DqRule
from data_access.security import Viewer
from quality import records as dq_records
from quality import rules as dq_rules

ANALYST = Viewer("analyst", "analyst")
RISK = Viewer("risk", "risk_manager")
EAST = Viewer("risk_east", "risk_manager", "East")
EXEC = Viewer("exec", "executive")
NOW = datetime(2026, 11, 1)


def _rule(conn, code: str) -> dict:
    rules = dq_results.all_rules(conn)
    return rules[rules["code"] == code].iloc[0].to_dict()


@pytest.mark.db
@pytest.mark.parametrize(
    "code", ["CUS_EMAIL_FORMAT", "CUS_EMAIL_NOT_NULL", "CUS_EMAIL_UNIQUE", "SRC_PHONE_MATCH"]
)
def test_failing_rows_agree_with_the_rule_counts(seeded_engine, code):
    with seeded_engine.connect() as conn:
        rule = _rule(conn, code)
        counts = dq_rules.evaluate_rule(conn, rule, NOW)
        rows, total = dq_records.failing_rows(conn, ANALYST, rule, NOW)
    failed = sum(checked - passed for _s, checked, passed in counts)
    assert total == failed > 0
    assert len(rows) == min(total, dq_records.PAGE_SIZE)
    assert rows["row_id"].is_monotonic_increasing


@pytest.mark.db
def test_failing_rows_are_scoped_masked_and_paginated(seeded_engine):
    with seeded_engine.connect() as conn:
        rule = _rule(conn, "CUS_EMAIL_NOT_NULL")
        _, everyone = dq_records.failing_rows(conn, ANALYST, rule, NOW)
        east, east_total = dq_records.failing_rows(conn, EAST, rule, NOW)
        clear, _ = dq_records.failing_rows(conn, ANALYST, rule, NOW)
        second, _ = dq_records.failing_rows(conn, ANALYST, rule, NOW, page=1)
    assert 0 < east_total < everyone
    assert set(east["region"]) == {"East"}
    assert east["customer"].str.contains(r"\*").all()
    assert not clear["customer"].str.contains(r"\*").any()
    assert second["row_id"].min() > clear["row_id"].max()


@pytest.mark.db
def test_seeded_history_is_honest_and_the_stale_source_stands_out(seeded_engine):
    with seeded_engine.connect() as conn:
        history = dq_results.history(conn)
    assert history["run_id"].nunique() == 6
    by_source = rollup(history, ["run_id", "source_system"]).pivot(
        index="run_id", columns="source_system", values="score"
    )
    # ERP (stale, incomplete, duplicated) is the worst source in every run and gets worse
    assert (by_source.idxmin(axis=1) == "ERP").all()
    assert by_source["ERP"].iloc[-1] < by_source["ERP"].iloc[0]
    # the others move by less than half a point: checking past moments adds no artefacts
    others = by_source.drop(columns="ERP")
    assert (others.max() - others.min()).max() < 0.005


def _new_rule(**changes) -> dict:
    rule = {
        "code": "CUS_NAME_PRESENT",
        "table_name": "customers",
        "column_name": "name",
        "dimension": "completeness",
        "rule_type": "not_null",
        "params": {},
        "threshold": 0.99,
        "weight": 2.0,
        "description": "Every customer has a name",
    }
    return rule | changes


@pytest.mark.db
def test_create_rule_validates_and_audits(migrated_engine):
    bad = _new_rule(
        code="X'; DROP TABLE dq_rules; --",
        column_name="name; drop",
        threshold=1.5,
        rule_type="regex",
    )
    with pytest.raises(ValueError) as error:
        dq_records.create_rule(migrated_engine, ANALYST, bad)
    message = str(error.value)
    assert "rule_type" in message and "threshold" in message
    with migrated_engine.connect() as conn:
        assert conn.execute(select(DqRule)).first() is None  # nothing written
    rule_id = dq_records.create_rule(migrated_engine, ANALYST, _new_rule())
    with pytest.raises(ValueError, match="already used"):
        dq_records.create_rule(migrated_engine, ANALYST, _new_rule())
    with pytest.raises(PermissionError):
        dq_records.create_rule(migrated_engine, RISK, _new_rule(code="OTHER"))
    with migrated_engine.connect() as conn:
        assert dq_results.get_rule(conn, rule_id)["weight"] == 2.0
        actions = [row.action for row in audit.recent(conn)]
    assert "dq_rule_create" in actions


@pytest.mark.db
def test_update_rule_refuses_a_stale_edit_and_bad_numbers(migrated_engine):
    rule_id = dq_records.create_rule(migrated_engine, ANALYST, _new_rule())
    with migrated_engine.connect() as conn:
        loaded = dq_results.get_rule(conn, rule_id)
    first = {k: loaded[k] for k in dq_records.EDITABLE}
    dq_records.update_rule(migrated_engine, ANALYST, rule_id, first, {"threshold": 0.9})
    with pytest.raises(dq_records.StaleRuleError):  # a second editor with the old copy
        dq_records.update_rule(migrated_engine, ANALYST, rule_id, first, {"active": False})
    with migrated_engine.connect() as conn:
        now = dq_results.get_rule(conn, rule_id)
    assert now["threshold"] == 0.9 and now["active"] is True
    fresh = {k: now[k] for k in dq_records.EDITABLE}
    with pytest.raises(ValueError, match="weight"):
        dq_records.update_rule(migrated_engine, ANALYST, rule_id, fresh, {"weight": -1})
    with pytest.raises(ValueError, match="cannot edit"):
        dq_records.update_rule(migrated_engine, ANALYST, rule_id, fresh, {"rule_type": "x"})
    with pytest.raises(PermissionError):
        dq_records.update_rule(migrated_engine, EXEC, rule_id, fresh, {"weight": 3})
