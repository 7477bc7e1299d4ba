"""Phase one of an import, read-only: every value parsed and checked (types, ranges, codes,
dates, cross-column rules, keys, foreign keys, the importer's region scope before and after),
and what will be written planned and spooled. Nothing here writes to the database."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import IO, Any

from sqlalchemy import ColumnElement, Connection, Engine, Table, select, tuple_

from analytics.kri import threshold_problem
from data_access.code_lists import all_entries
from data_access.models import Customer, CustomerAttribute, Risk
from data_access.pii import hash_national_id
from data_access.security import Viewer
from data_access.settings import national_id_key
from importer.formats import FIRST_RESPONSE_HOURS, FORMATS, Column, TableFormat, with_code_lists
from importer.header import ATTRIBUTE, resolve_header
from importer.reading import read_rows
from importer.report import ImportReport
from importer.values import parse_value
from quality.rules import CHECKED_TABLES

CHUNK_ROWS = 5_000
# How a kept column (a customer attribute) is checked: optional text of at most 200 characters.
ATTRIBUTE_COLUMN = Column("attribute", required=False)


def _row_checks(fmt: TableFormat, row: dict[str, Any]) -> list[tuple[str, str]]:
    """Rules across columns of one row: (column, reason)."""
    problems = []
    if fmt.name == "customers":
        churn, signup = row.get("churn_date"), row.get("signup_date")
        if churn and signup and churn < signup:
            problems.append(("churn_date", "before signup_date"))
        problems += _built_name(fmt, row)
    if fmt.name == "invoices" and row.get("period_month") and row["period_month"].day != 1:
        problems.append(("period_month", "not the first day of a month"))
    if fmt.name == "invoices" and not row.get("period_month") and not row.get("issued_on"):
        problems.append(("period_month", "give period_month or issued_on"))
    if fmt.name == "invoices" and row.get("status") == "paid" and row.get("paid_date") is None:
        # Not silently "late": without the date it was paid, timeliness cannot be judged.
        problems.append(("paid_date", "the invoice is paid but has no paid_date"))
    if fmt.name == "complaints":
        for later in ("first_response_at", "resolved_at"):
            if row.get(later) and row.get("opened_at") and row[later] < row["opened_at"]:
                problems.append((later, "before opened_at"))
        stage = row.get("stage")
        if stage in ("resolved", "closed") and row.get("resolved_at") is None:
            problems.append(("stage", f"{stage} but resolved_at is empty"))
        elif stage is not None and stage not in ("resolved", "closed") and row.get("resolved_at"):
            problems.append(("stage", f"{stage} but the complaint has a resolved_at"))
    if fmt.name == "kris":
        problems += _kri_checks(row)
    if fmt.name == "surveys" and all(row.get(k) is None for k in ("nps", "csat", "ces")):
        problems.append(("nps", "a survey answer needs at least one of nps, csat, ces"))
    return problems


def _built_name(fmt: TableFormat, row: dict[str, Any]) -> list[tuple[str, str]]:
    """A customer without a name but with given and/or family name is named
    "given_name family_name" (a name the file gives is kept as it is)."""
    if row.get("name") is not None:
        return []
    parts = [row.get("given_name"), row.get("family_name")]
    if not any(parts):
        return []  # _missing_with_alternatives names the row
    built = " ".join(p for p in parts if p)
    limit = fmt.column("name").max_len
    row["name"] = built  # shown in the report when it is refused
    if len(built) > limit:
        return [("name", f"given_name and family_name together are longer than {limit}")]
    return []


def _missing_with_alternatives(fmt: TableFormat, row: dict[str, Any]) -> list[str]:
    """Required columns that may be stood in for, empty in this row with every stand-in."""
    return [
        column
        for column, alternatives in fmt.alternatives
        if all(row.get(c) is None for c in (column, *alternatives))
    ]


def _kri_checks(row: dict[str, Any]) -> list[tuple[str, str]]:
    """Thresholds in the direction's order; a data-quality KRI names the table it watches."""
    problems = []
    amber, red = row.get("amber_threshold"), row.get("red_threshold")
    if amber is not None and red is not None:
        problem = threshold_problem(row.get("direction"), amber, red)
        if problem:
            problems.append(("amber_threshold", problem))
    if row.get("metric") == "dq_score" and row.get("metric_param") not in CHECKED_TABLES:
        problems.append(("metric_param", f"dq_score needs one of {', '.join(CHECKED_TABLES)}"))
    return problems


