"""Matching a file's header to a table's columns, as real exports spell them.

A header cell matches a column when both are equal after case, spaces and punctuation are
dropped (`Customer Id`, `customerID` and `customer_id` are the same), or when it is one of
the column's documented aliases (`formats.Column.aliases`). A column the table does not know
is not an error: it is skipped, or — for customers, when the importer asks — kept as a
customer attribute. The report lists which.
"""

from __future__ import annotations

import re

from importer.formats import TableFormat
from importer.report import ImportReport

EXTRA_MODES = ("skip", "keep")
# A kept column travels through the checks under this prefix and is stored as an attribute.
ATTRIBUTE = "attribute:"
_NOT_ALNUM = re.compile(r"[^0-9a-z]")


def normal(name: str) -> str:
    """The comparable form of a column name: lower case letters and digits only."""
    return _NOT_ALNUM.sub("", name.lower())


def lookup(fmt: TableFormat) -> dict[str, str]:
    """Normal name or alias → the table's column name."""
    names: dict[str, str] = {}
    for column in fmt.columns:
        for spelling in (column.name, *column.aliases):
            names[normal(spelling)] = column.name
    return names


def resolve_header(
    fmt: TableFormat, header: list[str], extra: str, report: ImportReport
) -> list[str | None]:
    """The column each header cell feeds (None = skipped); problems go to the report:
    a NUL in a name, two cells for one column, a required column missing."""
    if extra not in EXTRA_MODES:
        raise ValueError(f"extra: unknown choice {extra!r} (skip or keep)")
    names = lookup(fmt)
    keep = extra == "keep" and fmt.name == "customers"
    resolved: list[str | None] = []
    for cell in header:
        if "\x00" in cell:
            report.add(1, cell.replace("\x00", "\\0"), "", "a column name contains a NUL character")
            resolved.append(None)
        elif normal(cell) in names:
            resolved.append(names[normal(cell)])
        elif keep and normal(cell):
            resolved.append(ATTRIBUTE + cell.strip()[:60])
            report.kept_columns.append(cell)
        else:
            resolved.append(None)
            report.skipped_columns.append(cell)
    matched = [r for r in resolved if r is not None]
    for column in sorted({r for r in matched if matched.count(r) > 1}):
        cells = [h for h, r in zip(header, resolved, strict=True) if r == column]
        report.add(1, column, ", ".join(cells), "two columns of the file feed this column")
    for column in (c.name for c in fmt.columns if c.required and c.name not in matched):
        hint = (
            f" (the file has columns the table does not know: {', '.join(report.skipped_columns)})"
            if report.skipped_columns
            else ""
        )
        report.add(1, column, "", "required column is missing" + hint)
    return resolved
