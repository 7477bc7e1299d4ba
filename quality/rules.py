"""Data-quality rules as data: the rule types, their validation and their evaluation in SQL.

A rule counts, per source system, how many rows it *checked* and how many *passed*; scores
and roll-ups are computed from those counts in ``analytics.dq``. A rule is a pair of SQL
conditions (does it apply to a row, does the row pass), and the rules of a table are counted
together by aggregate queries (``select … sum(case …) … group by``) in one pass over the
table. The SQL is built with SQLAlchemy Core from allow-listed tables and columns, with values
as bound parameters, so a rule edited in the UI can never inject SQL and the same code runs on
SQLite and PostgreSQL (no regex functions: patterns use LIKE, length(), replace() and ltrim()
only).

Conventions shared by all rule types:
- a *missing* value is NULL or, for text columns, blank (only spaces);
- ``not_null`` checks every row; every other type checks only rows where the values it
  looks at are present (completeness is measured once, by ``not_null``);
- rows are grouped by the owning customer's ``source_system`` (a customer_source_records row
  by its own ``source_system``); a row whose customer is missing is grouped as "unlinked";
- and, within a source system, by the owning customer's ``region`` (every checked table links
  to a customer), so a region-scoped viewer reads scores of their region's rows only; a row
  whose customer is missing has the region "unlinked". ``evaluate_rules`` sums the regions.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from numbers import Real
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    Integer,
    Join,
    Numeric,
    Select,
    String,
    Subquery,
    Table,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal_column,
    not_,
    null,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from data_access.code_lists import LIST_NAMES
from data_access.codes import DQ_DIMENSIONS
from data_access.dq_results import CUSTOMERS, SOURCE_RECORDS
from data_access.linkage_clusters import DUPLICATES
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
    # A customer that the latest duplicate search put in a cluster with an older record.
    "not_linked_duplicate": frozenset(),
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
    elif rule_type == "not_linked_duplicate":
        if table is not CUSTOMERS:
            errs.append(f"table_name: not_linked_duplicate applies to {CUSTOMERS.name!r}")
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


_DIGITS = "0123456789"


def _phone_compact(col: ColumnElement) -> ColumnElement:
    """The phone number without spaces and dashes."""
    return func.replace(func.replace(func.trim(col), " ", ""), "-", "")


def _phone_digits(col: ColumnElement) -> ColumnElement:
    """The phone number without spaces, dashes and a leading +86."""
    s = _phone_compact(col)
    return case((s.like("+86%"), func.substr(s, 4)), else_=s)


def _email_ok(col: ColumnElement) -> ColumnElement[bool]:
    # Exactly one '@' (length drops by one when '@' is removed), something before it, a dot
    # with text on both sides after it, and no space anywhere.
    at_signs = func.length(col) - func.length(func.replace(col, "@", ""))
    return and_(at_signs == 1, col.like("%_@_%._%"), not_(col.like("% %")))


def _mobile(x: ColumnElement) -> ColumnElement[bool]:
    """11 digits starting with 1. In LIKE, '_' is exactly one character; ltrim(x, digits) is
    '' exactly when x has nothing but digits (one call rather than ten nested replace())."""
    return and_(x.like("1" + "_" * 10), func.ltrim(x, _DIGITS) == "")


def _phone_ok(col: ColumnElement) -> ColumnElement[bool]:
    # _mobile(_phone_digits(col)), written out without its CASE since SQL does not reuse a
    # sub-expression (the compact number would be computed four times). Most numbers are
    # stored bare: the column itself is tried first, as it is its own compact form then.
    s = _phone_compact(col)
    return or_(_mobile(col), _mobile(s), and_(s.like("+86%"), _mobile(func.substr(s, 4))))


def _normalized(col: ColumnElement, how: str) -> ColumnElement:
    if how == "phone":
        return _phone_digits(col)
    if how == "casefold":
        return func.lower(func.trim(col))
    return col


def _as_of(col: ColumnElement, moment: datetime) -> date | datetime:
    """`moment` in the column's own type, so SQLite compares like with like."""
    return moment.date() if _kind(col) == "date" else moment


