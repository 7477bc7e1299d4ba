"""Data-quality rules as data: the rule types, their validation and their evaluation in SQL.

A rule counts, per source system, how many rows it *checked* and how many *passed*; scores
and roll-ups are computed from those counts in ``analytics.dq``. Every rule is evaluated by one
aggregate query (``select … sum(case …) … group by``) built with SQLAlchemy Core from
allow-listed tables and columns, with values as bound parameters, so a rule edited in the UI
can never inject SQL and the same code runs on SQLite and PostgreSQL (no regex functions:
patterns use LIKE, length() and replace() only).

Conventions shared by all rule types:
- a *missing* value is NULL or, for text columns, blank (only spaces);
- ``not_null`` checks every row; every other type checks only rows where the values it
  looks at are present (completeness is measured once, by ``not_null``);
- rows are grouped by the owning customer's ``source_system`` (a customer_source_records row
  by its own ``source_system``); a row whose customer is missing is grouped as "unlinked".
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from numbers import Real
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Integer,
    Numeric,
    String,
    Table,
    and_,
    case,
    exists,
    func,
    not_,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from data_access.code_lists import LIST_NAMES
from data_access.codes import DQ_DIMENSIONS
from data_access.dq_results import CUSTOMERS, SOURCE_RECORDS
from data_access.models import Base, CodeValue

# Tables a rule may check: all hold customer data and link to a customer.
CHECKED_TABLES: dict[str, Table] = {
    name: Base.metadata.tables[name]
    for name in (
        "customers",
        "customer_source_records",
        "invoices",
        "survey_responses",
        "complaints",
        "credit_score_history",
    )
}

UNLINKED = "unlinked"
PATTERN_KINDS = ("email", "phone")
MATCH_NORMALIZERS = ("exact", "casefold", "phone")

# Allowed parameter names per rule type (anything else is a typo worth reporting).
RULE_PARAMS: dict[str, frozenset[str]] = {
    "not_null": frozenset(),
    "in_set": frozenset({"values", "code_list"}),
    "range": frozenset({"min", "max", "min_exclusive", "max_exclusive"}),
    "pattern": frozenset({"kind"}),
    "unique": frozenset({"columns", "case_insensitive", "unless_present"}),
    "fresh_within_days": frozenset({"days"}),
    "not_future": frozenset(),
    "referential": frozenset({"ref_table", "ref_column"}),
    "cross_system_match": frozenset({"field", "normalize"}),
    "date_order": frozenset({"before", "after"}),
}
RULE_TYPES = tuple(RULE_PARAMS)
# Rule types whose subject is column_name (the others name their columns in params).
_COLUMN_RULES = {
    "not_null",
    "in_set",
    "range",
    "pattern",
    "fresh_within_days",
    "not_future",
    "referential",
}


# --- validation ------------------------------------------------------------------------------


def _kind(col: Any) -> str:
    """Coarse type of a column: text, number, date, datetime or other."""
    t = col.type
    if isinstance(t, String):
        return "text"
    if isinstance(t, DateTime):
        return "datetime"
    if isinstance(t, Date):
        return "date"
    if isinstance(t, Integer | Numeric):
        return "number"
    return "other"


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def rule_params(rule: dict[str, Any]) -> dict[str, Any]:
    """The rule's params as a dict, whether stored as JSON text or given as a dict."""
    raw = rule.get("params") or {}
    params = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(params, dict):
        raise ValueError("params must be a JSON object")
    return params


def _column_error(table: Table, field: str, name: Any, want: tuple[str, ...] = ()) -> str | None:
    if not isinstance(name, str) or name not in table.c:
        return f"{field}: unknown column {name!r} in table {table.name!r}"
    if want and _kind(table.c[name]) not in want:
        return f"{field}: column {name!r} must be of type {' or '.join(want)}"
    return None


