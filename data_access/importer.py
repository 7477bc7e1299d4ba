"""Import a CRM export (CSV or XLSX) into one table, all or nothing.

Every row is validated (required columns, types, dates, ranges, codes, foreign keys,
duplicates within the file and against the database, the importer's region scope before and
after the change) before anything is written: if any row has a problem, nothing is written,
the report lists every problem as (row, column, value, reason) and the refusal is audited.

Two phases keep the database usable during a large import: validation only reads (rows that
will be written are spooled to a temporary file), then one short transaction writes the
spool. Files are read in chunks, so a file of a million rows needs memory for one chunk and
the set of keys seen, not for the file.

An upsert changes only the columns the file carries: a column left out of the file keeps its
stored values, and an empty cell in a column the file does carry clears the value (the
report counts the values cleared per column).

Command line:
  python -m data_access.importer TABLE FILE [--mode append|upsert] [--sheet NAME] [--user NAME]
"""

from __future__ import annotations

import argparse
import csv
import io
import pickle
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from data_access import audit, codes
from data_access.models import Complaint, Customer, Invoice, Risk, SurveyResponse
from data_access.security import IMPORT_DATA, Viewer

CHUNK_ROWS = 5_000
MAX_PROBLEMS = 1_000
# Python's csv module refuses a cell longer than this; no column takes more than 4,000.
CSV_FIELD_LIMIT = csv.field_size_limit()
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
    cleared: dict[str, int] = field(default_factory=dict)  # column → values an upsert emptied

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


class _RecordTap:
    """The text lines of the CSV record being read, so a record the csv module refuses can
    be parsed again to name the column at fault."""

    def __init__(self, lines: IO[str]) -> None:
        self.lines = lines
        self.current: list[str] = []

    def __iter__(self) -> _RecordTap:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.current.append(line)
        return line


def _oversized_column(record: str) -> int | None:
    """Index of the first cell longer than the csv limit in one record's text."""
    previous = csv.field_size_limit(sys.maxsize)
    try:
        cells = next(csv.reader(io.StringIO(record)), [])
    except csv.Error:
        return None
    finally:
        csv.field_size_limit(previous)
    return next((i for i, cell in enumerate(cells) if len(cell) > CSV_FIELD_LIMIT), None)


def _csv_rows(stream: IO[bytes]) -> Iterator[list[str]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    tap = _RecordTap(text)
    reader = csv.reader(tap)
    header: list[str] = []
    try:
        for values in reader:
            tap.current = []
            header = header or values
            yield values
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            "encoding: the file is not UTF-8 text; save it as 'CSV UTF-8' and try again"
        ) from exc
    except csv.Error as exc:
        line = reader.line_num
        if "field larger than field limit" in str(exc):
            index = _oversized_column("".join(tap.current))
            column = header[index].strip() if index is not None and index < len(header) else "?"
            raise ImportFileError(
                f"row {line}, column {column}: a value longer than {CSV_FIELD_LIMIT:,} "
                "characters (no column takes more than 4,000)"
            ) from exc
        raise ImportFileError(f"format: not a readable CSV file (row {line}: {exc})") from exc


def _open_workbook(stream: IO[bytes]) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise ImportFileError("format: not a readable .xlsx workbook") from exc


def _has_data(sheet: Any) -> bool:
    return any(
        v is not None and str(v).strip() for row in sheet.iter_rows(values_only=True) for v in row
    )


def workbook_sheets(stream: IO[bytes]) -> list[str]:
    """Names of the sheets that hold data, in workbook order (the stream is rewound)."""
    book = _open_workbook(stream)
    try:
        return [sheet.title for sheet in book.worksheets if _has_data(sheet)]
    finally:
        book.close()
        stream.seek(0)


def _xlsx_rows(stream: IO[bytes], sheet_name: str | None) -> Iterator[list[str]]:
    book = _open_workbook(stream)
    with_data = [sheet for sheet in book.worksheets if _has_data(sheet)]
    if sheet_name is not None:
        chosen = next((s for s in book.worksheets if s.title == sheet_name), None)
        if chosen is None:
            names = ", ".join(s.title for s in book.worksheets)
            raise ImportFileError(f"sheet: the workbook has no sheet {sheet_name!r} ({names})")
    elif len(with_data) > 1:
        names = ", ".join(repr(s.title) for s in with_data)
        raise ImportFileError(
            f"sheet: the workbook has data on {len(with_data)} sheets ({names}); choose the "
            "sheet to import"
        )
    else:
        chosen = with_data[0] if with_data else book.worksheets[0]
    for values in chosen.iter_rows(values_only=True):
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