# --- evaluation ------------------------------------------------------------------------------
#
# A check run counts the rules of a table together, in one pass over the table's rows rather
# than one per rule (`evaluate_rules`). Whatever a rule needs besides the row is an outer join
# matching at most one row (a primary key, or a subquery grouped by the join key), so rules
# share one FROM clause without changing what any of them counts; and every rule reports the
# source systems of all the table's rows (zeros included), as it does when counted alone.

ExtraJoin = tuple[FromClause, ColumnElement[bool]]
Terms = tuple[list[ExtraJoin], ColumnElement[bool], ColumnElement[bool]]
Condition = tuple[FromClause, ColumnElement[bool], ColumnElement[bool]]
Counts = list[tuple[str, int, int]]  # (source system, checked, passed)
RegionCounts = list[tuple[str, str, int, int]]  # (source system, region, checked, passed)
Checks = list[tuple[ColumnElement[bool], ColumnElement[bool]]]  # (applies, passes) per rule
# ((source system, region), [(checked, passed) per rule])
GroupCounts = list[tuple[tuple[Any, ...], list[tuple[int, int]]]]

# The customer master a source record is compared with; one alias object, so the
# cross-system rules evaluated together share a single join.
_MASTER = CUSTOMERS.alias("master")


def _terms(table: Table, rule: dict, p: dict, ref_time: datetime, tag: str = "") -> Terms:
    """(joins, does the rule apply to the row, does the row pass) for one rule. `tag` makes
    the names of the rule's own subqueries unique among rules evaluated together."""
    rule_type = rule["rule_type"]
    col = table.c[rule["column_name"]] if rule.get("column_name") else None
    if rule_type == "not_null":
        return [], true(), _present(col)
    if rule_type == "in_set" and "code_list" in p:
        listed = select(CodeValue.code).where(
            CodeValue.list_name == p["code_list"], CodeValue.active.is_(True)
        )
        return [], _present(col), col.in_(listed)
    if rule_type == "in_set":
        return [], _present(col), col.in_(p["values"])
    if rule_type == "range":
        checks = []
        if p.get("min") is not None:
            checks.append(col > p["min"] if p.get("min_exclusive") else col >= p["min"])
        if p.get("max") is not None:
            checks.append(col < p["max"] if p.get("max_exclusive") else col <= p["max"])
        return [], _present(col), and_(*checks)
    if rule_type == "pattern":
        ok = _email_ok(col) if p["kind"] == "email" else _phone_ok(col)
        return [], _present(col), ok
    if rule_type == "fresh_within_days":
        cutoff = _as_of(col, ref_time - timedelta(days=p["days"]))
        return [], _present(col), col >= cutoff
    if rule_type == "not_future":
        return [], _present(col), col <= _as_of(col, ref_time)
    if rule_type == "referential":
        ref_table = CHECKED_TABLES[p["ref_table"]]
        ref = ref_table.alias(f"ref{tag}")
        target = ref.c[p["ref_column"]]
        if _is_unique(ref_table.c[p["ref_column"]]):
            # A join on a unique column matches at most once, and is far cheaper than a
            # correlated EXISTS per row.
            return [(ref, target == col)], _present(col), target.isnot(None)
        # EXISTS rather than a join, so a non-unique ref column cannot multiply rows.
        return [], _present(col), exists().where(target == col)
    if rule_type == "date_order":
        before, after = table.c[p["before"]], table.c[p["after"]]
        return [], and_(_present(before), _present(after)), after >= before
    if rule_type == "unique":
        dup, keys, checked = _duplicates(table, p, rule.get("column_name"), tag)
        join = (dup, and_(*[k == dup.c[f"k{i}"] for i, k in enumerate(keys)]))
        return [join], checked, dup.c.n.is_(None)
    if rule_type == "cross_system_match":
        how = p.get("normalize", "casefold")
        mine, theirs = table.c[p["field"]], _MASTER.c[p["field"]]
        both = and_(_present(mine), _present(theirs))
        join = (_MASTER, table.c.customer_id == _MASTER.c.id)
        same = mine == theirs
        if how != "exact":
            # Values equal as stored (most) are equal normalized: spare them the functions.
            same = or_(same, _normalized(mine, how) == _normalized(theirs, how))
        return [join], both, same
    if rule_type == "not_linked_duplicate":
        # One row per duplicate customer: the join cannot multiply rows.
        return (
            [(DUPLICATES, DUPLICATES.c.customer_id == table.c.id)],
            true(),
            (DUPLICATES.c.customer_id.is_(None)),
        )
    raise ValueError(f"rule_type: unknown rule type {rule_type!r}")