def _params_errors(table: Table, rule_type: str, column: str | None, p: dict) -> list[str]:
    """Type-specific checks of params (and of the column's type where it matters)."""
    errs: list[str | None] = []
    col_kind = _kind(table.c[column]) if isinstance(column, str) and column in table.c else None
    if rule_type == "in_set" and "code_list" in p:
        # The organisation's list as it is when the rule runs, not a copy frozen in the rule.
        if p["code_list"] not in LIST_NAMES or "values" in p:
            errs.append(f"params.code_list: one of {', '.join(LIST_NAMES)} (and no values)")
    elif rule_type == "in_set":
        values = p.get("values")
        if not isinstance(values, list) or not values:
            errs.append("params.values: must be a non-empty list of values")
        elif not all(isinstance(v, str | int | float) for v in values):
            errs.append("params.values: values must be text or numbers")
    elif rule_type == "range":
        lo, hi = p.get("min"), p.get("max")
        if lo is None and hi is None:
            errs.append("params: range needs 'min', 'max' or both")
        for key in ("min", "max"):
            if p.get(key) is not None and not _is_number(p[key]):
                errs.append(f"params.{key}: must be a number, got {p[key]!r}")
        if _is_number(lo) and _is_number(hi) and lo > hi:
            errs.append(f"params.min: {lo} is greater than params.max {hi}")
        for key in ("min_exclusive", "max_exclusive"):
            if key in p and not isinstance(p[key], bool):
                errs.append(f"params.{key}: must be true or false")
        if col_kind not in (None, "number"):
            errs.append(f"column_name: range needs a numeric column, {column!r} is {col_kind}")
    elif rule_type == "pattern":
        if p.get("kind") not in PATTERN_KINDS:
            errs.append(f"params.kind: must be one of {PATTERN_KINDS}, got {p.get('kind')!r}")
        if col_kind not in (None, "text"):
            errs.append(f"column_name: pattern needs a text column, {column!r} is {col_kind}")
    elif rule_type == "unique":
        cols = p.get("columns", [column] if column else None)
        if not isinstance(cols, list) or not cols:
            errs.append("params.columns: must be a non-empty list of column names")
        else:
            errs += [_column_error(table, "params.columns", c) for c in cols]
        if "case_insensitive" in p and not isinstance(p["case_insensitive"], bool):
            errs.append("params.case_insensitive: must be true or false")
        if "unless_present" in p:
            errs.append(_column_error(table, "params.unless_present", p["unless_present"]))
    elif rule_type == "fresh_within_days":
        days = p.get("days")
        if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
            errs.append(f"params.days: must be a whole number of days above 0, got {days!r}")
    elif rule_type == "referential":
        ref = CHECKED_TABLES.get(p.get("ref_table"))  # type: ignore[arg-type]
        if ref is None:
            errs.append(f"params.ref_table: unknown table {p.get('ref_table')!r}")
        else:
            errs.append(_column_error(ref, "params.ref_column", p.get("ref_column")))
    elif rule_type == "cross_system_match":
        if table is not SOURCE_RECORDS:
            errs.append(f"table_name: cross_system_match applies to {SOURCE_RECORDS.name!r}")
        field = p.get("field")
        shared = [c.name for c in SOURCE_RECORDS.c if c.name in CUSTOMERS.c]
        if field in ("id", "customer_id", "source_system", "updated_at") or field not in shared:
            errs.append(f"params.field: {field!r} is not a field both systems hold")
        if p.get("normalize", "casefold") not in MATCH_NORMALIZERS:
            errs.append(f"params.normalize: must be one of {MATCH_NORMALIZERS}")
    elif rule_type == "date_order":
        want = ("date", "datetime")
        before = _column_error(table, "params.before", p.get("before"), want)
        after = _column_error(table, "params.after", p.get("after"), want)
        errs += [before, after]
        if not (before or after):
            if p["before"] == p["after"]:
                errs.append("params.after: must differ from params.before")
            elif _kind(table.c[p["before"]]) != _kind(table.c[p["after"]]):
                # Mixing date and datetime compares text in SQLite: refuse it.
                errs.append("params.after: must be of the same type (date/datetime) as before")
    if rule_type in ("fresh_within_days", "not_future") and col_kind not in (
        None,
        "date",
        "datetime",
    ):
        errs.append(f"column_name: {rule_type} needs a date column, {column!r} is {col_kind}")
    return [e for e in errs if e]


