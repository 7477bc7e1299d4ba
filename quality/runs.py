"""Check runs: the default rule set stored once, every active rule evaluated and the
counts stored as a run (with its audit row)."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    insert,
    select,
)

from data_access import audit
from data_access.dq_results import DQ_RESULTS, DQ_RULES, DQ_RUNS
from quality.required import COMPLETENESS_RULE, is_required, required_fields
from quality.rule_set import DEFAULT_RULES
from quality.rules import all_regions, evaluate_rules_by_region, rule_params, validate_rule

log = logging.getLogger(__name__)

_STORED_FIELDS = (
    "code",
    "table_name",
    "column_name",
    "dimension",
    "rule_type",
    "threshold",
    "weight",
)


def seed_rules(conn: Connection, rules: list[dict[str, Any]] | None = None) -> int:
    """Insert the default rules (or `rules`) whose code is not stored yet; returns how many."""
    rules = DEFAULT_RULES if rules is None else rules
    have = set(conn.execute(select(DQ_RULES.c.code)).scalars())
    new = [
        {
            **{k: r.get(k) for k in _STORED_FIELDS},
            "params": json.dumps(rule_params(r), sort_keys=True, ensure_ascii=False),
            "description": r.get("description", ""),
            "active": r.get("active", True),
        }
        for r in rules
        if r["code"] not in have
    ]
    if new:
        conn.execute(insert(DQ_RULES), new)
    return len(new)


def _reference_moment(reference_time: datetime | date | None) -> datetime:
    if reference_time is None:
        return datetime.now()
    if not isinstance(reference_time, datetime):
        # A bare date (e.g. the seed's as_of) means "as at the end of that day".
        return datetime.combine(reference_time, time.max)
    return reference_time


def _read_one_snapshot(conn: Connection) -> None:
    """Have every statement on `conn` read the same snapshot of the data: a rule's counts come
    from several statements (quality.rules), which must agree while others write."""
    if conn.dialect.name == "postgresql":
        conn.execution_options(isolation_level="REPEATABLE READ")
    elif conn.dialect.name == "sqlite":
        # The driver opens a transaction only before a write, so each SELECT would read the
        # data as it is then. In WAL mode (data_access.db) a reader keeps no writer waiting.
        conn.exec_driver_sql("BEGIN")


def run_checks(
    engine: Engine,
    triggered_by: str,
    reference_time: datetime | date | None = None,
    started_at: datetime | None = None,
    as_at: bool = False,
) -> int:
    """Evaluate every active rule and store the counts as a new run; returns the run id.

    The run, its results and its audit row commit together. A stored rule that no longer
    validates is skipped (and named in the audit detail) rather than failing the whole run.
    Completeness is measured only for the fields an administrator marked required
    (``quality.required``): a not_null rule on any other field is not evaluated.
    `started_at` backdates the run and `as_at` checks only the rows that existed at
    `reference_time` (the demo seed uses both to build a history of runs).
    """
    moment = _reference_moment(reference_time)
    started = started_at or datetime.now()
    # Evaluate on a read connection: the write lock is held only for the short write below,
    # so logins and edits are not kept waiting while the rules scan their tables.
    with engine.connect() as conn:
        _read_one_snapshot(conn)
        rules = (
            conn.execute(
                select(DQ_RULES).where(DQ_RULES.c.active.is_(True)).order_by(DQ_RULES.c.id)
            )
            .mappings()
            .all()
        )
        required = required_fields(conn)
        evaluated: list[dict[str, Any]] = []
        skipped, not_required = [], []
        for rule in rules:
            problems = validate_rule(dict(rule))
            if problems:
                log.warning("dq rule %s skipped: %s", rule["code"], "; ".join(problems))
                skipped.append(rule["code"])
                continue
            if rule["rule_type"] == COMPLETENESS_RULE and not is_required(
                required, rule["table_name"], rule["column_name"]
            ):
                not_required.append(rule["code"])
                continue
            evaluated.append(dict(rule))
        # All rules at once: the rules of a table are counted in one pass over it.
        counts = evaluate_rules_by_region(conn, evaluated, moment, as_at)
        # Per rule and source system: one row over all regions (region NULL), which the
        # unscoped reads use, and one per region of the rows' customers, which sum to it.
        results = [
            {"rule_id": rule["id"], "source_system": s, "region": None, "checked": c, "passed": p}
            for rule, rule_counts in zip(evaluated, counts, strict=True)
            for s, c, p in all_regions(rule_counts)
        ]
        region_results = [
            {"rule_id": rule["id"], "source_system": s, "region": r, "checked": c, "passed": p}
            for rule, rule_counts in zip(evaluated, counts, strict=True)
            for s, r, c, p in rule_counts
        ]
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(DQ_RUNS).values(
                started_at=started, finished_at=datetime.now(), triggered_by=triggered_by
            )
        ).inserted_primary_key[0]
        stored = results + region_results
        if stored:
            conn.execute(insert(DQ_RESULTS), [{**r, "run_id": run_id} for r in stored])
        detail = {
            "reference_time": moment.isoformat(),
            "rules": len({r["rule_id"] for r in results}),
            "results": len(results),
            "region_results": len(region_results),
            "checked": sum(r["checked"] for r in results),
            "passed": sum(r["passed"] for r in results),
            "skipped": skipped,
            "not_required": not_required,
        }
        audit.record(conn, triggered_by, "dq_run", "dq_run", run_id, detail)
    return int(run_id)