def _by_key(
    conn: Connection,
    key: ColumnElement,
    values: ColumnElement | tuple[ColumnElement, ...],
    wanted: set[str],
) -> dict[str, Any]:
    """key → value(s) of the stored rows whose `key` is among `wanted`, in bounded IN lists
    (`values` a column or a tuple of columns)."""
    columns = values if isinstance(values, tuple) else (values,)
    listed = sorted(wanted)
    found: dict[str, Any] = {}
    for i in range(0, len(listed), 1000):
        stmt = select(key, *columns).where(key.in_(listed[i : i + 1000]))
        for k, *rest in conn.execute(stmt):
            found[k] = tuple(rest) if isinstance(values, tuple) else rest[0]
    return found


def _risk_ids(conn: Connection, codes: set[str]) -> dict[str, int]:
    """Risk code → risk id of the risks that exist."""
    return _by_key(conn, Risk.code, Risk.id, codes)


def _customer_ids(conn: Connection, external_ids: set[str]) -> dict[str, tuple[int, str]]:
    """external_id → (customer id, region) of the customers that exist."""
    return _by_key(conn, Customer.external_id, (Customer.id, Customer.region), external_ids)


def _existing_rows(
    conn: Connection, table: Table, fmt: TableFormat, rows: list[dict], columns: list[str]
) -> dict[tuple, dict[str, Any]]:
    """Natural key → the stored row (id, region where the table has one, and `columns`) of
    the rows of this chunk already in the database."""
    key_columns = [table.c[k] for k in fmt.key]
    extra = [c for c in dict.fromkeys([*columns, "region"]) if c in table.c and c not in fmt.key]
    keys = {tuple(r[k] for k in fmt.key) for r in rows}
    found: dict[tuple, dict[str, Any]] = {}
    listed = sorted(keys, key=str)
    for i in range(0, len(listed), 500):
        part = listed[i : i + 500]
        if len(key_columns) == 1:
            match = key_columns[0].in_([k[0] for k in part])
        else:
            match = tuple_(*key_columns).in_(part)
        stmt = select(table.c.id, *key_columns, *(table.c[c] for c in extra)).where(match)
        for row in conn.execute(stmt).mappings():
            found[tuple(_normal(row[k]) for k in fmt.key)] = dict(row)
    return found