def validate_rule(rule: dict[str, Any]) -> list[str]:
    """Problems with a rule definition, each naming the field and the bad value; [] if fine."""
    errs: list[str] = []
    code = rule.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 40:
        errs.append(f"code: must be 1–40 characters, got {code!r}")
    table = CHECKED_TABLES.get(rule.get("table_name"))  # type: ignore[arg-type]
    if table is None:
        errs.append(
            f"table_name: unknown table {rule.get('table_name')!r} "
            f"(allowed: {', '.join(CHECKED_TABLES)})"
        )
    rule_type = rule.get("rule_type")
    if rule_type not in RULE_TYPES:
        errs.append(
            f"rule_type: unknown rule type {rule_type!r} (allowed: {', '.join(RULE_TYPES)})"
        )
    if rule.get("dimension") not in DQ_DIMENSIONS:
        errs.append(
            f"dimension: unknown dimension {rule.get('dimension')!r} "
            f"(allowed: {', '.join(DQ_DIMENSIONS)})"
        )
    threshold = rule.get("threshold", 0.95)
    if not _is_number(threshold) or not 0 <= threshold <= 1:
        errs.append(f"threshold: must be a number between 0 and 1, got {threshold!r}")
    weight = rule.get("weight", 1.0)
    if not _is_number(weight) or weight <= 0:
        errs.append(f"weight: must be a number greater than 0, got {weight!r}")
    try:
        params = rule_params(rule)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        return [*errs, f"params: {exc}"]
    if table is None or rule_type not in RULE_TYPES:
        return errs  # column and params cannot be judged without a table and a type
    column = rule.get("column_name")
    if column is not None or rule_type in _COLUMN_RULES:
        errs += filter(None, [_column_error(table, "column_name", column)])
    errs += [
        f"params.{k}: unknown parameter for {rule_type}"
        for k in sorted(set(params) - RULE_PARAMS[rule_type])
    ]
    return errs + _params_errors(table, rule_type, column, params)


# --- SQL building ----------------------------------------------------------------------------


def _present(col: ColumnElement) -> ColumnElement[bool]:
    """Not NULL and, for text, not blank."""
    if isinstance(col.type, String):
        return and_(col.isnot(None), func.trim(col) != "")
    return col.isnot(None)


def _phone_digits(col: ColumnElement) -> ColumnElement:
    """The phone number without spaces, dashes and a leading +86."""
    s = func.replace(func.replace(func.trim(col), " ", ""), "-", "")
    return case((s.like("+86%"), func.substr(s, 4)), else_=s)


def _email_ok(col: ColumnElement) -> ColumnElement[bool]:
    # Exactly one '@' (length drops by one when '@' is removed), something before it, a dot
    # with text on both sides after it, and no space anywhere.
    at_signs = func.length(col) - func.length(func.replace(col, "@", ""))
    return and_(at_signs == 1, col.like("%_@_%._%"), not_(col.like("% %")))


def _phone_ok(col: ColumnElement) -> ColumnElement[bool]:
    # 11 characters, starting with 1, nothing left once every digit is removed.
    digits = _phone_digits(col)
    non_digits = digits
    for d in "0123456789":
        non_digits = func.replace(non_digits, d, "")
    return and_(func.length(digits) == 11, digits.like("1%"), func.length(non_digits) == 0)


def _normalized(col: ColumnElement, how: str) -> ColumnElement:
    if how == "phone":
        return _phone_digits(col)
    if how == "casefold":
        return func.lower(func.trim(col))
    return col


def _as_of(col: ColumnElement, moment: datetime) -> date | datetime:
    """`moment` in the column's own type, so SQLite compares like with like."""
    return moment.date() if _kind(col) == "date" else moment


Condition = tuple[FromClause, ColumnElement[bool], ColumnElement[bool]]


def _condition(
    table: Table, base: FromClause, rule: dict, p: dict, ref_time: datetime
) -> Condition:
    """(from clause, does the rule apply to the row, does the row pass) for one rule."""
    rule_type = rule["rule_type"]
    col = table.c[rule["column_name"]] if rule.get("column_name") else None
    if rule_type == "not_null":
        return base, true(), _present(col)
    if rule_type == "in_set" and "code_list" in p:
        listed = select(CodeValue.code).where(
            CodeValue.list_name == p["code_list"], CodeValue.active.is_(True)
        )
        return base, _present(col), col.in_(listed)
    if rule_type == "in_set":
        return base, _present(col), col.in_(p["values"])
    if rule_type == "range":
        checks = []
        if p.get("min") is not None:
            checks.append(col > p["min"] if p.get("min_exclusive") else col >= p["min"])
        if p.get("max") is not None:
            checks.append(col < p["max"] if p.get("max_exclusive") else col <= p["max"])
        return base, _present(col), and_(*checks)
    if rule_type == "pattern":
        ok = _email_ok(col) if p["kind"] == "email" else _phone_ok(col)
        return base, _present(col), ok
    if rule_type == "fresh_within_days":
        cutoff = _as_of(col, ref_time - timedelta(days=p["days"]))
        return base, _present(col), col >= cutoff
    if rule_type == "not_future":
        return base, _present(col), col <= _as_of(col, ref_time)
    if rule_type == "referential":
        ref = CHECKED_TABLES[p["ref_table"]].alias("ref")
        # EXISTS rather than a join, so a non-unique ref column cannot multiply rows.
        return base, _present(col), exists().where(ref.c[p["ref_column"]] == col)
    if rule_type == "date_order":
        before, after = table.c[p["before"]], table.c[p["after"]]
        return base, and_(_present(before), _present(after)), after >= before
    if rule_type == "unique":
        return _unique_condition(table, base, p, rule.get("column_name"))
    if rule_type == "cross_system_match":
        master = CUSTOMERS.alias("master")
        how = p.get("normalize", "casefold")
        mine, theirs = table.c[p["field"]], master.c[p["field"]]
        joined = base.outerjoin(master, table.c.customer_id == master.c.id)
        both = and_(_present(mine), _present(theirs))
        return joined, both, _normalized(mine, how) == _normalized(theirs, how)
    raise ValueError(f"rule_type: unknown rule type {rule_type!r}")


