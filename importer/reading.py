"""Reading a CSV (UTF-8) or XLSX file as rows of text, header first, whatever its format;
a file that cannot be read at all raises ImportFileError naming what is wrong."""

from __future__ import annotations

import contextlib
import csv
import io
import sys
from collections.abc import Iterator
from datetime import date, datetime
from typing import IO, Any

from importer.report import ImportFileError

# Python's csv module refuses a cell longer than this; no column takes more than 4,000.
CSV_FIELD_LIMIT = csv.field_size_limit()


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
    finally:
        # A wrapper that is dropped closes the stream under it: hand the stream back open,
        # so a caller that reads only the header can still import the same upload.
        with contextlib.suppress(ValueError):
            text.detach()


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


def read_header(stream: IO[bytes], filename: str, sheet: str | None = None) -> list[str]:
    """The header cells of the file (stripped), read from its first row only; the stream is
    rewound for the import. A file that cannot be read raises ImportFileError."""
    rows = read_rows(stream, filename, sheet)
    try:
        return [cell.strip() for cell in next(rows, [])]
    finally:
        rows.close()
        stream.seek(0)