def _normal(value: Any) -> Any:
    """Keys compare the same whether they come from the file or the database."""
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            return datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _complete(fmt: TableFormat, row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Values the table needs that follow from the file's columns (only for columns the
    file carries, so an update never touches the others)."""
    if fmt.name == "customers":
        if "consent" in row:
            row["consent"] = bool(row["consent"])
        # The file's own last-change time when it has one (timeliness measures the source's
        # age); otherwise the import time, as before.
        if row.get("updated_at") is None:
            row["updated_at"] = now
    elif fmt.name == "invoices":
        if "paid_amount" in row:
            row["paid_amount"] = row["paid_amount"] or 0.0
        if row.get("period_month") is None and row.get("issued_on") is not None:
            row["period_month"] = row["issued_on"].replace(day=1)
    elif fmt.name == "source_records":
        if row.get("updated_at") is None:
            row["updated_at"] = now
    elif fmt.name == "complaints":
        if "escalated" in row:
            row["escalated"] = bool(row["escalated"])
        row["first_response_due_at"] = row["opened_at"] + timedelta(
            hours=FIRST_RESPONSE_HOURS[row["severity"]]
        )
        row["resolution_due_at"] = row["opened_at"] + timedelta(hours=row["sla_hours"])
        resolved = row.get("resolved_at")
        if row.get("stage") is None:
            row["stage"] = "closed" if resolved else "received"
        done = row["stage"] in ("resolved", "closed")
        row["stage_since"] = resolved if done else row["opened_at"]
        row["closed_at"] = resolved if row["stage"] == "closed" else None
    return row


def _chunks(rows: Iterator[list[str]], size: int) -> Iterator[list[tuple[int, list[str]]]]:
    chunk: list[tuple[int, list[str]]] = []
    for line, values in enumerate(rows, start=2):
        if not any(v.strip() for v in values):
            continue  # blank lines at the end of many exports
        chunk.append((line, values))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def validate_file(
    engine: Engine,
    viewer: Viewer,
    stream: IO[bytes],
    filename: str,
    sheet: str | None,
    report: ImportReport,
    spool: IO[bytes],
    progress: Callable[[int], None] | None,
    today: date | None,
    extra: str = "skip",
    date_format: str | None = None,
    mapping: dict[str, str] | None = None,
) -> None:
    """Phase one, read-only: every row is checked and what will be written is spooled.
    Header cells named in `mapping` feed the column it gives (or are skipped or kept)."""
    fmt = FORMATS[report.table]
    rows = read_rows(stream, filename, sheet)
    header = resolve_header(fmt, [h.strip() for h in next(rows, [])], extra, report, mapping)
    fmt = replace(fmt, key=fmt.key_for(header))
    if not report.ok:
        return
    today = today or date.today()
    now = datetime.now()
    seen: set[tuple] = set()
    # With the organisation's hash_national_id setting on, IDs are hashed as they are read:
    # the clear value never reaches the spool or the database.
    id_key = national_id_key(engine) if "national_id" in header else None
    with engine.connect() as conn:
        # The organisation's code lists as stored now: active codes are allowed, retired
        # ones are named as retired, anything else is collected as a proposed new code.
        entries = all_entries(conn)
        active = {
            name: tuple(e.code for e in listed if e.active) for name, listed in entries.items()
        }
        fmt = with_code_lists(fmt, active)
        retired = {
            name: frozenset(e.code for e in listed if not e.active)
            for name, listed in entries.items()
        }
        for chunk in _chunks(rows, CHUNK_ROWS):
            report.rows += len(chunk)
            valid = _validate_chunk(
                conn, viewer, fmt, header, chunk, seen, report, today, date_format, retired, id_key
            )
            if report.ok and valid:
                planned = _plan(conn, viewer, fmt, header, valid, report, now)
                if report.ok:
                    pickle.dump(planned, spool, protocol=pickle.HIGHEST_PROTOCOL)
            if progress:
                progress(report.rows)
    if report.rows == 0:
        report.add(2, "", "", "the file has a header but no rows")


def _region_problem(viewer: Viewer, fmt: TableFormat, row: dict[str, Any]) -> str | None:
    """Why a scoped importer may not write this row's region (None = allowed)."""
    if not viewer.region_scope or "region" not in {c.name for c in fmt.columns}:
        return None
    region = row.get("region")
    if region == viewer.region_scope:
        return None
    if region is None:
        return f"a row for every region needs a user without a region scope ({viewer.region_scope})"
    return f"outside your region {viewer.region_scope}"


def _column(fmt: TableFormat, name: str) -> Column:
    """The table's column, or the text column an attribute is checked as."""
    return ATTRIBUTE_COLUMN if name.startswith(ATTRIBUTE) else fmt.column(name)


