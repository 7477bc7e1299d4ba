"""The outcome of an import: rows read, inserted, updated, values cleared, and every
problem as (row, column, value, reason)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_PROBLEMS = 1_000
# Distinct unknown codes collected per list: more means a wrong column, not new codes.
MAX_UNKNOWN_CODES = 50


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
    skipped_columns: list[str] = field(default_factory=list)  # file columns not imported
    kept_columns: list[str] = field(default_factory=list)  # kept as customer attributes
    # Codes not in the organisation's lists, per list (first seen first): proposed additions.
    unknown_codes: dict[str, list[str]] = field(default_factory=dict)
    unknown_codes_more: bool = False  # some list had more than MAX_UNKNOWN_CODES

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add_unknown_code(self, list_name: str, code: str) -> None:
        known = self.unknown_codes.setdefault(list_name, [])
        if code in known:
            return
        if len(known) >= MAX_UNKNOWN_CODES:
            self.unknown_codes_more = True
        else:
            known.append(code)

    @property
    def unknown_code_count(self) -> int:
        return sum(len(codes) for codes in self.unknown_codes.values())

    def add(self, row: int, column: str, value: Any, reason: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, column, str(value)[:80], reason))


class ImportFileError(ValueError):
    """The file as a whole cannot be read (empty, wrong encoding, not a spreadsheet)."""