def _key_columns(table: Table, p: dict, column: str | None) -> list[Column]:
    return [table.c[name] for name in p.get("columns", [column])]


def _duplicates(
    table: Table, p: dict, column: str | None, tag: str
) -> tuple[Subquery, list[ColumnElement], ColumnElement[bool]]:
    """(the keys found more than once among the checked rows, with their count `n`; the
    row's key; is the row checked) for a unique rule.

    Keys are counted over the whole table (duplicates may span source systems); a row
    passes when its key occurs exactly once, so both members of a duplicate pair fail. Only
    duplicated keys are kept (GROUP BY … HAVING): the subquery stays small, and being grouped
    by the key it matches a row at most once. `unless_present`: rows that carry this column
    are identified by it instead (invoices with their own number) and are neither checked
    nor counted.
    """
    cols = _key_columns(table, p, column)
    present = and_(*[_present(c) for c in cols])
    checked = present
    if p.get("unless_present"):
        checked = and_(present, not_(_present(table.c[p["unless_present"]])))

    def key(c: ColumnElement) -> ColumnElement:
        return func.lower(c) if p.get("case_insensitive") and _kind(c) == "text" else c

    keys = [key(c) for c in cols]
    counted = select(*[k.label(f"k{i}") for i, k in enumerate(keys)], func.count().label("n"))
    counted = counted.where(checked)
    if p.get("unless_present") and _indexed(table, keys):
        # First the keys repeated among all rows, read from the key's index alone; then the
        # exempt rows are left out of those few keys. Testing the exempting column of every
        # row instead fetches every row, in index order (3x slower on 15M invoices).
        repeated = select(*keys).where(present).group_by(*keys).having(func.count() > 1)
        counted = counted.where(tuple_(*keys).in_(repeated))
    dup = counted.group_by(*keys).having(func.count() > 1).subquery(f"dup{tag}")
    return dup, keys, checked


def _indexed(table: Table, keys: list[ColumnElement]) -> bool:
    """An index of `table` starts with exactly these plain columns (in any order)."""
    if not all(isinstance(k, Column) for k in keys):
        return False  # lower(email) and the like: no index to read them from
    names = {k.name for k in keys}
    return any({c.name for c in list(ix.columns)[: len(names)]} == names for ix in table.indexes)


def _is_unique(col: ColumnElement) -> bool:
    """No two rows hold the same (non-NULL) value: a one-column primary key or unique."""
    pk = list(col.table.primary_key.columns)
    return bool(col.unique) or (len(pk) == 1 and pk[0] is col)


def _joined(base: FromClause, joins: list[ExtraJoin]) -> FromClause:
    """`base` outer-joined to each distinct join (a join shared by several rules once)."""
    seen: set[int] = set()
    for target, onclause in joins:
        if id(target) not in seen:
            seen.add(id(target))
            base = base.outerjoin(target, onclause)
    return base


def _condition(
    table: Table, base: FromClause, rule: dict, p: dict, ref_time: datetime
) -> Condition:
    """(from clause, does the rule apply to the row, does the row pass) for one rule."""
    joins, applies, passes = _terms(table, rule, p, ref_time)
    return _joined(base, joins), applies, passes


def _scoped_base(table: Table) -> tuple[FromClause, ColumnElement]:
    """The table, joined to its customer where needed, and the source-system column."""
    if table is CUSTOMERS or table is SOURCE_RECORDS:
        return table, table.c.source_system
    owner = CUSTOMERS.alias("owner")
    return table.outerjoin(owner, table.c.customer_id == owner.c.id), owner.c.source_system


