"""CSV exports that a spreadsheet cannot turn into formulas, and the one download button
every table uses. Streamlit's own table toolbar download is switched off
(`client.disableDataExport` in .streamlit/config.toml): it would hand out cells such as
`=HYPERLINK(...)` raw and leave no audit row."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from components.cache import engine
from components.filters import current_filters
from components.i18n import t
from data_access import audit
from data_access.security import Viewer

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


def download_table(
    viewer: Viewer,
    frame: pd.DataFrame | Callable[[], pd.DataFrame],
    what: str,
    label: str | None = None,
    key: str | None = None,
    rows: int | None = None,
) -> None:
    """A download button for `frame` as a formula-safe CSV; each download is audited with
    the view's filters. A long list passes a function that builds the frame, called only
    when the button is pressed, and its row count `rows`."""
    filters = current_filters()
    count = len(frame) if isinstance(frame, pd.DataFrame) else int(rows or 0)

    def _audit() -> None:
        detail = {"file": f"{what}.csv", "filters": filters.to_query_params()}
        audit.record_export(engine(), viewer.username, what, count, detail)

    st.download_button(
        label or t("export.csv", n=f"{count:,}"),
        safe_csv(frame) if isinstance(frame, pd.DataFrame) else lambda: safe_csv(frame()),
        file_name=f"{what}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click=_audit,
        key=key or f"download_{what}",
    )
