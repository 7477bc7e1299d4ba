"""Matching a file's header to a table's columns, as real exports spell them.

A header cell matches a column when both are equal after case, spaces and punctuation are
dropped (`Customer Id`, `customerID` and `customer_id` are the same; letters of any script
count, so `姓名` and `Straße` are names too), or when it is one of
the column's documented aliases (`formats.Column.aliases`). A column the table does not know
is not an error: it is skipped, or — for customers, when the importer asks — kept as a
customer attribute. The report lists which.

A user's mapping (saved under a name, `data_access.import_mappings`) comes first: a header
cell it names feeds the column it gives, or is skipped, or kept as a customer attribute;
the other cells are matched by name and alias as above.
"""

from __future__ import annotations

import re
import unicodedata

from importer.formats import TableFormat
from importer.report import ImportReport

EXTRA_MODES = ("skip", "keep")
# What a mapping may send a header cell to besides one of the table's columns.
MAP_SKIP = "skip"
MAP_ATTRIBUTE = "attribute"
MAX_MAPPED_CELL = 200
# A kept column travels through the checks under this prefix and is stored as an attribute.
ATTRIBUTE = "attribute:"
# Letters and digits of any script stay (姓名, Straße); spaces, punctuation and "_" go.
_NOT_ALNUM = re.compile(r"[\W_]")


def normal(name: str) -> str:
    """The comparable form of a column name: case-folded letters and digits only, in any
    script (full-width forms as their plain ones: ＩＤ is id)."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", name).casefold())


def lookup(fmt: TableFormat) -> dict[str, str]:
    """Normal name or alias → the table's column name."""
    names: dict[str, str] = {}
    for column in fmt.columns:
        for spelling in (column.name, *column.aliases):
            names[normal(spelling)] = column.name
    return names


def mapping_targets(fmt: TableFormat) -> tuple[str, ...]:
    """What a header cell may be mapped to: the table's columns, skip, and for customers
    keep as attribute."""
    columns = tuple(c.name for c in fmt.columns)
    return (*columns, MAP_SKIP, *((MAP_ATTRIBUTE,) if fmt.name == "customers" else ()))


def mapping_problems(fmt: TableFormat, mapping: dict[str, str]) -> list[str]:
    """What is wrong with a mapping for this table: an unknown target, an empty or too long
    header cell, two cells that match as one (case, spaces and punctuation are ignored, as
    for the header itself) or two cells feeding one column."""
    problems = []
    targets = mapping_targets(fmt)
    seen: dict[str, str] = {}
    fed: dict[str, list[str]] = {}
    for cell, target in mapping.items():
        if not isinstance(cell, str) or not normal(cell) or "\x00" in cell:
            problems.append(f"mapping: {cell!r} is not a usable file column name")
            continue
        if len(cell) > MAX_MAPPED_CELL:
            problems.append(f"mapping: {cell[:40]!r}… is longer than {MAX_MAPPED_CELL} characters")
        if normal(cell) in seen:
            problems.append(f"mapping: {seen[normal(cell)]!r} and {cell!r} name the same column")
        seen[normal(cell)] = cell
        if target not in targets:
            problems.append(
                f"mapping: {cell!r} → {target!r} is not a column of {fmt.name} "
                f"(one of {', '.join(targets)})"
            )
        elif target not in (MAP_SKIP, MAP_ATTRIBUTE):
            fed.setdefault(target, []).append(cell)
    for column, cells in fed.items():
        if len(cells) > 1:
            problems.append(f"mapping: {column} is the target of {', '.join(map(repr, cells))}")
    return problems


def header_targets(
    fmt: TableFormat, header: list[str], extra: str, mapping: dict[str, str] | None = None
) -> list[str]:
    """What each header cell would feed: a column, MAP_SKIP or MAP_ATTRIBUTE (the preview
    the Import page shows; the import itself uses resolve_header)."""
    names = lookup(fmt)
    mapped = {normal(k): v for k, v in (mapping or {}).items()}
    keep = extra == "keep" and fmt.name == "customers"
    targets = []
    for cell in header:
        key = normal(cell)
        if key in mapped:
            targets.append(mapped[key])
        elif key in names:
            targets.append(names[key])
        else:
            targets.append(MAP_ATTRIBUTE if keep and key and "\x00" not in cell else MAP_SKIP)
    return targets


def resolve_header(
    fmt: TableFormat,
    header: list[str],
    extra: str,
    report: ImportReport,
    mapping: dict[str, str] | None = None,
) -> list[str | None]:
    """The column each header cell feeds (None = skipped); problems go to the report:
    a NUL in a name, two cells for one column, a required column missing. Cells named in
    `mapping` (checked with mapping_problems first) go where it says."""
    if extra not in EXTRA_MODES:
        raise ValueError(f"extra: unknown choice {extra!r} (skip or keep)")
    resolved: list[str | None] = []
    for cell, target in zip(header, header_targets(fmt, header, extra, mapping), strict=True):
        if "\x00" in cell:
            report.add(1, cell.replace("\x00", "\\0"), "", "a column name contains a NUL character")
            resolved.append(None)
        elif target == MAP_ATTRIBUTE:
            resolved.append(ATTRIBUTE + cell.strip()[:60])
            report.kept_columns.append(cell)
        elif target == MAP_SKIP:
            resolved.append(None)
            report.skipped_columns.append(cell)
        else:
            resolved.append(target)
    matched = [r for r in resolved if r is not None]
    for column in sorted({r for r in matched if matched.count(r) > 1}):
        cells = [h for h, r in zip(header, resolved, strict=True) if r == column]
        report.add(1, column, ", ".join(cells), "two columns of the file feed this column")
    hint = (
        f" (the file has columns the table does not know: {', '.join(report.skipped_columns)})"
        if report.skipped_columns
        else ""
    )
    for column in (c.name for c in fmt.columns if c.required and c.name not in matched):
        alternatives = fmt.alternatives_of(column)
        if any(alt in matched for alt in alternatives):
            continue  # name: built from given_name and family_name
        instead = f" (or give {' and/or '.join(alternatives)})" if alternatives else ""
        report.add(1, column, "", "required column is missing" + instead + hint)
    return resolved
