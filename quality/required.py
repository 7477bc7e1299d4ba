"""Required fields: the fields of each table an administrator marks required.

Completeness is scored only for them. The marks are one JSON setting (table → fields) with the
default rule set's completeness fields as the default, so the demo scores as before. A check
run evaluates a ``not_null`` rule only when its field is marked (``quality.runs``); marking a
field that has no active ``not_null`` rule activates its newest one or creates one, so a mark
always leads to a score. Unmarking keeps the rules (an analyst's thresholds survive) but they
are no longer evaluated. Marks apply to every region: unscoped administrators only.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from data_access import audit
from data_access.dq_results import DQ_RULES
from data_access.models import Setting
from data_access.security import ADMIN_USERS, Viewer
from quality.rule_set import DEFAULT_RULES
from quality.rules import CHECKED_TABLES, validate_rule

SETTING_KEY = "dq_required_fields"
COMPLETENESS_RULE = "not_null"
# Code prefixes of the rules created for a newly marked field (as in the default rule set).
_PREFIX = {
    "customers": "CUS",
    "invoices": "INV",
    "survey_responses": "SUR",
    "complaints": "CMP",
    "customer_source_records": "SRC",
    "credit_score_history": "CSH",
}

Required = dict[str, list[str]]


class StaleRequiredFieldsError(Exception):
    """Someone saved the required fields of these tables after the form was opened."""

    def __init__(self, tables: list[str]) -> None:
        super().__init__(
            f"the required fields of {', '.join(tables)} changed after you opened the form "
            "(someone else saved); nothing was saved"
        )
        self.tables = tables


def default_required() -> Required:
    """The fields the default rule set checks for completeness."""
    out: Required = {}
    for rule in DEFAULT_RULES:
        if rule["rule_type"] == COMPLETENESS_RULE:
            out.setdefault(rule["table_name"], []).append(rule["column_name"])
    return {table: sorted(fields) for table, fields in sorted(out.items())}


def field_choices() -> Required:
    """The fields an administrator may mark, per checked table (not the row id)."""
    return {name: [c.name for c in t.c if c.name != "id"] for name, t in CHECKED_TABLES.items()}


def required_fields(conn: Connection) -> Required:
    """Table → its fields marked required (sorted); the default until an admin saves."""
    raw = conn.execute(select(Setting.value).where(Setting.key == SETTING_KEY)).scalar_one_or_none()
    stored: Required = default_required() if raw is None else json.loads(raw)
    return {table: sorted(fields) for table, fields in stored.items() if fields}


def is_required(required: Required, table: str, column: str | None) -> bool:
    return column is not None and column in required.get(table, ())


def may_mark_required(viewer: Viewer) -> bool:
    """Marks apply to every region: an administrator without a region scope."""
    return viewer.can(ADMIN_USERS) and viewer.region_scope is None


def required_problems(changes: Required) -> list[str]:
    """What is wrong with proposed marks, naming the table and field."""
    choices = field_choices()
    problems = []
    for table, fields in changes.items():
        if table not in choices:
            problems.append(f"{table}: unknown table (allowed: {', '.join(choices)})")
        elif not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            problems.append(f"{table}: a list of field names")
        else:
            problems += [f"{table}.{f}: unknown field" for f in fields if f not in choices[table]]
    return problems


def save_required_fields(
    engine: Engine, viewer: Viewer, changes: Required, opened: Required
) -> list[str]:
    """Store the required fields of the tables in `changes` (the others keep theirs) and make
    sure every newly marked field has an active completeness rule; returns the codes of the
    rules created or activated. `opened` holds the marks the form showed: a table whose
    stored marks differ from it now was saved by someone else in between, and nothing is
    written (StaleRequiredFieldsError). One transaction, audited."""
    if not may_mark_required(viewer):
        raise PermissionError(
            "marking required fields (they apply to every region: an administrator without "
            "a region scope)"
        )
    problems = required_problems(changes)
    if problems:
        raise ValueError("; ".join(problems))
    with engine.begin() as conn:
        _write_lock(conn)
        before = required_fields(conn)
        stale = sorted(t for t in changes if before.get(t, []) != sorted(opened.get(t, [])))
        if stale:
            raise StaleRequiredFieldsError(stale)
        after = {**before, **{t: sorted(set(f)) for t, f in changes.items()}}
        _store(conn, {t: f for t, f in sorted(after.items()) if f})
        touched = [
            _ensure_rule(conn, viewer.username, table, field)
            for table in changes
            for field in after[table]
            if field not in before.get(table, [])
        ]
        touched = [code for code in touched if code]
        audit.record(
            conn,
            viewer.username,
            "dq_required_fields",
            "settings",
            None,
            {
                "from": {t: before.get(t, []) for t in changes},
                "to": {t: after[t] for t in changes},
                "rules": touched,
            },
        )
    return touched


def _write_lock(conn: Connection) -> None:
    """Take the write lock before reading what is compared, so two saves cannot both pass
    the stale check (the same lock as data_access.settings)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(31000)")
    else:
        conn.execute(update(Setting).where(Setting.key == "").values(value=""))


def _store(conn: Connection, value: Required) -> None:
    text = json.dumps(value, sort_keys=True)
    if conn.execute(select(Setting.key).where(Setting.key == SETTING_KEY)).first():
        conn.execute(update(Setting).where(Setting.key == SETTING_KEY).values(value=text))
    else:
        conn.execute(insert(Setting).values(key=SETTING_KEY, value=text))


def _ensure_rule(conn: Connection, username: str, table: str, field: str) -> str | None:
    """An active completeness rule for a newly marked field: the existing active one, else
    the newest inactive one switched on, else a new one. Returns the code it touched."""
    rules = DQ_RULES.c
    found = conn.execute(
        select(rules.id, rules.code, rules.active)
        .where(
            rules.table_name == table,
            rules.column_name == field,
            rules.rule_type == COMPLETENESS_RULE,
        )
        .order_by(rules.active.desc(), rules.id.desc())
    ).first()
    if found is not None and found.active:
        return None
    if found is not None:
        conn.execute(update(DQ_RULES).where(rules.id == found.id).values(active=True))
        audit.record(
            conn, username, "dq_rule_update", "dq_rule", found.id, {"to": {"active": True}}
        )
        return str(found.code)
    rule = _new_rule(conn, table, field)
    rule_id = conn.execute(insert(DQ_RULES).values(**rule)).inserted_primary_key[0]
    audit.record(conn, username, "dq_rule_create", "dq_rule", rule_id, rule)
    return str(rule["code"])


def _new_rule(conn: Connection, table: str, field: str) -> dict[str, Any]:
    base = f"{_PREFIX.get(table, table[:3].upper())}_{field.upper()}_NOT_NULL"[:40]
    taken = set(
        conn.execute(select(DQ_RULES.c.code).where(DQ_RULES.c.code.like(base[:36] + "%"))).scalars()
    )
    code, n = base, 2
    while code in taken:  # someone used the name for another rule: number it
        code, n = f"{base[:36]}_{n}", n + 1
    rule = {
        "code": code,
        "table_name": table,
        "column_name": field,
        "dimension": "completeness",
        "rule_type": COMPLETENESS_RULE,
        "params": "{}",
        "threshold": 0.95,
        "weight": 1.0,
        "description": f"{table}.{field} is filled in (marked required by an administrator).",
        "active": True,
    }
    errors = validate_rule(rule)
    if errors:  # field_choices() only offers real columns; this guards a future change
        raise ValueError("; ".join(errors))
    return rule