def _validate_chunk(
    conn: Connection,
    viewer: Viewer,
    fmt: TableFormat,
    header: list[str | None],
    chunk: list[tuple[int, list[str]]],
    seen: set[tuple],
    report: ImportReport,
    today: date,
    date_format: str | None = None,
    retired: dict[str, frozenset[str]] | None = None,
    id_key: bytes | None = None,
) -> list[tuple[int, dict[str, Any]]]:
    """Parsed rows of one chunk that passed every check on their own; rows carry only the
    file's columns (an empty cell is None). With `id_key`, national IDs are replaced by
    their keyed hash."""
    retired = retired or {}
    parsed: list[tuple[int, dict[str, Any]]] = []
    for line, values in chunk:
        if len(values) > len(header):
            report.add(line, "", ",".join(values[len(header) :]), "more values than columns")
            continue
        row: dict[str, Any] = {}
        bad = False
        for name, raw in zip(header, values + [""] * (len(header) - len(values)), strict=True):
            if name is None:  # a column the table does not know, skipped
                continue
            col = _column(fmt, name)
            if "\x00" in raw:
                report.add(line, name, raw.replace("\x00", "\\0"), "contains a NUL character")
                bad = True
                continue
            raw = raw.strip()
            if raw == "":
                if col.required and not fmt.alternatives_of(name):
                    report.add(line, name, "", "required value is empty")
                    bad = True
                row[name] = None
                continue
            if col.code_list and col.codes is not None and raw not in col.codes:
                if len(raw) > col.max_len:
                    pass  # parse_value names the length
                elif raw in retired.get(col.code_list, ()):
                    report.add(line, name, raw, f"retired code of the {col.code_list} list")
                    bad = True
                    continue
                else:
                    report.add(line, name, raw, f"unknown code, not in the {col.code_list} list")
                    report.add_unknown_code(col.code_list, raw)
                    bad = True
                    continue
            try:
                row[name] = parse_value(col, raw, today, date_format)
            except ValueError as exc:
                report.add(line, name, raw, str(exc))
                bad = True
        if bad:
            continue
        if id_key is not None and row.get("national_id") is not None:
            row["national_id"] = hash_national_id(row["national_id"], id_key)
        for name in _missing_with_alternatives(fmt, row):
            instead = " and/or ".join(fmt.alternatives_of(name))
            report.add(line, name, "", f"required value is empty (or give {instead})")
            bad = True
        for name, reason in _row_checks(fmt, row):
            report.add(line, name, row.get(name), reason)
            bad = True
        region_problem = _region_problem(viewer, fmt, row)
        if region_problem:
            report.add(line, "region", row.get("region") or "", region_problem)
            bad = True
        key = tuple(row.get(k) for k in fmt.key)
        for name in (k for k, value in zip(fmt.key, key, strict=True) if value is None):
            report.add(line, name, "", "required value is empty (it identifies the row)")
            bad = True
        if key in seen:
            report.add(
                line, ",".join(fmt.key), "/".join(map(str, key)), "duplicate key in the file"
            )
            bad = True
        seen.add(key)
        if not bad:
            parsed.append((line, row))
    if fmt.name == "kris" and parsed:
        risks = _risk_ids(conn, {r["risk_id"] for _, r in parsed})
        linked = []
        for line, row in parsed:
            if row["risk_id"] not in risks:
                report.add(line, "risk_id", row["risk_id"], "no risk with this code")
                continue
            row["risk_id"] = risks[row["risk_id"]]
            linked.append((line, row))
        parsed = linked
    if "customer_id" in {c.name for c in fmt.columns} and parsed:
        owners = _customer_ids(conn, {r["customer_id"] for _, r in parsed})
        linked = []
        for line, row in parsed:
            owner = owners.get(row["customer_id"])
            if owner is None:
                report.add(line, "customer_id", row["customer_id"], "no such customer")
            elif viewer.region_scope and owner[1] != viewer.region_scope:
                report.add(line, "customer_id", row["customer_id"], "customer outside your region")
            else:
                row["_external"] = row["customer_id"]
                row["customer_id"] = owner[0]
                linked.append((line, row))
        parsed = linked
    return parsed


