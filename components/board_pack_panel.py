"""The board pack's place on the overview: choose sections, download PDF or HTML. Built when
a button is pressed (charts drawn and printed by the server's Chromium); each download
audited with its view."""

from __future__ import annotations

import streamlit as st

from components import state
from components.cache import engine
from components.focus import current_focus
from components.i18n import t
from data_access import audit
from data_access.filters import Filters
from data_access.security import EXPORT, Viewer
from reports import board_pack
from reports.browser import BrowserMissing, chromium_path


def board_pack_panel(viewer: Viewer, filters: Filters) -> None:
    """An expander with the section choice and the two downloads (PDF, one HTML file)."""
    if not viewer.can(EXPORT):
        return
    with st.expander(t("pack.heading"), icon=":material/picture_as_pdf:"):
        try:
            chromium_path()
        except BrowserMissing as exc:
            st.info(t("pack.no_browser", reason=str(exc)))
            return
        st.caption(t("pack.intro"))
        options = board_pack.allowed_sections(viewer)
        labels = {s: t(f"pack.section.{s}") for s in options}
        chosen = st.multiselect(
            t("pack.sections"),
            options,
            default=options,
            format_func=labels.__getitem__,
            key=state.PACK_SECTIONS,
        )
        if not chosen:
            st.info(t("pack.none"))
            return
        focus = current_focus()

        def document() -> tuple[board_pack.BoardPack, str]:
            pack = board_pack.build(viewer, filters, chosen, focus)
            return pack, board_pack.html_document(pack)

        def pdf() -> bytes:
            return board_pack.pdf_bytes(*document())

        def page() -> bytes:
            return document()[1].encode("utf-8")

        def _audit(fmt: str) -> None:
            detail = {
                "file": f"board-pack.{fmt}",
                "format": fmt,
                "filters": filters.to_query_params(),
                "sections": chosen,
            }
            audit.record_export(engine(), viewer.username, "board_pack", len(chosen), detail)

        left, right = st.columns(2)
        for column, fmt, make, mime in (
            (left, "pdf", pdf, "application/pdf"),
            (right, "html", page, "text/html"),
        ):
            column.download_button(
                t(f"pack.{fmt}"),
                make,
                file_name=f"board-pack.{fmt}",
                mime=mime,
                icon=":material/download:",
                on_click=_audit,
                args=(fmt,),
                key=f"pack_download_{fmt}",
            )
        st.caption(t("pack.wait"))
