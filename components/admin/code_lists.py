"""Code lists tab (unscoped administrators): the organisation's regions, segments, tiers,
channels and other codes with their labels and how many rows use them; add, relabel, reorder,
retire, reactivate, delete an unused code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from components import state
from components.admin.actions import attempt
from components.cache import engine
from components.data.admin import code_list_view
from components.i18n import t
from components.opened import drop_vanished_pick, opened, stale_notice
from data_access import code_lists, snapshot
from data_access.security import Viewer


def _attempt(action: Callable[[], object], message: str, **options: Any) -> None:
    """`attempt` for a code-list change: the dashboards' snapshot holds the lists too, so a
    saved change publishes a new one (until then the figures come from the database)."""

    def change_and_publish() -> None:
        action()
        with st.spinner(t("codelists.publishing")):
            snapshot.publish(engine())

    attempt(change_and_publish, message, **options)


def code_lists_tab(viewer: Viewer) -> None:
    """Pick a list; see its codes; add one; edit the chosen one."""
    if viewer.region_scope is not None:
        st.info(t("codelists.unscoped_only"))
        return
    st.caption(t("codelists.caption"))
    list_name = st.selectbox(
        t("codelists.list"),
        code_lists.LIST_NAMES,
        format_func=lambda name: t(f"codelists.list.{name}"),
        key=state.ADMIN_CODE_LIST,
    )
    entries, usage = code_list_view(viewer, list_name)
    _codes_table(entries, usage)
    _add_form(viewer, list_name)
    if entries:
        _edit_code(viewer, list_name, entries, usage)


def _codes_table(entries: tuple[code_lists.CodeEntry, ...], usage: dict[str, int]) -> None:
    rows = pd.DataFrame(
        [
            {
                "code": e.code,
                "label_en": e.label_en,
                "label_zh": e.label_zh or "",
                "active": e.active,
                "used": usage.get(e.code, 0),
            }
            for e in entries
        ],
        columns=["code", "label_en", "label_zh", "active", "used"],
    )
    st.dataframe(
        rows,
        hide_index=True,
        column_config={
            "code": t("codelists.code"),
            "label_en": t("codelists.label_en"),
            "label_zh": t("codelists.label_zh"),
            "active": st.column_config.CheckboxColumn(t("codelists.active")),
            "used": st.column_config.NumberColumn(
                t("codelists.used"), format="%d", help=t("codelists.used.help")
            ),
        },
    )


def _add_form(viewer: Viewer, list_name: str) -> None:
    keys = tuple(
        f"{prefix}_{list_name}"
        for prefix in (state.ADMIN_CODE_NEW, state.ADMIN_CODE_NEW_EN, state.ADMIN_CODE_NEW_ZH)
    )
    with st.form(f"admin_code_add_{list_name}"):
        st.markdown(f"**{t('codelists.add')}**")
        a, b, c = st.columns(3)
        code = a.text_input(t("codelists.code"), key=keys[0], help=t("codelists.code.help"))
        label_en = b.text_input(t("codelists.label_en"), key=keys[1])
        label_zh = c.text_input(t("codelists.label_zh"), key=keys[2])
        if st.form_submit_button(t("codelists.add_button")):
            _attempt(
                lambda: code_lists.add_code(
                    engine(), viewer, list_name, code.strip(), label_en.strip(), label_zh.strip()
                ),
                t("codelists.added", code=code.strip()),
                reset=keys,
            )


def _edit_code(
    viewer: Viewer,
    list_name: str,
    entries: tuple[code_lists.CodeEntry, ...],
    usage: dict[str, int],
) -> None:
    """The chosen code as this session opened it: labels, place, retire or delete."""
    by_code = {e.code: e for e in entries}
    pick = f"{state.ADMIN_CODE_CHOSEN}_{list_name}"
    drop_vanished_pick(pick, by_code)
    chosen = st.selectbox(t("codelists.choose"), list(by_code), key=pick)
    if chosen is None:
        return
    current = by_code[chosen]
    kind, key = "code", (list_name, chosen)
    entry: code_lists.CodeEntry = opened(kind, key, current)
    stale_notice(kind, key, entry.version != current.version, f"admin_reload_code_{list_name}")
    done = {"opened_as": (kind, key)}
    # Keyed by the code: a click drawn for a code deleted meanwhile never lands on another.
    with st.form(f"admin_code_edit_{list_name}_{chosen}"):
        a, b = st.columns(2)
        label_en = a.text_input(t("codelists.label_en"), entry.label_en)
        label_zh = b.text_input(t("codelists.label_zh"), entry.label_zh or "")
        if st.form_submit_button(t("codelists.relabel")):
            _attempt(
                lambda: code_lists.relabel(
                    engine(), viewer, list_name, chosen, label_en, label_zh, entry.version
                ),
                t("codelists.saved", code=chosen),
                **done,
            )
    up, down, retire, remove = st.columns(4)
    for column, step, label, icon in (
        (up, -1, "codelists.up", ":material/arrow_upward:"),
        (down, 1, "codelists.down", ":material/arrow_downward:"),
    ):
        if column.button(t(label), icon=icon, key=f"admin_code_move_{step}_{chosen}"):
            _attempt(
                lambda step=step: code_lists.move(
                    engine(), viewer, list_name, chosen, step, entry.version
                ),
                t("codelists.saved", code=chosen),
                **done,
            )
    if entry.active:
        if retire.button(
            t("codelists.retire"),
            icon=":material/archive:",
            help=t("codelists.retire.help"),
            key=f"admin_code_retire_{chosen}",
        ):
            _attempt(
                lambda: code_lists.set_active(
                    engine(), viewer, list_name, chosen, False, entry.version
                ),
                t("codelists.retired", code=chosen),
                **done,
            )
    elif retire.button(
        t("codelists.reactivate"),
        icon=":material/unarchive:",
        key=f"admin_code_reactivate_{chosen}",
    ):
        _attempt(
            lambda: code_lists.set_active(engine(), viewer, list_name, chosen, True, entry.version),
            t("codelists.reactivated", code=chosen),
            **done,
        )
    used = usage.get(chosen, 0)
    if remove.button(
        t("codelists.delete"),
        icon=":material/delete:",
        disabled=used > 0,
        help=t("codelists.delete.help", n=f"{used:,}"),
        key=f"admin_code_delete_{chosen}",
    ):
        _attempt(
            lambda: code_lists.delete_code(engine(), viewer, list_name, chosen, entry.version),
            t("codelists.deleted", code=chosen),
            **done,
        )