def _region_of(table: Table, base: FromClause) -> tuple[list[ExtraJoin], ColumnElement]:
    """(joins, the owning customer's region column) for the rows of `base` (`_scoped_base`).
    A source record reaches its customer through the master join the cross-system rules
    use too (one join shared); the other linked tables through their owner join."""
    if table is CUSTOMERS:
        return [], CUSTOMERS.c.region
    if table is SOURCE_RECORDS:
        return [(_MASTER, table.c.customer_id == _MASTER.c.id)], _MASTER.c.region
    return [], base.right.c.region  # type: ignore[attr-defined]


# When a row came into being, for checks "as at" a past moment (the demo's run history).
_CREATED = {
    "customers": "signup_date",
    "invoices": "period_month",
    "survey_responses": "responded_on",
    "complaints": "opened_at",
    "credit_score_history": "reviewed_on",
}


def _existed_at(table: Table, moment: datetime) -> tuple[list[ExtraJoin], ColumnElement[bool]]:
    """(joins, the row existed at `moment`); a source record exists once its customer had
    signed up. The customer comes from the master join the cross-system rules use too."""
    if table.name in _CREATED:
        col = table.c[_CREATED[table.name]]
        return [], col <= _as_of(col, moment)
    join = (_MASTER, table.c.customer_id == _MASTER.c.id)
    return [join], _MASTER.c.signup_date <= moment.date()


# Rules counted by one statement at most: each unique rule adds a join, and SQLite allows
# 64 tables in a join.
_RULES_PER_STATEMENT = 40

# A rule's two counts travel in one sum, one of them in multiples of _PACK: the rule's
# condition is then evaluated once per row instead of once per count (SQL does not share a
# sub-expression between two aggregates). Exact while a source system has fewer than 2**31
# rows; SQLite raises an error rather than overflow.
_PACK = 2**32


def _unpacked(total: Any) -> tuple[int, int]:
    return divmod(int(total or 0), _PACK)


def _direct_counts(
    conn: Connection, from_: FromClause, groups: list[ColumnElement], checks: Checks
) -> GroupCounts:
    """Every row through the sums: a checked row adds _PACK, a passing one _PACK + 1."""
    sums = [func.sum(case((a, case((p, _PACK + 1), else_=_PACK)), else_=0)) for a, p in checks]
    # Group by the bare columns (no COALESCE with a bound value: PostgreSQL would not match
    # the GROUP BY expression to the SELECT one).
    stmt = select(*groups, *sums).select_from(from_).group_by(*groups).order_by(*groups)
    width = len(groups)
    return [(tuple(row[:width]), [_unpacked(s) for s in row[width:]]) for row in conn.execute(stmt)]


def _counts_by_exception(
    conn: Connection,
    table: Table,
    base: Join,
    from_: FromClause,
    groups: list[ColumnElement],
    checks: Checks,
    lost: dict[int, ColumnElement[bool]],
) -> GroupCounts:
    """The counts of a table linked to its customers (15 invoices a customer), grouped by
    the customer's source system, from the rows per source system and the rows that some
    rule does not pass (typically few): grouping every row costs SQLite a sort of the whole
    table and a lookup of every row's customer. Only the exceptions go through the sums (a
    row a rule does not apply to adds _PACK, a failing one 1) and are looked up; every other
    row passes every rule, so checked = rows - not applying and passed = checked - failing.

    `lost` is, for a rule that checks the row's customer exists (position → does it apply),
    counted apart: a row fails it exactly when it has no customer, and then it is grouped
    as NULL; so the test needs no lookup of the customer in the pass over the table.
    """
    # A CASE rather than NOT, so that a NULL counts as not passing; and rather than IS NOT
    # TRUE, which SQLAlchemy writes IS NOT 1 for SQLite: evaluated as a value, with no stop
    # at the first false condition, that made this query half as slow again.
    some_fail = case((and_(*[and_(a, p) for a, p in checks]), false()), else_=true())
    sums = [func.sum(case((a, case((p, 0), else_=1)), else_=_PACK)) for a, p in checks]
    stmt = select(*groups, *sums).select_from(from_).where(some_fail).group_by(*groups)
    width = len(groups)
    exceptions = {
        tuple(row[:width]): [_unpacked(s) for s in row[width:]] for row in conn.execute(stmt)
    }
    none = [(0, 0)] * len(checks)
    out: GroupCounts = []
    for row in conn.execute(_rows_per_group(table, base, groups, [*lost.values()])):
        g, n, lost_rows = tuple(row[:width]), row[width], row[width + 1 :]
        no_customer = {i: int(k or 0) for i, k in zip(lost, lost_rows, strict=True)}
        counts = [
            (int(n) - na, int(n) - na - fail - no_customer.get(i, 0))
            for i, (na, fail) in enumerate(exceptions.get(g, none))
        ]
        out.append((g, counts))
    return out


