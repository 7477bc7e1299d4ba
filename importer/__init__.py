"""Import a CRM export (CSV or XLSX) into one table, all or nothing: the file formats
(`formats`), reading (`reading`), checking and planning (`checks`), writing (`writing`),
the whole run (`pipeline`) and the report (`report`).

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
  python -m importer TABLE FILE [--mode append|upsert] [--sheet NAME] [--mapping NAME]
                    [--user NAME] [--add-codes]
"""

from importer.formats import FORMATS, MODES, format_table, template_csv
from importer.header import (
    EXTRA_MODES,
    MAP_ATTRIBUTE,
    MAP_SKIP,
    header_targets,
    mapping_problems,
    mapping_targets,
)
from importer.pipeline import (
    add_unknown_codes,
    after_import,
    cleared_text,
    import_file,
    tables_for,
)
from importer.reading import read_header, workbook_sheets
from importer.report import ImportFileError, ImportReport, Problem

__all__ = [
    "EXTRA_MODES",
    "FORMATS",
    "MAP_ATTRIBUTE",
    "MAP_SKIP",
    "MODES",
    "ImportFileError",
    "ImportReport",
    "Problem",
    "add_unknown_codes",
    "after_import",
    "cleared_text",
    "format_table",
    "header_targets",
    "import_file",
    "mapping_problems",
    "mapping_targets",
    "read_header",
    "tables_for",
    "template_csv",
    "workbook_sheets",
]
