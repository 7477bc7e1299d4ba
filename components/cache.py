"""How caching works — the one place that says it.

- `engine()`: one pooled engine per server process (`st.cache_resource`).
- `facts()`: the engine the dashboards' aggregates read — the newest analytical snapshot
  (`data_access.snapshot`, DuckDB) when one exists that no later import made stale, else
  the primary. Records, the register, data quality, settings and users read `engine()`.
- `@cached(group)`: `st.cache_data` keyed also by the data version (the newest audit entry
  that changed data, `audit.data_version`, one indexed lookup per call): a result lives until
  the data changes — here, in another server process or through the command-line importer —
  never on a timer. The function is filed under a group (one per dashboard) so a change made
  in this process drops exactly the views it affects at once.
- The rule that keeps one user's rows off another's screen: every cached function that returns
  data for a viewer takes the `Viewer` as its first argument. The cache key is built from all
  arguments, so it always includes username, role and region scope.
- The per-dashboard cached modules live in `components/data/`; nothing else caches.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from components import state
from data_access import audit, snapshot
from data_access.db import get_engine
from data_access.pii import PII_SHOWN
from data_access.security import Viewer

# Results kept per cached function (viewers × filter combinations), oldest dropped first.
MAX_ENTRIES = 256
_GROUPS: dict[str, list[Any]] = defaultdict(list)
# Groups that hold no viewer's rows (the same for everyone).
_SHARED = frozenset({"shared"})


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """One pooled engine per server process."""
    return get_engine()


@st.cache_resource(show_spinner=False, max_entries=snapshot.KEEP)
def _snapshot_reader(path: str, version: int) -> Engine:
    return snapshot.reader(snapshot.Snapshot(Path(path), version))


def facts() -> Engine:
    """The engine for grouped figures over customers, invoices, answers and complaints."""
    primary = engine()
    if not snapshot.enabled():
        return primary
    found = snapshot.current(primary)
    if found is None:
        return primary
    with primary.connect() as conn:
        if not snapshot.is_fresh(found, conn):
            return primary
    return _snapshot_reader(str(found.path), found.version)


def current_data_version() -> int:
    with engine().connect() as conn:
        return audit.data_version(conn)


def cached(group: str, ttl: int | None = None) -> Callable[[Callable], Any]:
    """`st.cache_data` for the functions of one dashboard (`group`), keyed by the data
    version too; `ttl` only for views of what the version leaves out (logins: the audit log)."""

    def decorate(function: Callable) -> Any:
        def versioned(*args: Any, data_version: int, **kwargs: Any) -> Any:
            return function(*args, **kwargs)

        # Streamlit keys a cache by module, qualified name and source: the function's own,
        # so two cached functions never share entries and an edit of one drops its cache.
        versioned.__module__ = function.__module__
        versioned.__qualname__ = function.__qualname__
        versioned.__wrapped__ = function  # type: ignore[attr-defined]
        stored = st.cache_data(ttl=ttl, max_entries=MAX_ENTRIES, show_spinner=False)(versioned)

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            result = stored(*args, data_version=current_data_version(), **kwargs)
            _audit_personal_data(function, args, kwargs, result)
            return result

        call.clear = stored.clear  # type: ignore[attr-defined]
        _GROUPS[group].append(call)
        return call

    return decorate


def _audit_personal_data(function: Callable, args: tuple, kwargs: dict, result: Any) -> None:
    """Every view of unmasked personal data is audited — from the cache too, so a second
    viewer of the same list leaves a row. Once per session and view (the same arguments):
    a rerun of the same screen is not a new view."""
    frame = result[0] if isinstance(result, tuple) and result else result
    if not isinstance(frame, pd.DataFrame) or not frame.attrs.get(PII_SHOWN):
        return
    viewer = args[0] if args and isinstance(args[0], Viewer) else None
    if viewer is None:
        return
    view = f"{function.__module__}.{function.__qualname__}{args[1:]!r}{sorted(kwargs.items())!r}"
    seen: set[str] = st.session_state.setdefault(state.PII_VIEWS, set())
    if view in seen:
        return
    seen.add(view)
    detail = {"columns": list(frame.attrs[PII_SHOWN]), "view": view[:500]}
    audit.record_pii_view(engine(), viewer.username, function.__name__, len(frame), detail)


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