def _rows_per_group(
    table: Table, base: Join, groups: list[ColumnElement], lost: list[ColumnElement[bool]]
) -> Select:
    """Rows per source system and region as `base` groups them (`groups`): the rows that
    have their customer, counted customer by customer through the indexes on the customers'
    (source system, region) and the table's customer_id (no row is read), and the rows that
    have none, grouped as NULL; then, for each condition in `lost`, how many of the rows
    without a customer meet it."""
    zeros = [literal_column("0").label(f"lost{j}") for j in range(len(lost))]
    labelled = [g.label(f"g{i}") for i, g in enumerate(groups)]
    linked = (
        select(*labelled, func.count().label("n"), *zeros)
        .select_from(base.right.join(table, base.onclause))
        .group_by(*groups)
    )
    link = table.c.customer_id
    unlinked = select(
        *[cast(null(), g.type).label(f"g{i}") for i, g in enumerate(groups)],
        func.count().label("n"),
        *[func.sum(case((c, 1), else_=0)).label(f"lost{j}") for j, c in enumerate(lost)],
    ).where(
        # NOT EXISTS, not NOT IN: PostgreSQL cannot turn NOT IN into an anti-join (NULLs), and
        # past its work memory it probes the million customer ids once per invoice.
        or_(link.is_(None), ~exists().where(CUSTOMERS.c.id == link))
    )
    rows = union_all(linked, unlinked).subquery("counted")
    keys = list(rows.c)[: len(groups)]
    n = func.sum(rows.c.n)
    sums = [func.sum(c) for c in list(rows.c)[len(groups) + 1 :]]
    return select(*keys, n, *sums).group_by(*keys).having(n > 0).order_by(*keys)


def _checks_customer_exists(table: Table, rule: dict, p: dict) -> bool:
    """The rule checks that the row's customer (customer_id, the link `_scoped_base` joins
    by) exists."""
    return (
        rule["rule_type"] == "referential"
        and rule.get("column_name") == "customer_id"
        and CHECKED_TABLES[p["ref_table"]] is CUSTOMERS
        and p["ref_column"] == "id"
    )


