"""Data-quality drill-down and administration: the rows a rule fails (one page, PII
masked) and rule edits with validation, optimistic locking and audit."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import (
    Connection,
    Engine,
    and_,
    func,
    insert,
    not_,
    select,
    update,
)

from data_access import audit
from data_access.dq_results import CUSTOMERS, DQ_RULES, get_rule
from data_access.linkage_clusters import DUPLICATES
from data_access.pii import CUSTOMER_PII, mask_frame
from data_access.security import RUN_DQ_CHECKS, Viewer
from quality.rules import (
    CHECKED_TABLES,
    _condition,
    _scoped_base,
    rule_params,
    validate_rule,
)
from quality.runs import run_checks

PAGE_SIZE = 50
# Personal data by column name, and how to mask it (see data_access.pii).
PII_COLUMNS = {**CUSTOMER_PII, "customer": "name"}
EDITABLE = ("threshold", "weight", "active", "description")


class StaleRuleError(Exception):
    """The rule changed since the editor loaded it."""


def _subject_columns(rule: dict[str, Any]) -> list[str]:
    """The columns a rule looks at, to show next to a failing row."""
    p = rule_params(rule)
    kind = rule["rule_type"]
    if kind == "unique":
        return list(p.get("columns") or [rule["column_name"]])
    if kind == "cross_system_match":
        return [p["field"]]
    if kind == "date_order":
        return [p["before"], p["after"]]
    if kind == "not_linked_duplicate":
        return []  # the page adds the cluster's original instead
    return [rule["column_name"]]


def failing_rows(
    conn: Connection,
    viewer: Viewer,
    rule: dict[str, Any],
    reference_time: datetime,
    page: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One page of the rows the rule checks and fails, with the row id, its source system,
    the owning customer and the values checked; personal data masked unless the viewer may
    see it. Region scope applies through the owning customer."""
    errors = validate_rule(rule)
    if errors:
        raise ValueError("; ".join(errors))
    table = CHECKED_TABLES[rule["table_name"]]
    base, source = _scoped_base(table)
    from_, applies, passes = _condition(table, base, rule, rule_params(rule), reference_time)
    owner = CUSTOMERS.alias("scope_owner")
    link = table.c.id if table is CUSTOMERS else table.c.customer_id
    from_ = from_.outerjoin(owner, owner.c.id == link)
    where = [applies, not_(passes)]
    if viewer.region_scope is not None:
        where.append(owner.c.region == viewer.region_scope)
    total = conn.execute(select(func.count()).select_from(from_).where(*where)).scalar_one()
    subject = [table.c[c].label(c) for c in _subject_columns(rule)]
    if rule["rule_type"] == "cross_system_match":  # what the customer master says instead
        field = rule_params(rule)["field"]
        subject.append(owner.c[field].label(f"master_{field}"))
    if rule["rule_type"] == "not_linked_duplicate":  # the record it repeats
        original = CUSTOMERS.alias("duplicate_original")
        from_ = from_.outerjoin(original, original.c.id == DUPLICATES.c.original_id)
        subject.append(original.c.external_id.label("duplicate_of"))
    stmt = (
        select(
            table.c.id.label("row_id"),
            source.label("source_system"),
            owner.c.external_id.label("customer_id"),
            owner.c.name.label("customer"),
            owner.c.region.label("region"),
            *subject,
        )
        .select_from(from_)
        .where(*where)
        .order_by(table.c.id)
        .limit(PAGE_SIZE)
        .offset(max(page, 0) * PAGE_SIZE)
    )
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    masks = {
        c: kind
        for c in frame.columns
        if (kind := PII_COLUMNS.get(c.removeprefix("master_"))) is not None
    }
    return mask_frame(frame, viewer, masks), int(total)


# --- editing rules ----------------------------------------------------------------------------


def _stored(rule: dict[str, Any]) -> dict[str, Any]:
    out = {k: rule.get(k) for k in ("code", "table_name", "column_name", "dimension")}
    out |= {k: rule.get(k) for k in ("rule_type", "threshold", "weight", "description")}
    out["params"] = json.dumps(rule_params(rule), sort_keys=True, ensure_ascii=False)
    out["active"] = bool(rule.get("active", True))
    return out


