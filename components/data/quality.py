"""Cached data of the data-quality page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from analytics import dq as dq_stats
from components.cache import cached, engine
from data_access import (
    dq_results,
    linkage_store,
)
from data_access.security import VIEW_RECORDS, Viewer
from quality import records as dq_records
from quality.required import required_fields

DQ_HISTORY_RUNS = 12


@dataclass
class DqModel:
    run_id: int | None
    run_at: datetime | None
    reference_time: datetime  # what "now" means for freshness rules when listing failures
    latest: pd.DataFrame  # results of the newest run (one row per rule × source system)
    previous: pd.DataFrame  # results of the run before it
    history: pd.DataFrame  # results of the newest DQ_HISTORY_RUNS runs, with run_id, run_at
    rules: pd.DataFrame  # every rule with its latest score (inactive ones too)
    required: dict[str, list[str]] = field(default_factory=dict)  # table → required fields
    # A region-scoped viewer's region when the newest run has no scores for it (a run stored
    # before runs counted per region): the page says so instead of drawing empty charts.
    unscored_region: str | None = None


@cached("quality")
def dq_model(viewer: Viewer) -> DqModel:
    """Scores of the newest check runs and the rule list, within the viewer's scope: a
    region-scoped viewer's scores count their region's rows only (data_access.dq_results);
    failing rows are listed per viewer."""
    empty = pd.DataFrame(columns=dq_results.RESULT_COLUMNS)
    with engine().connect() as conn:
        run_ids = dq_results.latest_run_ids(conn, n=2)
        latest = dq_results.scored_results(conn, viewer, run_ids[0]) if run_ids else empty
        previous = (
            dq_results.scored_results(conn, viewer, run_ids[1]) if len(run_ids) > 1 else empty
        )
        history = dq_results.scored_history(conn, viewer, DQ_HISTORY_RUNS)
        rules = dq_results.all_rules(conn)
        run_at = dq_results.run_started_at(conn, run_ids[0]) if run_ids else None
        required = required_fields(conn)
    scored = dq_stats.rule_scores(latest) if not latest.empty else pd.DataFrame()
    if not scored.empty:
        scored = scored[
            ["rule_id", "checked", "passed", "score", "meets_threshold", "applicable", "na_reason"]
        ]
        rules = rules.merge(scored, left_on="id", right_on="rule_id", how="left")
    else:
        unscored = ["checked", "passed", "score", "meets_threshold", "applicable", "na_reason"]
        rules = rules.assign(**{c: float("nan") for c in unscored if c not in rules.columns})
    return DqModel(
        run_ids[0] if run_ids else None,
        run_at,
        datetime.now(),
        latest,
        previous,
        history,
        rules,
        required,
        viewer.region_scope if viewer.region_scope and latest.empty else None,
    )


@cached("quality")
def dq_failing_rows(viewer: Viewer, rule_id: int, page: int) -> tuple[pd.DataFrame, int]:
    """One page of the rows a rule fails now; only roles that may drill to records."""
    if not viewer.can(VIEW_RECORDS):
        raise PermissionError("failing records")
    with engine().connect() as conn:
        rule = dq_results.get_rule(conn, rule_id)
        if rule is None:
            return pd.DataFrame(), 0
        return dq_records.failing_rows(conn, viewer, rule, datetime.now(), page)


@dataclass
class LinkageSummary:
    latest: dict | None  # the newest duplicate search the viewer may see
    open_pairs: int  # candidate pairs of it nobody decided yet
    merged: int  # merges in force (not undone)
    precision: dict  # confirmed, rejected, precision and its 95 % interval
    merges: pd.DataFrame  # merge history, newest first
    duplicates: int  # customers in scope that repeat an older record of their group now


def _require_records(viewer: Viewer) -> None:
    if not viewer.can(VIEW_RECORDS):
        raise PermissionError("duplicate customers are records")


@cached("quality")
def linkage_summary(viewer: Viewer) -> LinkageSummary:
    _require_records(viewer)
    with engine().connect() as conn:
        latest = linkage_store.latest_run(conn, viewer)
        open_pairs = (
            linkage_store.pair_page(conn, viewer, int(latest["id"]), "open", 0, 1)[1]
            if latest
            else 0
        )
        merges = linkage_store.merge_history(conn, viewer)
        precision = linkage_store.precision(conn, viewer)
        duplicates = linkage_store.duplicate_count(conn, viewer)
    merged = int(merges["undone_at"].isna().sum()) if not merges.empty else 0
    return LinkageSummary(latest, open_pairs, merged, precision, merges, duplicates)


@cached("quality")
def silo_duplicates(viewer: Viewer) -> pd.DataFrame:
    """Duplicate records in the viewer's scope by their and their original's source system
    (counts only: no record is shown)."""
    with engine().connect() as conn:
        return linkage_store.cross_system_duplicates(conn, viewer)


@cached("quality")
def linkage_pairs(viewer: Viewer, run_id: int, status: str, page: int) -> tuple[pd.DataFrame, int]:
    """One page of a search's candidate pairs with `status`, most likely first."""
    _require_records(viewer)
    with engine().connect() as conn:
        return linkage_store.pair_page(conn, viewer, run_id, status, page)


@cached("quality")
def linkage_pair(viewer: Viewer, pair_id: int) -> dict | None:
    """Two candidate records side by side with each field's contribution to the weight."""
    _require_records(viewer)
    with engine().connect() as conn:
        return linkage_store.pair_detail(conn, viewer, pair_id)