def _table_counts(
    conn: Connection,
    table: Table,
    rules: list[dict[str, Any]],
    reference_time: datetime,
    as_at: bool,
) -> list[RegionCounts]:
    """The counts of rules on one table per source system and region, from one pass over the
    table (plus, for a unique rule whose key is indexed, a small query counting its failing
    rows)."""
    base, source = _scoped_base(table)
    linked = isinstance(base, Join)  # rows grouped by their customer's source system
    region_joins, region = _region_of(table, base)
    groups = [source, region]
    existed_joins, existed = _existed_at(table, reference_time) if as_at else ([], true())
    existed_joins = region_joins + existed_joins  # the region join first: shared, never twice
    joins: list[ExtraJoin] = list(existed_joins)
    checks: Checks = []
    lost: dict[int, ColumnElement[bool]] = {}  # see _counts_by_exception
    failing: dict[int, Select] = {}  # rule position → its failing rows per source system
    for i, rule in enumerate(rules):
        p, tag = rule_params(rule), f"_{i}" if len(rules) > 1 else ""
        column = rule.get("column_name")
        customer_exists = linked and _checks_customer_exists(table, rule, p)
        passes: ColumnElement[bool] = true()
        if rule["rule_type"] == "unique" and _indexed(table, _key_columns(table, p, column)):
            # Rather than look up every row's key among the duplicates, count the rows of the
            # duplicated keys (few) through the index, and subtract them below.
            dup, keys, applies = _duplicates(table, p, column, tag)
            match = and_(*[k == dup.c[f"k{j}"] for j, k in enumerate(keys)])
            failing[i] = (
                select(*groups, func.count())
                .select_from(_joined(base, existed_joins).join(dup, match))
                .where(applies, existed)
                .group_by(*groups)
            )
        elif customer_exists:
            applies = _present(table.c.customer_id)  # passes: counted apart, see `lost`
        else:
            rule_joins, applies, passes = _terms(table, rule, p, reference_time, tag)
            joins += rule_joins
        if as_at:
            applies = and_(applies, existed)
            if rule["rule_type"] == "not_future":
                # A value later than a past moment did not exist yet at that moment.
                applies = and_(applies, passes)
        if customer_exists:
            lost[i] = applies
        checks.append((applies, passes))
    from_ = _joined(base, joins)
    if linked:
        per_group = _counts_by_exception(conn, table, base, from_, groups, checks, lost)
    else:
        per_group = _direct_counts(conn, from_, groups, checks)
    failed = {i: {(s, r): n for s, r, n in conn.execute(q).tuples()} for i, q in failing.items()}
    out: list[RegionCounts] = []
    for i in range(len(rules)):
        minus = failed.get(i, {})
        # NULL (no customer, or none recorded) is reported as "unlinked".
        out.append(
            [
                (s or UNLINKED, r or UNLINKED, c[i][0], c[i][1] - minus.get((s, r), 0))
                for (s, r), c in per_group
            ]
        )
    return out


def evaluate_rules_by_region(
    conn: Connection,
    rules: list[dict[str, Any]],
    reference_time: datetime,
    as_at: bool = False,
) -> list[RegionCounts]:
    """For each rule (in the order given), its (source_system, region, checked, passed) per
    source system and region of the rows' customers, with the rules of a table counted
    together. With `as_at`, only rows that already existed at `reference_time` are checked.

    Raises ValueError when a rule does not validate (see `validate_rule`).
    """
    for rule in rules:
        errors = validate_rule(rule)
        if errors:
            raise ValueError(f"rule {rule.get('code')!r} is invalid: " + "; ".join(errors))
    by_table: dict[str, list[int]] = {}
    for i, rule in enumerate(rules):
        by_table.setdefault(rule["table_name"], []).append(i)
    out: list[RegionCounts] = [[] for _ in rules]
    for name, positions in by_table.items():
        for start in range(0, len(positions), _RULES_PER_STATEMENT):
            chunk = positions[start : start + _RULES_PER_STATEMENT]
            counts = _table_counts(
                conn, CHECKED_TABLES[name], [rules[i] for i in chunk], reference_time, as_at
            )
            for i, rule_counts in zip(chunk, counts, strict=True):
                out[i] = rule_counts
    return out


def all_regions(counts: RegionCounts) -> Counts:
    """(source_system, checked, passed) per source system: the regions summed (in the order
    the source systems come, as counted)."""
    total: dict[str, tuple[int, int]] = {}
    for source, _region, checked, passed in counts:
        c, p = total.get(source, (0, 0))
        total[source] = (c + checked, p + passed)
    return [(s, c, p) for s, (c, p) in total.items()]


def evaluate_rules(
    conn: Connection,
    rules: list[dict[str, Any]],
    reference_time: datetime,
    as_at: bool = False,
) -> list[Counts]:
    """For each rule (in the order given), its (source_system, checked, passed) per source
    system: the counts each rule gives alone, with the rules of a table counted together.
    With `as_at`, only rows that already existed at `reference_time` are checked.

    Raises ValueError when a rule does not validate (see `validate_rule`).
    """
    by_region = evaluate_rules_by_region(conn, rules, reference_time, as_at)
    return [all_regions(counts) for counts in by_region]


def evaluate_rule(
    conn: Connection, rule: dict[str, Any], reference_time: datetime, as_at: bool = False
) -> Counts:
    """(source_system, checked, passed) per source system. With `as_at`, only rows that
    already existed at `reference_time` are checked.

    Raises ValueError when the rule does not validate (see `validate_rule`).
    """
    return evaluate_rules(conn, [rule], reference_time, as_at)[0]
