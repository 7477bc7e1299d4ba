"""How caching works — the one place that says it.

- `engine()`: one pooled engine per server process (`st.cache_resource`).
- `@cached(group)`: `st.cache_data` with the app's lifetime and no spinner, and the function
  filed under a group (one per dashboard) so a change can drop exactly the views it affects.
- The rule that keeps one user's rows off another's screen: every cached function that returns
  data for a viewer takes the `Viewer` as its first argument. The cache key is built from all
  arguments, so it always includes username, role and region scope.
- The per-dashboard cached modules live in `components/data/`; nothing else caches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlalchemy import Engine

from data_access.db import get_engine

CACHE_TTL_SECONDS = 300
_GROUPS: dict[str, list[Any]] = defaultdict(list)
# Groups that hold no viewer's rows (the same for everyone).
_SHARED = frozenset({"shared"})


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """One pooled engine per server process."""
    return get_engine()


def cached(group: str, ttl: int = CACHE_TTL_SECONDS) -> Callable[[Callable], Any]:
    """`st.cache_data` for the functions of one dashboard (`group`)."""

    def decorate(function: Callable) -> Any:
        wrapped = st.cache_data(ttl=ttl, show_spinner=False)(function)
        _GROUPS[group].append(wrapped)
        return wrapped

    return decorate


def clear(*groups: str) -> None:
    """Drop every cached result of the named groups (for every viewer)."""
    for group in groups:
        for function in _GROUPS.get(group, ()):
            function.clear()


def clear_register_caches() -> None:
    """After a register change: every cached view that shows risks."""
    clear("register", "overview")


def clear_dq_caches() -> None:
    """After a check run or a rule change: every cached view that shows data quality."""
    clear("quality", "overview")


def clear_user_caches() -> None:
    """Drop every cached result that belongs to a viewer (on logout or an ended login)."""
    clear(*(group for group in _GROUPS if group not in _SHARED))


def clear_after_admin_change() -> None:
    """Settings, appetite and imports change levels, bands and KPIs everywhere: drop all."""
    st.cache_data.clear()
