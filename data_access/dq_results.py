"""Data-quality results as the dashboards read them: the rules as stored, each run's
counts per rule and source system, the newest runs and their history. The engine that
defines, evaluates and edits rules lives in the `quality` package; this is its read side.

A run stores, per rule and source system, one row over every region (region NULL) and one
row per region of the checked rows' customers (the region rows sum to the all-region row).
Reads take a region: None reads the all-region rows, a region reads that region's rows only.
`scored_results` and `scored_history` read within the viewer's scope, so a region-scoped
viewer's scores count only their region's rows (failing rows, listed per viewer in
`quality.records`, are scoped in SQL as well)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Select, select
from sqlalchemy.sql.elements import ColumnElement

from data_access.models import Base
from data_access.security import Viewer

_META = Base.metadata.tables
CUSTOMERS = _META["customers"]
SOURCE_RECORDS = _META["customer_source_records"]
DQ_RULES = _META["dq_rules"]
DQ_RUNS = _META["dq_runs"]
DQ_RESULTS = _META["dq_results"]


RESULT_COLUMNS = [
    "rule_id",
    "code",
    "table_name",
    "column_name",
    "dimension",
    "rule_type",  # a never-filled field makes a not_null rule "not applicable" (analytics.dq)
    "weight",
    "threshold",
    "source_system",
    "checked",
    "passed",
]


def result_select(*extra: ColumnElement) -> Select:
    """SELECT of RESULT_COLUMNS (results joined to their rules), after any `extra` columns."""
    return select(
        *extra,
        DQ_RESULTS.c.rule_id,
        *[DQ_RULES.c[c] for c in RESULT_COLUMNS[1:8]],
        *[DQ_RESULTS.c[c] for c in RESULT_COLUMNS[8:]],
    ).join_from(DQ_RESULTS, DQ_RULES, DQ_RESULTS.c.rule_id == DQ_RULES.c.id)


def _in_region(region: str | None) -> ColumnElement[bool]:
    """The rows of one region, or the all-region rows for None."""
    col = DQ_RESULTS.c.region
    return col.is_(None) if region is None else col == region


def run_results(conn: Connection, run_id: int, region: str | None = None) -> pd.DataFrame:
    """One row per rule and source system of a run, with the rule's attributes: counted over
    every region (region None) or over the rows of one region's customers."""
    stmt = (
        result_select()
        .where(DQ_RESULTS.c.run_id == run_id, _in_region(region))
        .order_by(DQ_RULES.c.code, DQ_RESULTS.c.source_system)
    )
    return pd.DataFrame(conn.execute(stmt).all(), columns=RESULT_COLUMNS)


def scored_results(conn: Connection, viewer: Viewer, run_id: int) -> pd.DataFrame:
    """`run_results` within the viewer's scope (their region's rows if region-scoped)."""
    return run_results(conn, run_id, viewer.region_scope)


def scored_history(conn: Connection, viewer: Viewer, runs: int = 12) -> pd.DataFrame:
    """`history` within the viewer's scope (their region's rows if region-scoped)."""
    return history(conn, runs, viewer.region_scope)


def latest_run_ids(conn: Connection, n: int = 2) -> list[int]:
    """Ids of the newest `n` finished runs, newest first."""
    stmt = (
        select(DQ_RUNS.c.id)
        .where(DQ_RUNS.c.finished_at.isnot(None))
        .order_by(DQ_RUNS.c.id.desc())
        .limit(n)
    )
    return list(conn.execute(stmt).scalars())


def run_started_at(conn: Connection, run_id: int) -> datetime | None:
    """When a run started (shown next to the score)."""
    return conn.execute(
        select(DQ_RUNS.c.started_at).where(DQ_RUNS.c.id == run_id)
    ).scalar_one_or_none()


def get_rule(conn: Connection, rule_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(DQ_RULES).where(DQ_RULES.c.id == rule_id)).mappings().first()
    return dict(row) if row else None


def all_rules(conn: Connection) -> pd.DataFrame:
    result = conn.execute(select(DQ_RULES).order_by(DQ_RULES.c.code))
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def history(conn: Connection, runs: int = 12, region: str | None = None) -> pd.DataFrame:
    """Results of the newest `runs` finished runs (RESULT_COLUMNS plus run_id and run time),
    over every region (None) or one region's rows. A run stored before runs counted per
    region has no rows for a region."""
    ids = (
        select(DQ_RUNS.c.id)
        .where(DQ_RUNS.c.finished_at.isnot(None))
        .order_by(DQ_RUNS.c.id.desc())
        .limit(runs)
        .subquery()
    )
    stmt = (
        result_select(DQ_RESULTS.c.run_id, DQ_RUNS.c.started_at.label("run_at"))
        .join(DQ_RUNS, DQ_RUNS.c.id == DQ_RESULTS.c.run_id)
        .where(DQ_RESULTS.c.run_id.in_(select(ids.c.id)), _in_region(region))
        .order_by(DQ_RESULTS.c.run_id)
    )
    return pd.DataFrame(conn.execute(stmt).all(), columns=["run_id", "run_at", *RESULT_COLUMNS])
