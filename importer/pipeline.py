"""An import from start to end: check everything (reading only), then write everything in
one short transaction, or nothing; afterwards refresh what depends on the data."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from typing import IO

from sqlalchemy import Engine

from data_access import snapshot
from data_access.churn_model import fit_churn_models
from data_access.code_lists import add_codes
from data_access.db import refresh_statistics
from data_access.kri import refresh_kris
from data_access.security import ADMIN_USERS, IMPORT_DATA, Viewer
from importer import checks, writing
from importer.formats import FORMATS, MODES
from importer.header import mapping_problems
from importer.report import ImportFileError, ImportReport
from quality.runs import run_checks


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
    extra: str = "skip",
    date_format: str | None = None,
    mapping: dict[str, str] | None = None,
) -> ImportReport:
    """Validate and import one file into `table_name`; nothing is written unless every row
    is valid. `progress` is called with the number of rows read so far. A refused file is
    audited too (import_failed), an unreadable one included. Columns the table does not
    know are skipped, or with `extra="keep"` kept as customer attributes. Dates are ISO 8601
    (2026-03-14, 20260314) or in `date_format` (strftime, e.g. "%d/%m/%Y"). `mapping`
    ({file header cell: column, "skip" or "attribute"}) places the cells it names before
    the others are matched by name and alias."""
    if not viewer.can(IMPORT_DATA):
        raise PermissionError("importing data")
    if table_name not in FORMATS:
        raise ValueError(f"table: unknown table {table_name!r} (one of {', '.join(FORMATS)})")
    if table_name not in tables_for(viewer):
        raise PermissionError(f"importing {table_name}")
    if mode not in MODES:
        raise ValueError(f"mode: unknown mode {mode!r} (append or upsert)")
    if table_name == "risks" and mode == "upsert":
        raise ValueError(
            "mode: risks are imported with mode append (edit existing risks in the register)"
        )
    # A bad mapping is the caller's mistake, like an unknown mode: refused before reading.
    problems = mapping_problems(FORMATS[table_name], mapping or {})
    if problems:
        raise ValueError("; ".join(problems))
    report = ImportReport(table_name, mode)
    try:
        with tempfile.TemporaryFile() as spool:
            checks.validate_file(
                engine,
                viewer,
                stream,
                filename,
                sheet,
                report,
                spool,
                progress,
                today,
                extra,
                date_format,
                mapping,
            )
            if report.ok:
                spool.seek(0)
                writing.write_spool(engine, viewer, report, spool, filename)
    except ImportFileError as exc:
        writing.audit_refusal(engine, viewer, report, filename, str(exc))
        raise
    if not report.ok:
        report.inserted = report.updated = 0
        report.cleared = {}
        first = report.problems[0]
        writing.audit_refusal(
            engine, viewer, report, filename, f"row {first.row}, {first.column}: {first.reason}"
        )
    return report


def tables_for(viewer: Viewer) -> tuple[str, ...]:
    """The tables `viewer` may import: KRI definitions (organisation-wide thresholds on the
    register) only for an administrator without a region scope."""
    organisation_admin = viewer.can(ADMIN_USERS) and viewer.region_scope is None
    return tuple(t for t in FORMATS if t != "kris" or organisation_admin)


def cleared_text(cleared: dict[str, int]) -> str:
    """'email 3, phone 1': how many stored values each column's empty cells cleared."""
    return ", ".join(f"{column} {n:,}" for column, n in sorted(cleared.items()))


def add_unknown_codes(engine: Engine, viewer: Viewer, report: ImportReport) -> int:
    """Add the codes a refused import did not find to the organisation's lists (unscoped
    administrators only; audited per code), so the same file can be imported again."""
    if report.unknown_codes_more:
        raise ValueError("too many unknown codes to add at once: is the right column mapped?")
    return add_codes(engine, viewer, report.unknown_codes)


def after_import(engine: Engine, username: str) -> int:
    """Refresh what depends on the data: a data-quality run, the KRI values, the stored
    churn models with their scores, and the analytical snapshot the dashboards read."""
    refresh_statistics(engine)
    run_id = run_checks(engine, username)
    refresh_kris(engine)
    fit_churn_models(engine, username)
    snapshot.publish(engine)
    return run_id
