"""Table exports — CSV and XLSX — that a spreadsheet cannot turn into formulas, stamped with
the view they came from (filters, as-of, when and by whom), and the download buttons every
table uses; each download is audited. Streamlit's own table toolbar download is switched
off (`client.disableDataExport` in .streamlit/config.toml): it would hand out cells such as
`=HYPERLINK(...)` raw and leave no audit row."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from components.auth import current_viewer
from components.cache import engine
from components.filters import caption, current_filters
from components.i18n import CATALOG, language, localised_hover, t
from data_access import audit
from data_access.filters import Filters
from data_access.security import EXPORT, Viewer
from reports import figures
from reports.browser import BrowserMissing, chromium_path

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHART_CONFIG = {"modeBarButtonsToRemove": ["toImage"], "displaylogo": False}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame, stamp: str | None = None) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads Chinese text) with formula-looking text defused;
    `stamp` (what view this is) as a first line starting with "#"."""
    text_columns = frame.select_dtypes(include=["object", "string"]).columns
    out = frame.copy()
    for column in text_columns:
        out[column] = out[column].map(neutralise)
    body = out.to_csv(index=False)
    if stamp:
        body = "# " + stamp.replace("\n", " ") + "\n" + body
    return body.encode("utf-8-sig")


def readable(column: str) -> str:
    """A column's header for people: the catalog's (export.col.<name>) or its words."""
    key = f"export.col.{column}"
    return t(key) if key in CATALOG else column.replace("_", " ").capitalize()


def _number_format(series: pd.Series) -> str | None:
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_integer_dtype(series):
        return "#,##0"
    if pd.api.types.is_float_dtype(series):
        return "#,##0.00"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "yyyy-mm-dd hh:mm"
    return None


def _cell_value(value: object) -> object:
    if value is None or (not isinstance(value, str | list | dict) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def stamped_xlsx(frame: pd.DataFrame, stamp: list[tuple[str, str]], sheet: str) -> bytes:
    """A workbook: first sheet "About" holds the stamp (label, text per row), the second the
    table with readable headers, formatted numbers and dates, a frozen header and filters.
    Text is always stored as text, never as a formula."""
    book = Workbook()
    about = book.active
    about.title = t("export.about")[:31]
    for label, text in stamp:
        about.append([label, text])
        about.cell(row=about.max_row, column=1).font = Font(bold=True)
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 110
    data = book.create_sheet(sheet[:31])
    data.append([readable(c) for c in frame.columns])
    for cell in data[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        data.append([_cell_value(v) for v in row])
    for index, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(index)
        fmt = _number_format(frame[column])
        width = max([len(readable(column))] + [len(str(v)) for v in frame[column].head(200)])
        data.column_dimensions[letter].width = min(max(width + 2, 8), 60)
        for (cell,) in data.iter_rows(min_row=2, min_col=index, max_col=index):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # "=1+1" stays text
            elif isinstance(cell.value, date) and not isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd"
            elif fmt:
                cell.number_format = fmt
    data.freeze_panes = "A2"
    if len(frame.columns):
        data.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def view_stamp(
    viewer: Viewer, filters: Filters | None = None, focus: str | None = None
) -> list[tuple[str, str]]:
    """What view an export comes from: filters and as-of, scope, focus (a segment the page is
    narrowed to, if any), when, who, language. Without `filters`, the ones on screen."""
    filters = filters or current_filters()
    generated = datetime.now().strftime("%Y-%m-%d %H:%M")
    rows = [(t("export.stamp.view"), caption(filters, filters.end_month, viewer.region_scope))]
    if focus:
        rows.append((t("export.stamp.focus"), focus))
    rows += [
        (t("export.stamp.generated"), t("export.stamp.by", at=generated, user=viewer.username)),
        (t("export.stamp.language"), language()),
    ]
    return rows


def stamp_lines(stamp: list[tuple[str, str]]) -> list[str]:
    """The stamp as lines of text (a chart's foot, a page's header)."""
    return [f"{k}: {v}" for k, v in stamp]


def download_table(
    viewer: Viewer,
    frame: pd.DataFrame | Callable[[], pd.DataFrame],
    what: str,
    label: str | None = None,
    key: str | None = None,
    rows: int | None = None,
) -> None:
    """CSV and XLSX download buttons for `frame`, stamped with the view; each download is
    audited with the view's filters. A long list passes a function that builds the frame,
    called only when a button is pressed, and its row count `rows`."""
    filters = current_filters()
    count = len(frame) if isinstance(frame, pd.DataFrame) else int(rows or 0)
    stamp = view_stamp(viewer)
    line = " · ".join(stamp_lines(stamp))

    def table() -> pd.DataFrame:
        return frame if isinstance(frame, pd.DataFrame) else frame()

    def _audit(kind: str) -> None:
        detail = {"file": f"{what}.{kind}", "format": kind, "filters": filters.to_query_params()}
        audit.record_export(engine(), viewer.username, what, count, detail)

    key = key or f"download_{what}"
    left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        st.download_button(
            label or t("export.csv", n=f"{count:,}"),
            (lambda: safe_csv(table(), line)),
            file_name=f"{what}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click=_audit,
            args=("csv",),
            key=key,
        )
    with right:
        st.download_button(
            t("export.xlsx"),
            (lambda: stamped_xlsx(table(), stamp, what)),
            file_name=f"{what}.xlsx",
            mime=XLSX,
            icon=":material/table_view:",
            on_click=_audit,
            args=("xlsx",),
            key=f"{key}_xlsx",
        )


def chart_downloads(viewer: Viewer, figure: go.Figure, what: str, key: str) -> None:
    """PNG and SVG of `figure` at print resolution, stamped with the view, drawn when a
    button is pressed; each download audited. Nothing when the server has no Chromium."""
    if not viewer.can(EXPORT):
        return
    try:
        chromium_path()
    except BrowserMissing:
        return
    filters = current_filters()
    stamp = stamp_lines(view_stamp(viewer))

    def image(fmt: str) -> bytes:
        return figures.render([figures.stamped(figure, stamp)], fmt)[0]

    def _audit(fmt: str) -> None:
        detail = {"file": f"{what}.{fmt}", "format": fmt, "filters": filters.to_query_params()}
        audit.record_export(engine(), viewer.username, what, 0, detail)

    with st.popover(t("export.image.button"), icon=":material/image:", width="content"):
        for fmt, mime in (("png", "image/png"), ("svg", "image/svg+xml")):
            st.download_button(
                t(f"export.image.{fmt}"),
                (lambda f=fmt: image(f)),
                file_name=f"{what}.{fmt}",
                mime=mime,
                on_click=_audit,
                args=(fmt,),
                key=f"{key}_{fmt}",
                help=t("export.image.image_help"),
            )


def show_chart(
    figure: go.Figure, key: str, viewer: Viewer | None = None, **kwargs: object
) -> object:
    """`st.plotly_chart` (returns its selection event) with the chart's image downloads
    (for `viewer`, by default the logged-in user). Plotly's own camera button is removed:
    its picture carries no stamp and leaves no audit row."""
    event = st.plotly_chart(localised_hover(figure), key=key, config=CHART_CONFIG, **kwargs)
    viewer = viewer or current_viewer()
    if viewer is not None:
        chart_downloads(viewer, figure, key.removeprefix("chart_"), key=f"{key}_image")
    return event
