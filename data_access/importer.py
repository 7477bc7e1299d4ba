"""Import a CRM export (CSV or XLSX) into one table, all or nothing.

Every row is validated (required columns, types, dates, ranges, codes, foreign keys,
duplicates within the file and against the database) before it is written, and the whole
file goes in one transaction: if any row has a problem, nothing is written and the report
lists every problem as (row, column, value, reason). Files are read in chunks, so a file of
a million rows needs memory for one chunk and the set of keys seen, not for the file.

Command line:  python -m data_access.importer TABLE FILE [--mode append|upsert] [--user NAME]
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, tuple_, update

from data_access import audit, codes
from data_access.models import Complaint, Customer, Invoice, Risk, SurveyResponse
from data_access.security import IMPORT_DATA, Viewer

CHUNK_ROWS = 5_000
MAX_PROBLEMS = 1_000
MODES = ("append", "upsert")
FIRST_RESPONSE_HOURS = {"critical": 4, "high": 8, "medium": 12, "low": 24}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | int | float | date | datetime | bool
    required: bool = True
    codes: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None
    max_len: int = 200
    not_future: bool = False
    example: str = ""
    help: str = ""


@dataclass(frozen=True)
class TableFormat:
    name: str
    model: type
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # natural key: duplicates and upserts
    description: str

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, kind: str = "text", required: bool = True, **kw: Any) -> Column:
    return Column(name, kind, required, **kw)


FORMATS: dict[str, TableFormat] = {
    f.name: f
    for f in (
        TableFormat(
            "customers",
            Customer,
            (
                _c("external_id", max_len=40, example="CRM-0100001"),
                _c("name", max_len=120, example="Wang Fang"),
                _c("email", required=False, example="wang.fang@example.com"),
                _c("phone", required=False, max_len=40, example="13812345678"),
                _c("company", required=False, max_len=160, example="Ruida Logistics"),
                _c("region", codes=codes.REGIONS, example="East"),
                _c("industry", codes=codes.INDUSTRIES, example="Retail"),
                _c("segment", codes=codes.SEGMENTS, example="SMB"),
                _c("tier", codes=codes.TIERS, example="normal"),
                _c("channel", codes=codes.CHANNELS, example="Direct"),
                _c("lifecycle_stage", codes=codes.LIFECYCLE_STAGES, example="maintenance"),
                _c("source_system", codes=codes.SOURCE_SYSTEMS, example="CRM"),
                _c("signup_date", "date", not_future=True, example="2025-03-14"),
                _c("churn_date", "date", required=False, not_future=True),
                _c("churn_reason", required=False, codes=codes.CHURN_REASONS),
                _c("contract_type", codes=codes.CONTRACT_TYPES, example="annual"),
                _c("credit_score", "int", required=False, low=300, high=850, example="712"),
                _c("credit_limit", "float", required=False, low=0, example="50000"),
                _c("consent", "bool", required=False, example="true"),
                _c("consent_date", "date", required=False, not_future=True),
            ),
            ("external_id",),
            "One row per customer; external_id is the customer's key in your CRM.",
        ),
        TableFormat(
            "invoices",
            Invoice,
            (
                _c("customer_id", max_len=40, example="CRM-0100001", help="customer external_id"),
                _c("period_month", "date", example="2026-10-01", help="first day of the month"),
                _c("amount", "float", low=0, example="1800.00"),
                _c("due_date", "date", example="2026-11-15"),
                _c("paid_date", "date", required=False, not_future=True),
                _c("paid_amount", "float", required=False, low=0),
                _c("status", codes=codes.INVOICE_STATUSES, example="open"),
            ),
            ("customer_id", "period_month"),
            "One row per customer and invoiced month.",
        ),
        TableFormat(
            "surveys",
            SurveyResponse,
            (
                _c("customer_id", max_len=40, example="CRM-0100001"),
                _c("responded_on", "date", not_future=True, example="2026-10-20"),
                _c("touchpoint", codes=codes.TOUCHPOINTS, example="support"),
                _c("nps", "int", required=False, low=0, high=10, example="9"),
                _c("csat", "int", required=False, low=1, high=5, example="4"),
                _c("ces", "int", required=False, low=1, high=7, example="2"),
                _c("comment", required=False, max_len=2000),
            ),
            ("customer_id", "responded_on", "touchpoint"),
            "One survey answer; nps 0–10, csat 1–5, ces 1–7 (any may be empty).",
        ),
        TableFormat(
            "complaints",
            Complaint,
            (
                _c("customer_id", max_len=40, example="CRM-0100001"),
                _c("category", codes=codes.COMPLAINT_CATEGORIES, example="billing"),
                _c("severity", codes=codes.SEVERITIES, example="medium"),
                _c("channel", max_len=20, example="phone"),
                _c("opened_at", "datetime", not_future=True, example="2026-10-20 09:30"),
                _c("first_response_at", "datetime", required=False, not_future=True),
                _c("resolved_at", "datetime", required=False, not_future=True),
                _c("sla_hours", "int", low=1, high=24 * 90, example="72"),
                _c("escalated", "bool", required=False, example="false"),
                _c("description", required=False, max_len=4000),
            ),
            ("customer_id", "opened_at", "category"),
            "One complaint; the response and resolution due times follow from severity and SLA.",
        ),
        TableFormat(
            "risks",
            Risk,
            (
                _c("code", max_len=20, example="R-101"),
                _c("title", max_len=200, example="Key account churn in East"),
                _c("category", codes=tuple(codes.RISK_CATEGORIES), example="CHN"),
                _c("owner", max_len=80, example="Li Na"),
                _c("description", required=False, max_len=4000),
                _c("region", required=False, codes=codes.REGIONS),
                _c("segment", required=False, codes=codes.SEGMENTS),
                _c("tier", required=False, codes=codes.TIERS),
                _c("likelihood", "int", low=1, high=5, example="3"),
                _c("impact", "int", low=1, high=5, example="4"),
            ),
            ("code",),
            "New register risks with their inherent likelihood and impact (append only).",
        ),
    )
}


@dataclass(frozen=True)
class Problem:
    row: int  # line in the file: 1 = header
    column: str
    value: str
    reason: str


@dataclass
class ImportReport:
    table: str
    mode: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, row: int, column: str, value: Any, reason: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, column, str(value)[:80], reason))


class ImportFileError(ValueError):
    """The file as a whole cannot be read (empty, wrong encoding, not a spreadsheet)."""


# --- reading ----------------------------------------------------------------------------------


def _csv_rows(stream: IO[bytes]) -> Iterator[list[str]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        yield from csv.reader(text)
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            "encoding: the file is not UTF-8 text; save it as 'CSV UTF-8' and try again"
        ) from exc
    except csv.Error as exc:
        raise ImportFileError(f"format: not a readable CSV file ({exc})") from exc


def _xlsx_rows(stream: IO[bytes]) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise ImportFileError("format: not a readable .xlsx workbook") from exc
    for values in book.worksheets[0].iter_rows(values_only=True):
        yield ["" if v is None else _cell_text(v) for v in values]


def _cell_text(value: Any) -> str:
    if isinstance(value, datetime):
        midnight = value.hour == value.minute == value.second == 0
        return value.date().isoformat() if midnight else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_rows(stream: IO[bytes], filename: str) -> Iterator[list[str]]:
    """Rows of the file as lists of text (header first), whatever its format."""
    head = stream.read(4)
    if not head:
        raise ImportFileError("file: the file is empty")
    stream.seek(0)
    if head.startswith(b"PK"):
        return _xlsx_rows(stream)
    if filename.lower().endswith(".xlsx"):
        raise ImportFileError("format: the file is named .xlsx but is not a workbook")
    return _csv_rows(stream)


# --- converting one value ---------------------------------------------------------------------


def _parse(col: Column, raw: str, today: date) -> Any:
    """The typed value, or raise ValueError with the reason."""
    if col.kind == "text":
        if len(raw) > col.max_len:
            raise ValueError(f"longer than {col.max_len} characters")
        if col.codes is not None and raw not in col.codes:
            raise ValueError(f"unknown code; allowed: {', '.join(col.codes)}")
        if col.name == "email" and not _EMAIL.match(raw):
            raise ValueError("not an e-mail address")
        return raw
    if col.kind == "bool":
        lowered = raw.lower()
        if lowered in ("true", "1", "yes", "y"):
            return True
        if lowered in ("false", "0", "no", "n"):
            return False
        raise ValueError("not true/false")
    if col.kind in ("int", "float"):
        try:
            number = float(raw.replace(",", ""))
        except ValueError:
            raise ValueError("not a number") from None
        if col.kind == "int" and not number.is_integer():
            raise ValueError("not a whole number")
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError("not a number")
        if col.low is not None and number < col.low:
            raise ValueError(f"below the minimum {col.low:g}")
        if col.high is not None and number > col.high:
            raise ValueError(f"above the maximum {col.high:g}")
        return int(number) if col.kind == "int" else number
    if col.kind == "date":
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            raise ValueError("not a date (YYYY-MM-DD)") from None
    else:
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise ValueError("not a date and time (YYYY-MM-DD HH:MM)") from None
    if col.not_future and (value if col.kind == "date" else value.date()) > today:
        raise ValueError("in the future")
    return value


# --- validating a chunk -----------------------------------------------------------------------


def _row_checks(fmt: TableFormat, row: dict[str, Any]) -> list[tuple[str, str]]:
    """Rules across columns of one row: (column, reason)."""
    problems = []
    if fmt.name == "customers":
        churn, signup = row.get("churn_date"), row.get("signup_date")
        if churn and signup and churn < signup:
            problems.append(("churn_date", "before signup_date"))
    if fmt.name == "invoices" and row.get("period_month") and row["period_month"].day != 1:
        problems.append(("period_month", "not the first day of a month"))
    if fmt.name == "complaints":
        for later in ("first_response_at", "resolved_at"):
            if row.get(later) and row.get("opened_at") and row[later] < row["opened_at"]:
                problems.append((later, "before opened_at"))
    if fmt.name == "surveys" and all(row.get(k) is None for k in ("nps", "csat", "ces")):
        problems.append(("nps", "a survey answer needs at least one of nps, csat, ces"))
    return problems


def _customer_ids(conn: Connection, external_ids: set[str]) -> dict[str, tuple[int, str]]:
    """external_id → (customer id, region) of the customers that exist."""
    ids: dict[str, tuple[int, str]] = {}
    listed = sorted(external_ids)
    for i in range(0, len(listed), 1000):
        stmt = select(Customer.external_id, Customer.id, Customer.region).where(
            Customer.external_id.in_(listed[i : i + 1000])
        )
        ids |= {e: (cid, region) for e, cid, region in conn.execute(stmt)}
    return ids


def _existing_keys(conn: Connection, table: Table, fmt: TableFormat, rows: list[dict]) -> dict:
    """Natural key → id of the rows of this chunk already in the database."""
    key_columns = [table.c[k] for k in fmt.key]
    keys = {tuple(r[k] for k in fmt.key) for r in rows}
    found: dict = {}
    listed = sorted(keys, key=str)
    for i in range(0, len(listed), 500):
        part = listed[i : i + 500]
        if len(key_columns) == 1:
            match = key_columns[0].in_([k[0] for k in part])
        else:
            match = tuple_(*key_columns).in_(part)
        stmt = select(table.c.id, *key_columns).where(match)
        for row in conn.execute(stmt):
            found[tuple(_normal(v) for v in row[1:])] = row[0]
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
    """Columns the table needs that the file does not carry."""
    if fmt.name == "customers":
        row.setdefault("consent", False)
        row["consent"] = bool(row["consent"]) if row["consent"] is not None else False
        row["updated_at"] = now
    elif fmt.name == "invoices":
        row["paid_amount"] = row.get("paid_amount") or 0.0
    elif fmt.name == "complaints":
        row["escalated"] = bool(row.get("escalated"))
        row["first_response_due_at"] = row["opened_at"] + timedelta(
            hours=FIRST_RESPONSE_HOURS[row["severity"]]
        )
        row["resolution_due_at"] = row["opened_at"] + timedelta(hours=row["sla_hours"])
    return row


# --- the import -------------------------------------------------------------------------------


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


def import_file(
    engine: Engine,
    viewer: Viewer,
    table_name: str,
    stream: IO[bytes],
    filename: str = "",
    mode: str = "append",
    progress: Callable[[int], None] | None = None,
    today: date | None = None,
) -> ImportReport:
    """Validate and import one file into `table_name`; nothing is written unless every row
    is valid. `progress` is called with the number of rows read so far."""
    if not viewer.can(IMPORT_DATA):
        raise PermissionError("importing data")
    if table_name not in FORMATS:
        raise ValueError(f"table: unknown table {table_name!r} (one of {', '.join(FORMATS)})")
    if mode not in MODES:
        raise ValueError(f"mode: unknown mode {mode!r} (append or upsert)")
    fmt = FORMATS[table_name]
    report = ImportReport(table_name, mode)
    if fmt.name == "risks" and mode == "upsert":
        raise ValueError(
            "mode: risks are imported with mode append (edit existing risks in the register)"
        )
    rows = read_rows(stream, filename)
    header = [h.strip() for h in next(rows, [])]
    known = {c.name for c in fmt.columns}
    missing = [c.name for c in fmt.columns if c.required and c.name not in header]
    for name in missing:
        report.add(1, name, "", "required column is missing")
    for name in header:
        if name not in known:
            report.add(1, name, name, "unknown column")
    if len(set(header)) != len(header):
        report.add(1, "", ",".join(header), "a column name appears twice")
    if not report.ok:
        return report
    today = today or date.today()
    now = datetime.now()
    seen: set[tuple] = set()
    model_table: Table = fmt.model.__table__
    with engine.begin() as conn:
        for chunk in _chunks(rows, CHUNK_ROWS):
            report.rows += len(chunk)
            valid = _validate_chunk(conn, viewer, fmt, header, chunk, seen, report, today)
            if report.ok and valid:
                _write(conn, viewer, fmt, model_table, valid, mode, report, now)
            if progress:
                progress(report.rows)
        if report.rows == 0:
            report.add(2, "", "", "the file has a header but no rows")
        if not report.ok:
            conn.rollback()
            report.inserted = report.updated = 0
            return report
        audit.record(
            conn,
            viewer.username,
            "import",
            table_name,
            filename[:60] or None,
            {
                "mode": mode,
                "rows": report.rows,
                "inserted": report.inserted,
                "updated": report.updated,
            },
        )
    return report


def _validate_chunk(
    conn: Connection,
    viewer: Viewer,
    fmt: TableFormat,
    header: list[str],
    chunk: list[tuple[int, list[str]]],
    seen: set[tuple],
    report: ImportReport,
    today: date,
) -> list[tuple[int, dict[str, Any]]]:
    parsed: list[tuple[int, dict[str, Any]]] = []
    for line, values in chunk:
        if len(values) > len(header):
            report.add(line, "", ",".join(values[len(header) :]), "more values than columns")
            continue
        row: dict[str, Any] = {}
        bad = False
        for name, raw in zip(header, values + [""] * (len(header) - len(values)), strict=True):
            col = fmt.column(name)
            raw = raw.strip()
            if raw == "":
                if col.required:
                    report.add(line, name, "", "required value is empty")
                    bad = True
                row[name] = None
                continue
            try:
                row[name] = _parse(col, raw, today)
            except ValueError as exc:
                report.add(line, name, raw, str(exc))
                bad = True
        for name in (c.name for c in fmt.columns if c.name not in row):
            row[name] = None
        if bad:
            continue
        for name, reason in _row_checks(fmt, row):
            report.add(line, name, row.get(name), reason)
            bad = True
        if viewer.region_scope and row.get("region") not in (None, viewer.region_scope):
            report.add(line, "region", row["region"], f"outside your region {viewer.region_scope}")
            bad = True
        key = tuple(row[k] for k in fmt.key)
        if key in seen:
            report.add(
                line, ",".join(fmt.key), "/".join(map(str, key)), "duplicate key in the file"
            )
            bad = True
        seen.add(key)
        if not bad:
            parsed.append((line, row))
    if "customer_id" in fmt.key and parsed:
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


def _write(
    conn: Connection,
    viewer: Viewer,
    fmt: TableFormat,
    table: Table,
    rows: list[tuple[int, dict[str, Any]]],
    mode: str,
    report: ImportReport,
    now: datetime,
) -> None:
    if fmt.name == "risks":
        _write_risks(conn, viewer, rows, report, now)
        return
    existing = _existing_keys(conn, table, fmt, [r for _, r in rows])
    inserts, updates = [], []
    for line, row in rows:
        external = row.pop("_external", None)
        key = tuple(row[k] for k in fmt.key)
        record = _complete(fmt, row, now)
        if key in existing:
            if mode == "append":
                shown = "/".join(map(str, (external, *key[1:]) if external else key))
                report.add(
                    line, ",".join(fmt.key), shown, "already in the database (use upsert to update)"
                )
                continue
            updates.append({**record, "_id": existing[key]})
        else:
            inserts.append(record)
    if not report.ok:
        return
    if inserts:
        conn.execute(insert(table), inserts)
        report.inserted += len(inserts)
    if updates:
        columns = [k for k in updates[0] if k != "_id"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({c: bindparam(c) for c in columns})
        )
        conn.execute(stmt, updates)
        report.updated += len(updates)


def _write_risks(conn, viewer, rows, report, now) -> None:  # noqa: ANN001
    from data_access.register import RiskInput, insert_risk

    codes_in_db = set(
        conn.execute(select(Risk.code).where(Risk.code.in_([r["code"] for _, r in rows]))).scalars()
    )
    for line, row in rows:
        if row["code"] in codes_in_db:
            report.add(line, "code", row["code"], "already in the database")
    if not report.ok:
        return
    for _line, row in rows:
        data = RiskInput(
            row["title"],
            row["category"],
            row["owner"],
            row.get("description") or "",
            row.get("region"),
            row.get("segment"),
            row.get("tier"),
        )
        insert_risk(conn, viewer, data, row["likelihood"], row["impact"], now, code=row["code"])
        report.inserted += 1


def template_csv(table_name: str) -> str:
    """Header and one example row, the documented format of `table_name`."""
    fmt = FORMATS[table_name]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.name for c in fmt.columns])
    writer.writerow([c.example for c in fmt.columns])
    return out.getvalue()


def format_table(table_name: str) -> list[dict[str, str]]:
    """The documented columns of `table_name`: name, type, required, allowed values."""
    rows = []
    for c in FORMATS[table_name].columns:
        allowed = ", ".join(c.codes) if c.codes else ""
        if c.low is not None or c.high is not None:
            low = "" if c.low is None else f"{c.low:g}"
            high = "" if c.high is None else f"{c.high:g}"
            allowed = f"{low} … {high}"
        rows.append(
            {
                "column": c.name,
                "type": c.kind,
                "required": "yes" if c.required else "no",
                "allowed": allowed,
                "note": c.help or ("not in the future" if c.not_future else ""),
            }
        )
    return rows


def after_import(engine: Engine, username: str) -> int:
    """Refresh what depends on the data: a data-quality run and the KRI values."""
    from data_access.bootstrap import refresh_kris
    from data_access.dq import run_checks

    run_id = run_checks(engine, username)
    refresh_kris(engine)
    return run_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("table", choices=list(FORMATS))
    parser.add_argument("file", type=Path)
    parser.add_argument("--mode", choices=MODES, default="append")
    parser.add_argument("--user", default="cli-import", help="recorded in the audit log")
    args = parser.parse_args(argv)
    from data_access.db import get_engine

    engine = get_engine()
    viewer = Viewer(args.user, "admin")
    try:
        with args.file.open("rb") as stream:
            report = import_file(engine, viewer, args.table, stream, args.file.name, args.mode)
    except (ImportFileError, ValueError, OSError) as exc:
        print(f"Nothing imported: {exc}", file=sys.stderr)
        return 1
    if not report.ok:
        print(f"Nothing imported: {report.problem_count} problem(s) in {report.rows} row(s).")
        for p in report.problems:
            print(f"  row {p.row}, column {p.column or '-'}: {p.reason} (value: {p.value!r})")
        return 1
    run_id = after_import(engine, args.user)
    print(
        f"Imported {report.rows} row(s) into {args.table}: {report.inserted} new, "
        f"{report.updated} updated. Data-quality run #{run_id} and KRIs refreshed."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
