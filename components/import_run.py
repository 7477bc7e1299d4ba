"""Running an import from the Import page: progress, the refresh afterwards, the problem
report, and — when the file uses codes the organisation's lists do not have — the offer to an
unscoped administrator to add them (audited) and import the same file again."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import importer
from components import state
from components.cache import clear_after_admin_change, engine
from components.export import safe_csv
from components.i18n import t
from components.paging import paged
from components.plain import plain
from data_access.code_lists import CodeListError
from data_access.security import ADMIN_USERS, Viewer


def may_edit_code_lists(viewer: Viewer) -> bool:
    """Code lists apply to every region: unscoped administrators only."""
    return viewer.can(ADMIN_USERS) and viewer.region_scope is None


def run_import(viewer: Viewer, table: str, upload: Any, **options: Any) -> None:
    """Import `upload` into `table` (options as importer.import_file takes them); on
    success refresh, say what was done and rerun; otherwise show every problem."""
    st.session_state.pop(state.IMPORT_UNKNOWN_CODES, None)
    st.session_state.pop(state.IMPORT_PROBLEMS, None)
    st.session_state.pop(state.IMPORT_PROBLEM_PAGE, None)
    bar = st.progress(0.0, text=t("import.reading"))

    def progress(rows: int) -> None:
        bar.progress(
            min(0.95, rows / max(rows + importer.checks.CHUNK_ROWS, 1)),
            t("import.rows", n=f"{rows:,}"),
        )

    try:
        upload.seek(0)  # a second run (after adding codes) reads the file from its start
        report = importer.import_file(
            engine(), viewer, table, upload, upload.name, progress=progress, **options
        )
    except (importer.ImportFileError, ValueError) as exc:
        bar.empty()
        st.error(t("import.unreadable", why=plain(exc)))
        return
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
    _problem_report(table, report)
    # Kept for the runs after this one: paging through the report reruns the page.
    file = getattr(upload, "file_id", upload.name)
    st.session_state[state.IMPORT_PROBLEMS] = {"table": table, "file": file, "report": report}
    if report.unknown_codes:
        # Kept for the next run: the offer's button is answered there.
        st.session_state[state.IMPORT_UNKNOWN_CODES] = {
            "table": table,
            "file": getattr(upload, "file_id", upload.name),
            "report": report,
        }


PROBLEM_PAGE_SIZE = 50


def _pending(key: str, table: str, upload: Any) -> dict | None:
    """What an earlier run kept under `key` for this table and this uploaded file, if any."""
    pending = st.session_state.get(key)
    if (
        not pending
        or upload is None
        or pending["table"] != table
        or pending["file"] != getattr(upload, "file_id", upload.name)
    ):
        return None
    return pending


def problem_report(table: str, upload: Any) -> None:
    """The problem report of the last refused import of this file, on the runs after it
    (paging through it reruns the page); not while its codes are being added (the import
    runs again and reports anew)."""
    pending = _pending(state.IMPORT_PROBLEMS, table, upload)
    if pending is not None and not st.session_state.get(state.IMPORT_ADD_CODES):
        _problem_report(table, pending["report"])


def _problem_report(table: str, report: importer.ImportReport) -> None:
    st.error(t("import.failed", problems=f"{report.problem_count:,}", rows=f"{report.rows:,}"))
    problems = pd.DataFrame(report.problems)
    size = PROBLEM_PAGE_SIZE
    (shown, _), _ = paged(
        lambda p: (problems.iloc[p * size : (p + 1) * size], len(problems)),
        size,
        state.IMPORT_PROBLEM_PAGE,
        single_page_control=False,
    )
    st.dataframe(
        shown,
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


def unknown_codes_offer(viewer: Viewer, table: str, upload: Any) -> bool:
    """The codes the last refused file lacked, per list; an unscoped administrator may add
    them. True when they were just added (the caller imports the file again)."""
    pending = _pending(state.IMPORT_UNKNOWN_CODES, table, upload)
    if pending is None:
        return False
    report: importer.ImportReport = pending["report"]
    n = report.unknown_code_count
    with st.container(border=True):
        st.markdown(t("import.unknown_codes", n=n))
        st.dataframe(
            pd.DataFrame(
                [
                    {"list": t(f"codelists.list.{name}"), "codes": ", ".join(codes)}
                    for name, codes in report.unknown_codes.items()
                ]
            ),
            hide_index=True,
            column_config={"list": t("codelists.list"), "codes": t("codelists.codes")},
        )
        if report.unknown_codes_more:
            st.warning(t("import.too_many_codes"))
            return False
        if not may_edit_code_lists(viewer):
            st.info(t("import.ask_admin_codes"))
            return False
        if not st.button(
            t("import.add_codes", n=n), key=state.IMPORT_ADD_CODES, icon=":material/playlist_add:"
        ):
            return False
        try:
            importer.add_unknown_codes(engine(), viewer, report)
        except (CodeListError, ValueError, PermissionError) as exc:
            st.error(t("admin.refused", why=plain(exc)))
            return False
    st.session_state.pop(state.IMPORT_UNKNOWN_CODES, None)
    clear_after_admin_change()  # filters, labels and the lists read the new codes
    st.success(t("import.codes_added", n=n))
    return True