def read_rows(stream: IO[bytes], filename: str, sheet: str | None = None) -> Iterator[list[str]]:
    """Rows of the file as lists of text (header first), whatever its format. A workbook
    with data on several sheets needs `sheet`."""
    head = stream.read(4)
    if not head:
        raise ImportFileError("file: the file is empty")
    stream.seek(0)
    if head.startswith(b"PK"):
        return _xlsx_rows(stream, sheet)
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
        row["updated_at"] = now
    elif fmt.name == "invoices":
        if "paid_amount" in row:
            row["paid_amount"] = row["paid_amount"] or 0.0
    elif fmt.name == "complaints":
        if "escalated" in row:
            row["escalated"] = bool(row["escalated"])
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


def _check_header(fmt: TableFormat, header: list[str], report: ImportReport) -> None:
    known = {c.name for c in fmt.columns}
    for name in header:
        if "\x00" in name:
            report.add(1, name.replace("\x00", "\\0"), "", "a column name contains a NUL character")
        elif name not in known:
            report.add(1, name, name, "unknown column")
    for name in (c.name for c in fmt.columns if c.required and c.name not in header):
        report.add(1, name, "", "required column is missing")
    if len(set(header)) != len(header):
        report.add(1, "", ",".join(header), "a column name appears twice")


def import_file(
    engine: Engine,
    viewer: Viewer,
    table_name: str,
    stream: IO[bytes],
    filename: str = "",
    mode: str = "append",
    progress: Callable[[int], None] | None = None,
    today: date | None = None,
    sheet: str | None = None,
) -> ImportReport:
    """Validate and import one file into `table_name`; nothing is written unless every row
    is valid. `progress` is called with the number of rows read so far. A refused file is
    audited too (import_failed), an unreadable one included."""
    if not viewer.can(IMPORT_DATA):
        raise PermissionError("importing data")
    if table_name not in FORMATS:
        raise ValueError(f"table: unknown table {table_name!r} (one of {', '.join(FORMATS)})")
    if mode not in MODES:
        raise ValueError(f"mode: unknown mode {mode!r} (append or upsert)")
    if table_name == "risks" and mode == "upsert":
        raise ValueError(
            "mode: risks are imported with mode append (edit existing risks in the register)"
        )
    report = ImportReport(table_name, mode)
    try:
        with tempfile.TemporaryFile() as spool:
            _validate_file(engine, viewer, stream, filename, sheet, report, spool, progress, today)
            if report.ok:
                spool.seek(0)
                _write_spool(engine, viewer, report, spool, filename)
    except ImportFileError as exc:
        _audit_refusal(engine, viewer, report, filename, str(exc))
        raise
    if not report.ok:
        report.inserted = report.updated = 0
        report.cleared = {}
        first = report.problems[0]
        _audit_refusal(
            engine, viewer, report, filename, f"row {first.row}, {first.column}: {first.reason}"
        )
    return report


def _validate_file(
    engine: Engine,
    viewer: Viewer,
    stream: IO[bytes],
    filename: str,
    sheet: str | None,
    report: ImportReport,
    spool: IO[bytes],
    progress: Callable[[int], None] | None,
    today: date | None,
) -> None:
    """Phase one, read-only: every row is checked and what will be written is spooled."""
    fmt = FORMATS[report.table]
    rows = read_rows(stream, filename, sheet)
    header = [h.strip() for h in next(rows, [])]
    _check_header(fmt, header, report)
    if not report.ok:
        return
    today = today or date.today()
    now = datetime.now()
    seen: set[tuple] = set()
    with engine.connect() as conn:
        for chunk in _chunks(rows, CHUNK_ROWS):
            report.rows += len(chunk)
            valid = _validate_chunk(conn, viewer, fmt, header, chunk, seen, report, today)
            if report.ok and valid:
                planned = _plan(conn, viewer, fmt, header, valid, report, now)
                if report.ok:
                    pickle.dump(planned, spool, protocol=pickle.HIGHEST_PROTOCOL)
            if progress:
                progress(report.rows)
    if report.rows == 0:
        report.add(2, "", "", "the file has a header but no rows")