def _plan(
    conn: Connection,
    viewer: Viewer,
    fmt: TableFormat,
    header: list[str | None],
    rows: list[tuple[int, dict[str, Any]]],
    report: ImportReport,
    now: datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The inserts and updates of one validated chunk, checked against the stored rows:
    an append may not hit an existing key, an update only sets the file's columns, and a
    scoped importer may not take over a row stored for another region."""
    table: Table = fmt.model.__table__
    if fmt.name == "risks":
        return _plan_risks(conn, rows, report), [], []
    columns = [h for h in header if h is not None and not h.startswith(ATTRIBUTE)]
    existing = _existing_rows(conn, table, fmt, [r for _, r in rows], columns)
    attributes = _split_attributes(rows)
    _count_cleared_attributes(conn, attributes, existing, report)
    inserts, updates = [], []
    for line, row in rows:
        external = row.pop("_external", None)
        key = tuple(row[k] for k in fmt.key)
        stored = existing.get(key)
        if stored is None:
            full = {c.name: row.get(c.name) for c in fmt.columns}
            inserts.append(_complete(fmt, full, now))
            continue
        shown = "/".join(
            map(str, (external, *key[1:]) if external and "customer_id" in fmt.key else key)
        )
        if report.mode == "append":
            report.add(
                line, ",".join(fmt.key), shown, "already in the database (use upsert to update)"
            )
            continue
        if viewer.region_scope and stored.get("region", viewer.region_scope) != viewer.region_scope:
            report.add(
                line,
                ",".join(fmt.key),
                shown,
                f"stored for region {stored['region']}, outside your region {viewer.region_scope}",
            )
            continue
        if (
            "customer_id" in row
            and stored.get("customer_id", row["customer_id"]) != row["customer_id"]
        ):
            # An update never moves a row to another customer (nor out of a scope with it).
            report.add(line, "customer_id", external, "this row belongs to another customer")
            continue
        for name, value in row.items():
            if name == "updated_at":
                continue  # an empty cell means "the import time", never a cleared value
            if value is None and name not in fmt.key and stored.get(name) not in (None, False, ""):
                report.cleared[name] = report.cleared.get(name, 0) + 1
        updates.append({**_complete(fmt, row, now), "_id": stored["id"]})
    if report.ok:
        report.inserted += len(inserts)
        report.updated += len(updates)
    return inserts, updates, attributes


def _split_attributes(rows: list[tuple[int, dict[str, Any]]]) -> list[tuple[str, dict]]:
    """Take the kept columns out of the rows: (customer external_id, {name: value or None})."""
    attributes = []
    for _, row in rows:
        kept = {k.removeprefix(ATTRIBUTE): row.pop(k) for k in list(row) if k.startswith(ATTRIBUTE)}
        if kept:
            attributes.append((row["external_id"], kept))
    return attributes


def _count_cleared_attributes(
    conn: Connection, attributes: list[tuple[str, dict]], existing: dict, report: ImportReport
) -> None:
    """An empty cell of a kept column clears a stored attribute: count those, per column."""
    emptied = {
        (existing[(external,)]["id"], name)
        for external, values in attributes
        if (external,) in existing
        for name, value in values.items()
        if value is None
    }
    if not emptied:
        return
    ids = sorted({customer_id for customer_id, _ in emptied})
    stored = set()
    for i in range(0, len(ids), 500):
        stmt = select(CustomerAttribute.customer_id, CustomerAttribute.name).where(
            CustomerAttribute.customer_id.in_(ids[i : i + 500])
        )
        stored |= {(c, n) for c, n in conn.execute(stmt)}
    for _, name in emptied & stored:
        column = ATTRIBUTE + name
        report.cleared[column] = report.cleared.get(column, 0) + 1


def _plan_risks(
    conn: Connection, rows: list[tuple[int, dict[str, Any]]], report: ImportReport
) -> list[dict[str, Any]]:
    codes_in_db = set(
        conn.execute(select(Risk.code).where(Risk.code.in_([r["code"] for _, r in rows]))).scalars()
    )
    for line, row in rows:
        if row["code"] in codes_in_db:
            report.add(line, "code", row["code"], "already in the database")
    if report.ok:
        report.inserted += len(rows)
    return [row for _, row in rows]
