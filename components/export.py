"""CSV exports that a spreadsheet cannot turn into formulas."""

from __future__ import annotations

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads Chinese text) with formula-looking text defused."""
    text_columns = frame.select_dtypes(include=["object", "string"]).columns
    out = frame.copy()
    for column in text_columns:
        out[column] = out[column].map(neutralise)
    return out.to_csv(index=False).encode("utf-8-sig")
