"""Bring your own data: documented formats, templates, validation report, all-or-nothing."""

import pandas as pd
import streamlit as st

import importer
from components import state
from components.auth import require
from components.cache import clear_after_admin_change, engine
from components.export import safe_csv
from components.i18n import t
from components.plain import plain
from data_access.security import IMPORT_DATA

viewer = require(IMPORT_DATA)
st.title(t("import.title"))
st.caption(t("import.caption"))
if message := st.session_state.pop(state.IMPORT_MESSAGE, None):
    st.success(message)

left, right = st.columns(2)
table = left.selectbox(
    t("import.table"),
    list(importer.FORMATS),
    format_func=lambda name: t(f"import.table.{name}"),
    key=state.IMPORT_TABLE,
)
mode = right.segmented_control(
    t("import.mode"),
    importer.MODES if table != "risks" else ("append",),
    format_func=lambda m: t(f"import.mode.{m}"),
    default="append",
    key=f"{state.IMPORT_MODE}_{table}",
)
fmt = importer.FORMATS[table]
with st.expander(t("import.format", table=t(f"import.table.{table}")), expanded=False):
    st.markdown(fmt.description)
    st.dataframe(pd.DataFrame(importer.format_table(table)), hide_index=True)
    st.caption(t("import.key", columns=", ".join(fmt.key)))
st.download_button(
    t("import.template"),
    importer.template_csv(table).encode("utf-8-sig"),
    file_name=f"{table}_template.csv",
    mime="text/csv",
    icon=":material/download:",
)
upload = st.file_uploader(
    t("import.file"), type=["csv", "xlsx"], key=f"{state.IMPORT_FILE}_{table}"
)
sheet = None
if upload is not None and upload.getvalue()[:2] == b"PK":
    try:
        sheets = importer.workbook_sheets(upload)
    except importer.ImportFileError:
        sheets = []  # the import itself reports the unreadable workbook
    if len(sheets) > 1:
        sheet = st.selectbox(t("import.sheet"), sheets, index=None, help=t("import.sheet.help"))
extra = "skip"
if table == "customers":
    extra = st.radio(
        t("import.extra"),
        importer.EXTRA_MODES,
        format_func=lambda m: t(f"import.extra.{m}"),
        horizontal=True,
        help=t("import.extra.help"),
        key=state.IMPORT_EXTRA,
    )
date_format = st.text_input(
    t("import.date_format"),
    placeholder="%d/%m/%Y",
    help=t("import.date_format.help"),
    key=state.IMPORT_DATE_FORMAT,
).strip()
if upload is not None and st.button(t("import.run"), type="primary", icon=":material/upload:"):
    bar = st.progress(0.0, text=t("import.reading"))

    def progress(rows: int) -> None:
        bar.progress(
            min(0.95, rows / max(rows + importer.checks.CHUNK_ROWS, 1)),
            t("import.rows", n=f"{rows:,}"),
        )

    try:
        report = importer.import_file(
            engine(),
            viewer,
            table,
            upload,
            upload.name,
            mode or "append",
            progress,
            sheet=sheet,
            extra=extra,
            date_format=date_format or None,
        )
    except (importer.ImportFileError, ValueError) as exc:
        bar.empty()
        st.error(t("import.unreadable", why=plain(exc)))
    else:
        bar.empty()
        if report.ok:
            with st.spinner(t("import.refreshing")):
                run_id = importer.after_import(engine(), viewer.username)
            clear_after_admin_change()
            st.session_state[state.IMPORT_MESSAGE] = t(
                "import.done",
                rows=f"{report.rows:,}",
                inserted=f"{report.inserted:,}",
                updated=f"{report.updated:,}",
                run=run_id,
            )
            for key, columns in (
                ("import.cleared", importer.cleared_text(report.cleared)),
                ("import.kept", ", ".join(report.kept_columns)),
                ("import.skipped", ", ".join(report.skipped_columns)),
            ):
                if columns:
                    st.session_state[state.IMPORT_MESSAGE] += " " + t(key, columns=plain(columns))
            st.rerun()
        st.error(t("import.failed", problems=f"{report.problem_count:,}", rows=f"{report.rows:,}"))
        problems = pd.DataFrame(report.problems)
        st.dataframe(
            problems,
            hide_index=True,
            column_config={
                "row": st.column_config.NumberColumn(t("import.row"), format="%d"),
                "column": t("dq.column"),
                "value": t("import.value"),
                "reason": t("import.reason"),
            },
        )
        if report.problem_count > len(report.problems):
            st.caption(t("import.more", shown=len(report.problems)))
        if report.skipped_columns:
            st.caption(t("import.skipped", columns=plain(", ".join(report.skipped_columns))))
        st.download_button(
            t("import.problems_csv"),
            safe_csv(problems),
            file_name=f"{table}_import_problems.csv",
            mime="text/csv",
        )
