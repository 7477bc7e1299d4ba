"""`python -m importer TABLE FILE [--mode append|upsert] [--sheet NAME] [--mapping NAME]
[--user NAME] [--add-codes]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from data_access.db import database_url, get_engine
from data_access.import_mappings import UnknownMappingError, get_mapping
from data_access.schema import upgrade_schema
from data_access.security import Viewer
from importer.formats import FORMATS, MODES
from importer.header import EXTRA_MODES
from importer.pipeline import add_unknown_codes, after_import, cleared_text, import_file
from importer.report import ImportFileError, ImportReport


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m importer", description="Import a CRM export into one table."
    )
    parser.add_argument("table", choices=list(FORMATS))
    parser.add_argument("file", type=Path)
    parser.add_argument("--mode", choices=MODES, default="append")
    parser.add_argument("--sheet", help="the sheet to import from a workbook with several")
    parser.add_argument(
        "--date-format",
        help="the file's date format besides ISO 8601, in strftime codes, e.g. %%d/%%m/%%Y",
    )
    parser.add_argument(
        "--extra",
        choices=EXTRA_MODES,
        default="skip",
        help="columns the table does not know: skip them, or keep them as customer attributes",
    )
    parser.add_argument(
        "--mapping",
        metavar="NAME",
        help="a column mapping saved for this table (on the Import page) to apply to the header",
    )
    parser.add_argument("--user", default="cli-import", help="recorded in the audit log")
    parser.add_argument(
        "--add-codes",
        action="store_true",
        help="add codes the organisation's lists do not have yet to the lists (audited), "
        "then import",
    )
    args = parser.parse_args(argv)
    engine = get_engine()
    viewer = Viewer(args.user, "admin")
    try:
        # A database without the schema (or with an older one) gets it first; no demo data.
        upgrade_schema(engine)
    except DBAPIError as exc:
        print(f"Nothing imported: the database {database_url()} cannot be used ({exc.orig})")
        return 1
    mapping = None
    if args.mapping is not None:
        try:
            with engine.connect() as conn:
                mapping = get_mapping(conn, viewer, args.table, args.mapping).mapping
        except UnknownMappingError as exc:
            print(f"Nothing imported: {exc}", file=sys.stderr)
            return 1

    def run() -> ImportReport:
        with args.file.open("rb") as stream:
            return import_file(
                engine,
                viewer,
                args.table,
                stream,
                args.file.name,
                args.mode,
                sheet=args.sheet,
                extra=args.extra,
                date_format=args.date_format,
                mapping=mapping,
            )

    try:
        report = run()
        if args.add_codes and report.unknown_codes:
            added = add_unknown_codes(engine, viewer, report)
            print(f"Added {added} code(s) to the lists: {_codes_text(report)}")
            report = run()
    except (ImportFileError, ValueError, OSError, PermissionError) as exc:
        print(f"Nothing imported: {exc}", file=sys.stderr)
        return 1
    if report.skipped_columns:
        print("Columns not imported: " + ", ".join(report.skipped_columns))
    if report.kept_columns:
        print("Columns kept as customer attributes: " + ", ".join(report.kept_columns))
    if not report.ok:
        print(f"Nothing imported: {report.problem_count} problem(s) in {report.rows} row(s).")
        for p in report.problems:
            print(f"  row {p.row}, column {p.column or '-'}: {p.reason} (value: {p.value!r})")
        if report.unknown_codes:
            print(
                f"Codes not in the lists: {_codes_text(report)}. Add them under Administration "
                "→ Code lists, or run again with --add-codes."
            )
        return 1
    run_id = after_import(engine, args.user)
    print(
        f"Imported {report.rows} row(s) into {args.table}: {report.inserted} new, "
        f"{report.updated} updated. Data-quality run #{run_id} and KRIs refreshed."
    )
    if report.cleared:
        print("Values cleared by empty cells: " + cleared_text(report.cleared))
    return 0


def _codes_text(report: ImportReport) -> str:
    """'region: Nordics, Baltics; tier: gold'."""
    return "; ".join(f"{name}: {', '.join(codes)}" for name, codes in report.unknown_codes.items())


if __name__ == "__main__":
    sys.exit(main())