def _write_spool(
    engine: Engine, viewer: Viewer, report: ImportReport, spool: IO[bytes], filename: str
) -> None:
    """Phase two: one transaction writes what phase one planned, and audits it."""
    fmt = FORMATS[report.table]
    table: Table = fmt.model.__table__
    now = datetime.now()
    try:
        with engine.begin() as conn:
            while True:
                try:
                    inserts, updates = pickle.load(spool)  # noqa: S301 - our own temp file
                except EOFError:
                    break
                if fmt.name == "risks":
                    for row in inserts:
                        _insert_risk_row(conn, viewer, row, now)
                    continue
                if inserts:
                    conn.execute(insert(table), inserts)
                if updates:
                    columns = [k for k in updates[0] if k != "_id"]
                    stmt = (
                        update(table)
                        .where(table.c.id == bindparam("_id"))
                        .values({c: bindparam(c) for c in columns})
                    )
                    conn.execute(stmt, updates)
            audit.record(
                conn,
                viewer.username,
                "import",
                report.table,
                filename[:60] or None,
                {
                    "mode": report.mode,
                    "rows": report.rows,
                    "inserted": report.inserted,
                    "updated": report.updated,
                    "cleared": report.cleared,
                },
            )
    except IntegrityError:
        report.add(
            0,
            "",
            "",
            "the database changed while the file was being checked (another import?); "
            "nothing was imported, please try again",
        )


def _audit_refusal(
    engine: Engine, viewer: Viewer, report: ImportReport, filename: str, why: str
) -> None:
    with engine.begin() as conn:
        audit.record(
            conn,
            viewer.username,
            "import_failed",
            report.table,
            filename[:60] or None,
            {
                "mode": report.mode,
                "rows": report.rows,
                "problems": report.problem_count,
                "first": why[:300],
            },
        )


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
    """Parsed rows of one chunk that passed every check on their own; rows carry only the
    file's columns (an empty cell is None)."""
    parsed: list[tuple[int, dict[str, Any]]] = []
    for line, values in chunk:
        if len(values) > len(header):
            report.add(line, "", ",".join(values[len(header) :]), "more values than columns")
            continue
        row: dict[str, Any] = {}
        bad = False
        for name, raw in zip(header, values + [""] * (len(header) - len(values)), strict=True):
            col = fmt.column(name)
            if "\x00" in raw:
                report.add(line, name, raw.replace("\x00", "\\0"), "contains a NUL character")
                bad = True
                continue
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
        if bad:
            continue
        for name, reason in _row_checks(fmt, row):
            report.add(line, name, row.get(name), reason)
            bad = True
        region_problem = _region_problem(viewer, fmt, row)
        if region_problem:
            report.add(line, "region", row.get("region") or "", region_problem)
            bad = True
        key = tuple(row.get(k) for k in fmt.key)
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


def _plan(
    conn: Connection,
    viewer: Viewer,
    fmt: TableFormat,
    header: list[str],
    rows: list[tuple[int, dict[str, Any]]],
    report: ImportReport,
    now: datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The inserts and updates of one validated chunk, checked against the stored rows:
    an append may not hit an existing key, an update only sets the file's columns, and a
    scoped importer may not take over a row stored for another region."""
    table: Table = fmt.model.__table__
    if fmt.name == "risks":
        return _plan_risks(conn, rows, report), []
    existing = _existing_rows(conn, table, fmt, [r for _, r in rows], header)
    inserts, updates = [], []
    for line, row in rows:
        external = row.pop("_external", None)
        key = tuple(row[k] for k in fmt.key)
        stored = existing.get(key)
        if stored is None:
            full = {c.name: row.get(c.name) for c in fmt.columns}
            inserts.append(_complete(fmt, full, now))
            continue
        shown = "/".join(map(str, (external, *key[1:]) if external else key))
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
        for name, value in row.items():
            if value is None and name not in fmt.key and stored.get(name) not in (None, False, ""):
                report.cleared[name] = report.cleared.get(name, 0) + 1
        updates.append({**_complete(fmt, row, now), "_id": stored["id"]})
    if report.ok:
        report.inserted += len(inserts)
        report.updated += len(updates)
    return inserts, updates


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


def _insert_risk_row(conn: Connection, viewer: Viewer, row: dict[str, Any], now: datetime) -> None:
    from data_access.register import RiskInput, insert_risk

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


def cleared_text(cleared: dict[str, int]) -> str:
    """'email 3, phone 1': how many stored values each column's empty cells cleared."""
    return ", ".join(f"{column} {n:,}" for column, n in sorted(cleared.items()))


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
    parser.add_argument("--sheet", help="the sheet to import from a workbook with several")
    parser.add_argument("--user", default="cli-import", help="recorded in the audit log")
    args = parser.parse_args(argv)
    from data_access.db import get_engine

    engine = get_engine()
    viewer = Viewer(args.user, "admin")
    try:
        with args.file.open("rb") as stream:
            report = import_file(
                engine, viewer, args.table, stream, args.file.name, args.mode, sheet=args.sheet
            )
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
    if report.cleared:
        print("Values cleared by empty cells: " + cleared_text(report.cleared))
    return 0


if __name__ == "__main__":
    sys.exit(main())
