"""Data-quality drill-down and administration: the rows a rule fails (one page, PII masked),
scores over past runs, rule edits with validation and audit, and likely duplicate customers
(blocked in SQL, scored with rapidfuzz)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pandas as pd
from rapidfuzz import fuzz
from sqlalchemy import Connection, Engine, and_, func, insert, not_, or_, select, update

from data_access import audit
from data_access.dq import (
    CHECKED_TABLES,
    CUSTOMERS,
    DQ_RESULTS,
    DQ_RULES,
    DQ_RUNS,
    RESULT_COLUMNS,
    _condition,
    _phone_digits,
    _present,
    _scoped_base,
    result_select,
    rule_params,
    run_checks,
    validate_rule,
)
from data_access.pii import mask_frame
from data_access.security import RUN_DQ_CHECKS, Viewer

PAGE_SIZE = 50
# Personal data by column name, and how to mask it (see data_access.pii).
PII_COLUMNS = {"name": "name", "email": "email", "phone": "phone", "customer": "name"}
EDITABLE = ("threshold", "weight", "active", "description")


class StaleRuleError(Exception):
    """The rule changed since the editor loaded it."""


def get_rule(conn: Connection, rule_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(DQ_RULES).where(DQ_RULES.c.id == rule_id)).mappings().first()
    return dict(row) if row else None


def all_rules(conn: Connection) -> pd.DataFrame:
    result = conn.execute(select(DQ_RULES).order_by(DQ_RULES.c.code))
    return pd.DataFrame(result.all(), columns=list(result.keys()))


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


def history(conn: Connection, runs: int = 12) -> pd.DataFrame:
    """Results of the newest `runs` finished runs (RESULT_COLUMNS plus run_id and run time)."""
    ids = (
        select(DQ_RUNS.c.id)
        .where(DQ_RUNS.c.finished_at.isnot(None))
        .order_by(DQ_RUNS.c.id.desc())
        .limit(runs)
        .subquery()
    )
    stmt = (
        result_select(DQ_RESULTS.c.run_id, DQ_RUNS.c.started_at.label("run_at"))
        .join(DQ_RUNS, DQ_RUNS.c.id == DQ_RESULTS.c.run_id)
        .where(DQ_RESULTS.c.run_id.in_(select(ids.c.id)))
        .order_by(DQ_RESULTS.c.run_id)
    )
    return pd.DataFrame(conn.execute(stmt).all(), columns=["run_id", "run_at", *RESULT_COLUMNS])


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


# --- duplicates -------------------------------------------------------------------------------


def _blocks(conn: Connection, viewer: Viewer) -> pd.DataFrame:
    """Customers sharing a normalised e-mail or phone number with another customer (the
    blocking step: only these rows are compared, so the work grows with the duplicates,
    not with the square of the customers)."""
    email = func.lower(func.trim(CUSTOMERS.c.email))
    phone = _phone_digits(CUSTOMERS.c.phone)
    scope = [] if viewer.region_scope is None else [CUSTOMERS.c.region == viewer.region_scope]
    shared_email = (
        select(email)
        .where(_present(CUSTOMERS.c.email), *scope)
        .group_by(email)
        .having(func.count() > 1)
    )
    shared_phone = (
        select(phone)
        .where(_present(CUSTOMERS.c.phone), *scope)
        .group_by(phone)
        .having(func.count() > 1)
    )
    stmt = select(
        CUSTOMERS.c.id,
        CUSTOMERS.c.external_id,
        CUSTOMERS.c.source_system,
        CUSTOMERS.c.name,
        CUSTOMERS.c.email,
        CUSTOMERS.c.phone,
        CUSTOMERS.c.company,
        CUSTOMERS.c.region,
        email.label("email_key"),
        phone.label("phone_key"),
    ).where(*scope, or_(email.in_(shared_email), phone.in_(shared_phone)))
    result = conn.execute(stmt)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


WEIGHTS = {"name": 50, "email_key": 20, "phone_key": 20, "company": 10}


def match_score(a: dict, b: dict) -> tuple[float, list[str]]:
    """0–100 likelihood that two customer rows are the same customer, and the evidence.
    Each field present on both rows adds its similarity × weight (name: token sort ratio, 50;
    e-mail and phone: equal after normalising, 20 each; company: ratio, 10); the sum is
    divided by the weights of the fields present on both, so a missing e-mail neither
    helps nor hurts. Without both names there is no score."""

    def present(v: object) -> bool:
        return v is not None and str(v).strip() != ""

    if not (present(a["name"]) and present(b["name"])):
        return 0.0, []
    similarity = {"name": fuzz.token_sort_ratio(str(a["name"]).lower(), str(b["name"]).lower())}
    for field in ("email_key", "phone_key"):
        if present(a[field]) and present(b[field]):
            similarity[field] = 100.0 if a[field] == b[field] else 0.0
    if present(a["company"]) and present(b["company"]):
        similarity["company"] = fuzz.ratio(str(a["company"]).lower(), str(b["company"]).lower())
    score = sum(WEIGHTS[f] * v for f, v in similarity.items()) / sum(WEIGHTS[f] for f in similarity)
    evidence = [f"{f.removesuffix('_key')} {v:.0f}%" for f, v in similarity.items()]
    return round(score, 1), evidence


def duplicate_pairs(rows: pd.DataFrame, min_score: float = 80.0) -> pd.DataFrame:
    """Scored pairs within each block (same e-mail or same phone), best first."""
    pairs: dict[tuple[int, int], tuple[float, list[str]]] = {}
    records = rows.to_dict("records")
    for key in ("email_key", "phone_key"):
        groups: dict[str, list[dict]] = {}
        for r in records:
            if r[key]:
                groups.setdefault(r[key], []).append(r)
        for members in groups.values():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    pair = (min(a["id"], b["id"]), max(a["id"], b["id"]))
                    if pair not in pairs:
                        pairs[pair] = match_score(a, b)
    kept = [(a, b, s, ev) for (a, b), (s, ev) in pairs.items() if s >= min_score]
    out = pd.DataFrame(kept, columns=["id_a", "id_b", "score", "evidence"])
    return out.sort_values(["score", "id_a"], ascending=[False, True], ignore_index=True)


def clusters(pairs: pd.DataFrame) -> dict[int, int]:
    """Customer id → cluster id (the smallest id in it), joining pairs transitively."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(pairs["id_a"], pairs["id_b"], strict=True):
        ra, rb = find(int(a)), find(int(b))
        parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}