def _check_numbers(rule: dict[str, Any]) -> list[str]:
    errors = []
    if not isinstance(rule.get("threshold"), int | float) or not 0 <= rule["threshold"] <= 1:
        errors.append(f"threshold: must be between 0 and 1, got {rule.get('threshold')!r}")
    if not isinstance(rule.get("weight"), int | float) or not 0 < rule["weight"] <= 100:
        errors.append(f"weight: must be above 0 and at most 100, got {rule.get('weight')!r}")
    return errors


def _require_editor(viewer: Viewer) -> None:
    if not viewer.can(RUN_DQ_CHECKS):
        raise PermissionError("editing data-quality rules")


def may_edit_rules(viewer: Viewer) -> bool:
    """Rules measure every region, so only an editor without a region scope changes them."""
    return viewer.can(RUN_DQ_CHECKS) and viewer.region_scope is None


def _require_rule_editor(viewer: Viewer) -> None:
    if not may_edit_rules(viewer):
        raise PermissionError(
            "editing data-quality rules (they apply to every region, so a user with a region "
            "scope may not change them)"
        )


def run_checks_now(engine: Engine, viewer: Viewer) -> int:
    """Run every active rule now, as the viewer (who must be allowed to); returns the run id."""
    _require_editor(viewer)
    return run_checks(engine, viewer.username)


def create_rule(engine: Engine, viewer: Viewer, rule: dict[str, Any]) -> int:
    """Validate and insert a new rule; raises ValueError listing every problem, and
    writes nothing then."""
    _require_rule_editor(viewer)
    with engine.begin() as conn:
        return _create_rule(conn, viewer.username, rule)


def _create_rule(conn: Connection, username: str, rule: dict[str, Any]) -> int:
    errors = validate_rule(rule) + _check_numbers(rule)
    code = str(rule.get("code") or "").strip()
    if not code or len(code) > 40:
        errors.append("code: required, at most 40 characters")
    elif conn.execute(select(DQ_RULES.c.id).where(DQ_RULES.c.code == code)).first():
        errors.append(f"code: {code!r} is already used by another rule")
    if errors:
        raise ValueError("; ".join(errors))
    values = _stored({**rule, "code": code})
    rule_id = conn.execute(insert(DQ_RULES).values(**values)).inserted_primary_key[0]
    audit.record(conn, username, "dq_rule_create", "dq_rule", rule_id, values)
    return int(rule_id)


def update_rule(
    engine: Engine, viewer: Viewer, rule_id: int, loaded: dict[str, Any], changes: dict
) -> None:
    """Change threshold, weight, active or description. `loaded` is the rule as the editor
    saw it: if the stored rule differs now, the save is refused (StaleRuleError) and nothing
    is written."""
    _require_rule_editor(viewer)
    with engine.begin() as conn:
        _update_rule(conn, viewer.username, rule_id, loaded, changes)


def _update_rule(
    conn: Connection, username: str, rule_id: int, loaded: dict[str, Any], changes: dict
) -> None:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"cannot edit {', '.join(sorted(unknown))}")
    current = get_rule(conn, rule_id)
    if current is None:
        raise ValueError(f"rule {rule_id} does not exist")
    if any(current[k] != loaded.get(k) for k in EDITABLE):
        raise StaleRuleError(current["code"])
    errors = _check_numbers({**current, **changes})
    if errors:
        raise ValueError("; ".join(errors))
    guard = and_(DQ_RULES.c.id == rule_id, *[DQ_RULES.c[k] == current[k] for k in EDITABLE])
    if conn.execute(update(DQ_RULES).where(guard).values(**changes)).rowcount != 1:
        raise StaleRuleError(current["code"])
    before = {k: current[k] for k in changes}
    audit.record(
        conn, username, "dq_rule_update", "dq_rule", rule_id, {"from": before, "to": changes}
    )
