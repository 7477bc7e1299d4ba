"""The Import page's "Map columns" step: each header cell of the uploaded file, the column it
matches by name or alias, and a choice to send it elsewhere (a column, skip, or for customers
keep as attribute); a saved mapping can be loaded, and a changed one saved under a name."""

from __future__ import annotations

import hashlib
from typing import IO

import streamlit as st

import importer
from components import state
from components.cache import engine
from components.i18n import t
from components.opened import forget, opened, stale_notice
from components.plain import plain
from data_access.import_mappings import MappingError, SavedMapping, list_mappings, save_mapping
from data_access.security import Viewer
from importer.header import normal

_OPENED_KIND = "import_mapping"


def _label(target: str) -> str:
    if target == importer.MAP_SKIP:
        return t("import.map.skip")
    if target == importer.MAP_ATTRIBUTE:
        return t("import.map.attribute")
    return target


def _file_header(upload: IO[bytes], name: str, sheet: str | None) -> list[str]:
    """The upload's header cells; none when the file cannot be read yet (the import itself
    then says why, e.g. a workbook whose sheet is not chosen)."""
    try:
        return importer.read_header(upload, name, sheet)
    except importer.ImportFileError:
        return []


def _loaded(viewer: Viewer, table: str) -> SavedMapping | None:
    """The saved mapping this session loaded for `table`, as it was when loaded (so a save
    names that version and a change made since is refused, not overwritten)."""
    with engine().connect() as conn:
        saved = {m.name: m for m in list_mappings(conn, viewer, table)}
    key = f"{state.IMPORT_MAP_SAVED}_{table}"
    pending = st.session_state.pop(state.IMPORT_MAP_PENDING, None)
    if pending in saved:
        st.session_state[key] = pending
    if st.session_state.get(key) not in saved:
        st.session_state[key] = None  # deleted by someone else, or never chosen
    if not saved:
        st.caption(t("import.map.none_saved"))
        return None
    chosen = st.selectbox(
        t("import.map.saved"),
        [None, *saved],
        format_func=lambda n: t("import.map.none") if n is None else n,
        key=key,
    )
    if chosen is None:
        return None
    snapshot = opened(_OPENED_KIND, (table, chosen), saved[chosen])
    stale_notice(
        _OPENED_KIND,
        (table, chosen),
        saved[chosen].version != snapshot.version,
        f"{state.IMPORT_MAP_RELOAD}_{table}",
    )
    return snapshot


def mapping_step(
    viewer: Viewer, table: str, upload: IO[bytes], filename: str, sheet: str | None, extra: str
) -> dict[str, str] | None:
    """Draw the step for an uploaded file; the mapping to import with (None = the header is
    matched by name and alias only)."""
    header = _file_header(upload, filename, sheet)
    if not header:
        return None
    fmt = importer.FORMATS[table]
    with st.container(border=True):
        st.subheader(t("import.map.title"))
        st.caption(t("import.map.caption"))
        loaded = _loaded(viewer, table)
        base = loaded.mapping if loaded else {}
        auto = importer.header_targets(fmt, header, extra)
        start = importer.header_targets(fmt, header, extra, base)
        targets = importer.mapping_targets(fmt)
        # Choices start again from the file, the loaded mapping and the extra-columns choice
        # whenever one of those changes; otherwise the user's picks survive reruns.
        origin = (
            getattr(upload, "file_id", filename),
            loaded and loaded.name,
            loaded and loaded.version,
            extra,
        )
        digest = hashlib.sha1(repr(origin).encode()).hexdigest()[:12]
        heads = st.columns([2, 2, 3])
        for column, key in zip(heads, ("file_column", "matched", "import_as"), strict=True):
            column.markdown(f"**{t(f'import.map.{key}')}**")
        mapping: dict[str, str] = {}
        based = {normal(cell) for cell in base}
        for i, (cell, matched, first) in enumerate(zip(header, auto, start, strict=True)):
            left, middle, right = st.columns([2, 2, 3], vertical_alignment="center")
            left.markdown(plain(cell) or "—")
            middle.markdown(plain(_label(matched)))
            if not normal(cell) or "\x00" in cell:
                right.markdown(_label(importer.MAP_SKIP))  # no name to map by
                continue
            choice = right.selectbox(
                t("import.map.choice", cell=plain(cell)),
                targets,
                # A stored target the format no longer has falls back to the name match.
                index=targets.index(first if first in targets else matched),
                format_func=_label,
                key=f"{state.IMPORT_MAP_CELL}_{table}_{i}_{digest}",
                label_visibility="collapsed",
            )
            if choice != matched or normal(cell) in based:
                mapping[cell] = choice
        in_file = {normal(cell) for cell in header}
        problems = importer.mapping_problems(fmt, mapping)
        if problems:
            st.warning(t("import.map.problems", problems=plain("; ".join(problems))))
        changed = {normal(k): v for k, v in mapping.items()} != {
            normal(k): v for k, v in base.items() if normal(k) in in_file
        }
        if changed and not problems:
            # Entries of the loaded mapping for columns this file lacks are kept: one mapping
            # may serve several exports of the same system.
            kept = {k: v for k, v in base.items() if normal(k) not in in_file}
            _save_form(viewer, table, loaded, kept | mapping)
    return mapping or None


def _save_form(
    viewer: Viewer,
    table: str,
    loaded: SavedMapping | None,
    mapping: dict[str, str],
) -> None:
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    name = left.text_input(
        t("import.map.name"),
        value=loaded.name if loaded else "",
        max_chars=60,
        key=f"{state.IMPORT_MAP_NAME}_{table}",
        help=t("import.map.name.help"),
    ).strip()
    if not right.button(t("import.map.save"), icon=":material/save:"):
        return
    # Saving under the loaded name updates it from the version loaded; any other name is new.
    version = loaded.version if loaded and name == loaded.name else None
    try:
        save_mapping(engine(), viewer, table, name, mapping, version)
    except MappingError as exc:
        st.error(t("import.map.refused", why=plain(exc)))
        return
    forget(_OPENED_KIND, (table, name))
    st.session_state[state.IMPORT_MAP_PENDING] = name
    st.session_state[state.IMPORT_MESSAGE] = t("import.map.saved_as", name=plain(name))
    st.rerun()