def _unique_condition(table: Table, base: FromClause, p: dict, column: str | None) -> Condition:
    # Keys are counted over the whole table (duplicates may span source systems); a row
    # passes when its key occurs exactly once, so both members of a duplicate pair fail.
    # Only duplicated keys are kept in the subquery: it stays small and the join cheap.
    # `unless_present`: rows that carry this column are identified by it instead (invoices
    # with their own number) and are neither checked nor counted.
    cols = [table.c[name] for name in p.get("columns", [column])]
    exempt = [_present(table.c[p["unless_present"]])] if p.get("unless_present") else []
    checked = and_(*[_present(c) for c in cols], *[not_(e) for e in exempt])

    def key(c: ColumnElement) -> ColumnElement:
        return func.lower(c) if p.get("case_insensitive") and _kind(c) == "text" else c

    keys = [key(c) for c in cols]
    dup = (
        select(*[k.label(f"k{i}") for i, k in enumerate(keys)], func.count().label("n"))
        .where(checked)
        .group_by(*keys)
        .having(func.count() > 1)
        .subquery("dup")
    )
    joined = base.outerjoin(dup, and_(*[k == dup.c[f"k{i}"] for i, k in enumerate(keys)]))
    return joined, checked, dup.c.n.is_(None)


def _scoped_base(table: Table) -> tuple[FromClause, ColumnElement]:
    """The table, joined to its customer where needed, and the source-system column."""
    if table is CUSTOMERS or table is SOURCE_RECORDS:
        return table, table.c.source_system
    owner = CUSTOMERS.alias("owner")
    return table.outerjoin(owner, table.c.customer_id == owner.c.id), owner.c.source_system


# When a row came into being, for checks "as at" a past moment (the demo's run history).
_CREATED = {
    "customers": "signup_date",
    "invoices": "period_month",
    "survey_responses": "responded_on",
    "complaints": "opened_at",
    "credit_score_history": "reviewed_on",
}


def _existed_at(table: Table, moment: datetime) -> ColumnElement[bool]:
    """The row existed at `moment` (a source record: once its customer had signed up)."""
    if table.name in _CREATED:
        col = table.c[_CREATED[table.name]]
        return col <= _as_of(col, moment)
    signup = CUSTOMERS.c.signup_date
    return exists().where(CUSTOMERS.c.id == table.c.customer_id, signup <= moment.date())


def evaluate_rule(
    conn: Connection, rule: dict[str, Any], reference_time: datetime, as_at: bool = False
) -> list[tuple[str, int, int]]:
    """(source_system, checked, passed) per source system, from one aggregate query. With
    `as_at`, only rows that already existed at `reference_time` are checked.

    Raises ValueError when the rule does not validate (see `validate_rule`).
    """
    errors = validate_rule(rule)
    if errors:
        raise ValueError(f"rule {rule.get('code')!r} is invalid: " + "; ".join(errors))
    table = CHECKED_TABLES[rule["table_name"]]
    base, group = _scoped_base(table)
    from_, applies, passes = _condition(table, base, rule, rule_params(rule), reference_time)
    if as_at:
        applies = and_(applies, _existed_at(table, reference_time))
        if rule["rule_type"] == "not_future":
            # A value later than a past moment did not exist yet at that moment.
            applies = and_(applies, passes)
    checked = func.sum(case((applies, 1), else_=0))
    passed = func.sum(case((and_(applies, passes), 1), else_=0))
    # Group by the bare column (no COALESCE with a bound value: PostgreSQL would not match
    # the GROUP BY expression to the SELECT one); NULL becomes "unlinked" below.
    stmt = select(group, checked, passed).select_from(from_).group_by(group).order_by(group)
    return [(s or UNLINKED, int(c or 0), int(p or 0)) for s, c, p in conn.execute(stmt)]
