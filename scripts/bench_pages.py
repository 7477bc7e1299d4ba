"""Per-page data times, cold and warm, as the app computes them (the cached functions in
components/data/, outside a browser): what a page waits for before it can draw.

Cold = every cache dropped first, in a process that has shown each page once (as a running
server has), the median of COLD_RUNS; warm = the same call again (the cache lookup, the data
version check and unpickling the stored result). Used by scripts/bench.py.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import streamlit as st
from sqlalchemy import Engine, event
from streamlit.logger import set_log_level

from data_access.filters import Filters
from data_access.security import Viewer

COLD_RUNS = 3  # the median is reported: one run on a 2-core machine varies by ±30 %


def _pages(viewer: Viewer, filters: Filters) -> dict[str, list[Callable[[], object]]]:
    # Imported here: the modules read DATABASE_URL through the cached engine.
    from components.data import churn, overview, quality, register, satisfaction

    split = "contract_type"
    return {
        "overview": [lambda: overview.overview_model(viewer, filters)],
        "register": [
            lambda: register.register_view(viewer, filters, False),
            lambda: register.register_heatmap(viewer, filters, "inherent"),
            lambda: register.register_trends(viewer, filters),
        ],
        "satisfaction": [lambda: satisfaction.satisfaction_model(viewer, filters, None)],
        "churn": [
            lambda: churn.churn_trend(viewer, filters, split),
            lambda: churn.credit_exposure(viewer, filters),
            lambda: churn.churn_cohorts(viewer, filters, "month"),
            lambda: churn.churn_survival(viewer, filters, split),
            lambda: churn.churn_reasons(viewer, filters, split),
            lambda: churn.churn_model_summary(viewer, filters),
            lambda: churn.at_risk_count(viewer, filters, 0.05),
            lambda: churn.at_risk_page(viewer, filters, 0.05, 0),
            lambda: churn.win_back(viewer, filters),
        ],
        "data_quality": [lambda: quality.dq_model(viewer)],
    }


class StatementTimer:
    """The slowest SQL statement run on `engines` while active: (seconds, SQL text)."""

    def __init__(self, *engines: Engine) -> None:
        self.engines = set(engines)
        self.slowest: tuple[float, str] = (0.0, "")

    def _before(self, conn, cursor, statement, params, context, many) -> None:  # noqa: ANN001
        context._bench_started = time.perf_counter()

    def _after(self, conn, cursor, statement, params, context, many) -> None:  # noqa: ANN001
        took = time.perf_counter() - context._bench_started
        if took > self.slowest[0]:
            self.slowest = (took, " ".join(statement.split()))

    def __enter__(self) -> StatementTimer:
        for engine in self.engines:
            event.listen(engine, "before_cursor_execute", self._before)
            event.listen(engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        for engine in self.engines:
            event.remove(engine, "before_cursor_execute", self._before)
            event.remove(engine, "after_cursor_execute", self._after)


def page_times(
    url: str, viewers: dict[str, Viewer], filters: Filters, slowest: dict[str, str] | None = None
) -> dict[str, float]:
    """{"page:<page>[<viewer>]_cold_s": seconds, ..._warm_s, ..._slowest_sql_s} for every
    page; `slowest`, when given, receives the slowest statement's SQL text per page."""
    from components.cache import engine, facts

    set_log_level("error")  # outside a server Streamlit warns on every cached call
    os.environ["DATABASE_URL"] = url
    engine.clear()
    results: dict[str, float] = {}
    # A server process has imported and run every page before a cache is dropped: one pass
    # first, so "cold" is the data work and not Python importing lifelines or plotly.
    for viewer in viewers.values():
        for calls in _pages(viewer, filters).values():
            for call in calls:
                call()
    for label, viewer in viewers.items():
        for page, calls in _pages(viewer, filters).items():
            cold = []
            for _ in range(COLD_RUNS):
                st.cache_data.clear()
                started = time.perf_counter()
                with StatementTimer(engine(), facts()) as timer:
                    for call in calls:
                        call()
                cold.append(time.perf_counter() - started)
            results[f"page:{page}[{label}]_cold_s"] = statistics.median(cold)
            results[f"page:{page}[{label}]_slowest_sql_s"] = timer.slowest[0]
            if slowest is not None:
                slowest[f"{page}[{label}]"] = timer.slowest[1]
            started = time.perf_counter()
            for call in calls:
                call()
            results[f"page:{page}[{label}]_warm_s"] = time.perf_counter() - started
    engine().dispose()
    engine.clear()
    return results
