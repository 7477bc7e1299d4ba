"""Bring your own data: documented formats, templates, validation report, all-or-nothing."""

import pandas as pd
import streamlit as st

import importer
from components import state
from components.auth import require
from components.data.shared import active_code_lists
from components.i18n import t
from components.import_mapping import mapping_step
from components.import_run import problem_report, run_import, unknown_codes_offer
from data_access.security import IMPORT_DATA

viewer = require(IMPORT_DATA)
st.title(t("import.title"))
st.caption(t("import.caption"))
if message := st.session_state.pop(state.IMPORT_MESSAGE, None):
    st.success(message)

left, right = st.columns(2)
table = left.selectbox(
    t("import.table"),
    importer.tables_for(viewer),
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
    st.dataframe(pd.DataFrame(importer.format_table(table, active_code_lists())), hide_index=True)
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
mapping = None
if upload is not None:
    mapping = mapping_step(viewer, table, upload, upload.name, sheet, extra)
date_format = st.text_input(
    t("import.date_format"),
    placeholder="%d/%m/%Y",
    help=t("import.date_format.help"),
    key=state.IMPORT_DATE_FORMAT,
).strip()
options = {
    "mode": mode or "append",
    "sheet": sheet,
    "extra": extra,
    "date_format": date_format or None,
    "mapping": mapping,
}
if upload is not None and st.button(t("import.run"), type="primary", icon=":material/upload:"):
    run_import(viewer, table, upload, **options)
else:
    problem_report(table, upload)  # the last refused import's, while its file is chosen
if unknown_codes_offer(viewer, table, upload):
    run_import(viewer, table, upload, **options)