def likely_duplicates(conn: Connection, viewer: Viewer, min_score: float = 80.0) -> pd.DataFrame:
    """Clusters of likely duplicate customers: one row per customer in a cluster, with the
    cluster, its best match score and evidence; personal data masked for the viewer."""
    rows = _blocks(conn, viewer)
    pairs = duplicate_pairs(rows, min_score) if not rows.empty else duplicate_pairs(rows.iloc[:0])
    if pairs.empty:
        return pd.DataFrame(
            columns=["cluster", "customer_id", "source_system", "name", "email", "phone"]
            + ["company", "region", "score", "evidence"]
        )
    members = clusters(pairs)
    best = (
        pd.concat([pairs.rename(columns={"id_a": "id"}), pairs.rename(columns={"id_b": "id"})])
        .sort_values("score", ascending=False)
        .drop_duplicates("id")
    )
    out = rows[rows["id"].isin(members)].merge(best[["id", "score", "evidence"]], on="id")
    out["cluster"] = out["id"].map(members)
    out["evidence"] = out["evidence"].map(", ".join)
    out = out.rename(columns={"external_id": "customer_id"}).sort_values(
        ["score", "cluster", "id"], ascending=[False, True, True]
    )
    columns = ["cluster", "customer_id", "source_system", "name", "email", "phone", "company"]
    out = out[[*columns, "region", "score", "evidence"]].reset_index(drop=True)
    return mask_frame(out, viewer, {"name": "name", "email": "email", "phone": "phone"})
