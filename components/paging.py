"""Paging of long record lists: a page-number control, and the paged-table step the record
lists share (first page and total, the control, the chosen page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from components.i18n import t

Page = TypeVar("Page", bound=tuple)


def page_number(total: int, page_size: int, key: str, where: Any = None, label: str = "") -> int:
    """A 1-based page number input for `total` rows (in `where`, a column or container;
    the page by default); returns the 0-based page. A number left over from a longer list is
    reset instead of being out of range."""
    pages = max(1, -(-total // page_size))
    if st.session_state.get(key, 1) > pages:
        st.session_state[key] = 1
    chosen = (where or st).number_input(
        label or t("sat.page", pages=pages), min_value=1, max_value=pages, step=1, key=key
    )
    return int(chosen) - 1


def paged(
    fetch: Callable[[int], Page],
    page_size: int,
    key: str,
    where: Any = None,
    label: str = "",
    single_page_control: bool = True,
) -> tuple[Page, int]:
    """The rows of the chosen page of a record list and that page (0-based). `fetch(page)`
    returns a tuple whose first two items are the page's rows and the list's total (more
    may follow). The first page is read first: its total bounds the page-number control, and
    when page 1 is chosen (the usual case) it is the only read. Without
    `single_page_control`, a list that fits one page gets no control."""
    first = fetch(0)
    total = int(first[1])
    if not single_page_control and total <= page_size:
        return first, 0
    page = page_number(total, page_size, key, where, label)
    return (first if page == 0 else fetch(page)), page
