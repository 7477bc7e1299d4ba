"""One cell of a file as a typed value: text (length, codes, e-mail), true/false, numbers
(whole, range), dates and date-times in the formats real exports use."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from importer.formats import Column

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Beside a declared --date-format, every date accepts ISO 8601 (2026-03-14, 20260314).
ISO_DATE = "YYYY-MM-DD or YYYYMMDD"
ISO_DATETIME = "YYYY-MM-DD HH:MM[:SS] or YYYYMMDDTHHMM"


def _when(raw: str, date_only: bool, date_format: str | None) -> date | datetime:
    """A date (or date and time) in ISO 8601 or in the declared strftime format; the error
    names the formats that are accepted."""
    try:
        return date.fromisoformat(raw) if date_only else datetime.fromisoformat(raw)
    except ValueError:
        pass
    if date_format:
        shapes = [date_format]
        if not date_only:
            shapes += [f"{date_format} %H:%M", f"{date_format} %H:%M:%S"]
        for shape in shapes:
            try:
                value = datetime.strptime(raw, shape)
            except ValueError:
                continue
            return value.date() if date_only else value
    accepted = ISO_DATE if date_only else ISO_DATETIME
    if date_format:
        accepted += f", or {date_format}"
    raise ValueError(f"not a date{'' if date_only else ' and time'}; accepted: {accepted}")


def parse_value(col: Column, raw: str, today: date, date_format: str | None = None) -> Any:
    """The typed value, or raise ValueError with the reason."""
    if col.kind == "text":
        if col.squeeze:
            raw = " ".join(raw.split())
        if len(raw) > col.max_len:
            raise ValueError(f"longer than {col.max_len} characters")
        if col.codes is not None and raw not in col.codes:
            raise ValueError(f"unknown code; allowed: {', '.join(col.codes)}")
        if col.name == "email" and not _EMAIL.match(raw):
            raise ValueError("not an e-mail address")
        if col.name == "national_id" and not any(ch.isalnum() for ch in raw):
            raise ValueError("not an ID: no letters or digits")
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
    value = _when(raw, col.kind == "date", date_format)
    day = value if col.kind == "date" else value.date()
    if col.not_future and day > today:
        raise ValueError("in the future")
    if col.not_before is not None and day < col.not_before:
        raise ValueError(f"before {col.not_before.isoformat()}")
    return value
