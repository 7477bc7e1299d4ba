"""Duplicate customers found as a master-data team would: a record-linkage run over the
viewer's customers (quality.linkage, Splink) stored with its candidate pairs, a review queue
of those pairs, merges of the confirmed ones (survivorship rules, reversible: see
data_access.customer_merge) and the precision of the reviews.

Every read applies the viewer's region scope in SQL and masks personal data; every write is
one transaction with its audit row; a review names the version the reviewer saw."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.orm import aliased
from statsmodels.stats.proportion import proportion_confint

from data_access import audit
from data_access.customer_merge import (
    LinkageError,
    StaleLinkError,
    UndoRefusedError,
    _check_scope,
    _customers,
    _require_steward,
    choose_survivor,
    masked_customer,
    merge_customers,
    merge_history,
    resolve_customer,
    save_survivorship_rules,
    survivorship_rules,
    undo_merge,
)
from data_access.linkage_clusters import (
    cross_system_duplicates,
    duplicate_count,
    recluster,
    store_members,
)
from data_access.models import Customer, LinkagePair, LinkageRun
from data_access.pii import CUSTOMER_PII, mask_frame
from data_access.security import Viewer
from data_access.sql import sum_if
from quality.linkage import FIELDS, LinkageOptions, LinkageResult, link_records

__all__ = [
    "LinkageError",
    "StaleLinkError",
    "UndoRefusedError",
    "cross_system_duplicates",
    "duplicate_count",
    "latest_run",
    "merge_customers",
    "merge_history",
    "pair_detail",
    "pair_page",
    "precision",
    "review_pair",
    "run_history",
    "run_linkage",
    "save_survivorship_rules",
    "survivorship_rules",
    "undo_merge",
]

STATUSES = ("open", "confirmed", "rejected", "merged")
DECISIONS = ("confirmed", "rejected")
# A merged pair was confirmed first: both count as confirmed in the precision.
CONFIRMED = ("confirmed", "merged")
# The customer columns the engine reads, by its standard names: the full name (split there
# when the parts are missing) and every field it compares.
_LINKAGE_COLUMNS = ("name", *FIELDS)
_INSERT_CHUNK = 5000


# --- running -------------------------------------------------------------------------------------


def _linkage_records(conn: Connection, viewer: Viewer) -> pd.DataFrame:
    """The viewer's customers with the fields the engine compares (one set-based select)."""
    columns = [Customer.id.label("unique_id"), *(Customer.__table__.c[c] for c in _LINKAGE_COLUMNS)]
    stmt = select(*columns).order_by(Customer.id)
    if viewer.region_scope is not None:
        stmt = stmt.where(Customer.region == viewer.region_scope)
    return pd.DataFrame(conn.execute(stmt).all(), columns=["unique_id", *_LINKAGE_COLUMNS])


def _number(value: Any) -> float | None:
    """A finite float for JSON, else None."""
    if value is None or pd.isna(value):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _pair_rows(result: LinkageResult, review_floor: float, run_id: int) -> list[dict]:
    """The stored pairs (probability >= review_floor), left id < right id, each with what
    every compared field contributed."""
    pairs = result.pairs[result.pairs["match_probability"] >= review_floor]
    rows = []
    for pair in pairs.to_dict("records"):
        left, right = int(pair["unique_id_l"]), int(pair["unique_id_r"])
        swap = left > right
        contributions = [
            {
                "field": f,
                "left": _text(pair[f"{f}_r" if swap else f"{f}_l"]),
                "right": _text(pair[f"{f}_l" if swap else f"{f}_r"]),
                "level": _text(pair[f"{f}_level"]),
                "weight": _number(pair[f"{f}_weight"]),
            }
            for f in result.fields
        ]
        rows.append(
            {
                "run_id": run_id,
                "left_id": min(left, right),
                "right_id": max(left, right),
                "match_weight": float(pair["match_weight"]),
                "probability": float(pair["match_probability"]),
                "contributions": json.dumps(contributions, ensure_ascii=False),
                "prior_weight": float(result.prior_weight),
                "status": "open",
                "version": 1,
            }
        )
    return rows


def run_linkage(
    engine: Engine,
    viewer: Viewer,
    threshold: float = 0.95,
    review_floor: float = 0.5,
    options: LinkageOptions | None = None,
) -> int:
    """Link the viewer's customers (data stewards only), store the run and every pair with
    probability >= review_floor for review, audit it; returns the run id. Fewer than two
    customers, or nothing to compare, is a run with no pairs."""
    _require_steward(viewer)
    if not (0 < threshold <= 1 and 0 <= review_floor <= threshold):
        raise LinkageError("threshold: 0 < review floor <= threshold <= 1")
    started = datetime.now()
    with engine.connect() as conn:
        records = _linkage_records(conn, viewer)
    result: LinkageResult | None = None
    if len(records) >= 2:
        options = options or LinkageOptions()
        options = replace(
            options, min_pair_probability=min(options.min_pair_probability, review_floor)
        )
        try:
            result = link_records(records, threshold=threshold, options=options)
        except ValueError as exc:  # every field empty or constant: nothing to compare
            if "no column to compare" not in str(exc):
                raise
    finished = datetime.now()
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(LinkageRun).values(
                started_at=started,
                finished_at=finished,
                run_by=viewer.username,
                region_scope=viewer.region_scope,
                threshold=threshold,
                records=len(records),
                pairs_compared=result.counts.pairs_compared if result else 0,
                pairs_stored=0,
                clusters=result.counts.clusters_with_duplicates if result else 0,
                seconds=result.seconds if result else (finished - started).total_seconds(),
                model_json=result.model_json if result else None,
            )
        ).inserted_primary_key[0]
        rows = _pair_rows(result, review_floor, run_id) if result else []
        for i in range(0, len(rows), _INSERT_CHUNK):
            conn.execute(insert(LinkagePair), rows[i : i + _INSERT_CHUNK])
        conn.execute(
            update(LinkageRun).where(LinkageRun.id == run_id).values(pairs_stored=len(rows))
        )
        store_members(conn, run_id, threshold)
        audit.record(
            conn,
            viewer.username,
            "linkage_run",
            "linkage_run",
            run_id,
            {
                "region_scope": viewer.region_scope,
                "threshold": threshold,
                "review_floor": review_floor,
                "records": len(records),
                "pairs_compared": result.counts.pairs_compared if result else 0,
                "pairs_stored": len(rows),
                "clusters": result.counts.clusters_with_duplicates if result else 0,
            },
        )
    return int(run_id)


# --- runs ----------------------------------------------------------------------------------------

RUN_COLUMNS = [
    "id",
    "started_at",
    "finished_at",
    "run_by",
    "region_scope",
    "threshold",
    "records",
    "pairs_compared",
    "pairs_stored",
    "clusters",
    "seconds",
]


def _run_visible(viewer: Viewer) -> list:
    """Runs a viewer sees: their scope's runs; an unscoped viewer sees all."""
    if viewer.region_scope is None:
        return []
    return [LinkageRun.region_scope == viewer.region_scope]


def latest_run(conn: Connection, viewer: Viewer) -> dict | None:
    """The newest run the viewer sees (without its model JSON), or None."""
    columns = [LinkageRun.__table__.c[c] for c in RUN_COLUMNS]
    row = conn.execute(
        select(*columns).where(*_run_visible(viewer)).order_by(LinkageRun.id.desc()).limit(1)
    ).first()
    return None if row is None else dict(row._mapping)


def run_history(conn: Connection, viewer: Viewer, limit: int = 20) -> pd.DataFrame:
    """The newest runs the viewer sees, with their pairs counted per review status
    (open, confirmed, rejected, merged)."""
    counts = (
        select(
            LinkagePair.run_id,
            *(sum_if(LinkagePair.status == s).label(s) for s in STATUSES),
        )
        .group_by(LinkagePair.run_id)
        .subquery()
    )
    runs = (
        select(LinkageRun.id)
        .where(*_run_visible(viewer))
        .order_by(LinkageRun.id.desc())
        .limit(max(1, limit))
        .subquery()
    )
    stmt = (
        select(
            *(LinkageRun.__table__.c[c] for c in RUN_COLUMNS),
            *(func.coalesce(counts.c[s], 0).label(s) for s in STATUSES),
        )
        .join(runs, runs.c.id == LinkageRun.id)
        .outerjoin(counts, counts.c.run_id == LinkageRun.id)
        .order_by(LinkageRun.id.desc())
    )
    return pd.DataFrame(conn.execute(stmt).all(), columns=[*RUN_COLUMNS, *STATUSES])


# --- the review queue ----------------------------------------------------------------------------

PAGE_COLUMNS = [
    "pair_id",
    "probability",
    "match_weight",
    "status",
    "left_id",
    "right_id",
    "left_external_id",
    "right_external_id",
    "left_name",
    "right_name",
    "left_source",
    "right_source",
]


def pair_page(
    conn: Connection,
    viewer: Viewer,
    run_id: int,
    status: str | None = "open",
    page: int = 0,
    page_size: int = 25,
) -> tuple[pd.DataFrame, int]:
    """One page of a run's pairs (most probable first) whose two customers still exist and
    are both in the viewer's scope, and how many there are; status None = every status.
    Names are masked for viewers who may not see personal data."""
    left, right = aliased(Customer), aliased(Customer)
    conditions = [LinkagePair.run_id == run_id, *_run_visible(viewer)]
    if status is not None:
        conditions.append(LinkagePair.status == status)
    if viewer.region_scope is not None:
        conditions += [left.region == viewer.region_scope, right.region == viewer.region_scope]

    def joined(stmt):  # noqa: ANN001, ANN202 - a select
        return (
            stmt.select_from(LinkagePair)
            .join(LinkageRun, LinkageRun.id == LinkagePair.run_id)
            .join(left, left.id == LinkagePair.left_id)
            .join(right, right.id == LinkagePair.right_id)
            .where(*conditions)
        )

    total = conn.execute(joined(select(func.count(LinkagePair.id)))).scalar_one()
    size = max(1, min(page_size, 500))
    stmt = joined(
        select(
            LinkagePair.id.label("pair_id"),
            LinkagePair.probability,
            LinkagePair.match_weight,
            LinkagePair.status,
            LinkagePair.left_id,
            LinkagePair.right_id,
            left.external_id.label("left_external_id"),
            right.external_id.label("right_external_id"),
            left.name.label("left_name"),
            right.name.label("right_name"),
            left.source_system.label("left_source"),
            right.source_system.label("right_source"),
        )
    ).order_by(LinkagePair.probability.desc(), LinkagePair.id)
    rows = conn.execute(stmt.limit(size).offset(max(0, page) * size)).all()
    frame = pd.DataFrame(rows, columns=PAGE_COLUMNS)
    return mask_frame(frame, viewer, {"left_name": "name", "right_name": "name"}), int(total)


FIELD_COLUMNS = ["field", "left", "right", "level", "weight"]


def _masked_fields(viewer: Viewer, contributions: list[dict]) -> pd.DataFrame:
    rows = []
    for c in contributions:
        kind = CUSTOMER_PII.get(c["field"])
        if kind and not viewer.may_see_pii:
            both = pd.DataFrame({c["field"]: [c["left"], c["right"]]}, dtype=object)
            left, right = mask_frame(both, viewer, {c["field"]: kind})[c["field"]].tolist()
            c = {**c, "left": left, "right": right}
        rows.append(c)
    return pd.DataFrame(rows, columns=FIELD_COLUMNS)


def _load_pair(conn: Connection, pair_id: int, lock: bool = False) -> Any:
    stmt = (
        select(
            LinkagePair.__table__,
            LinkageRun.region_scope.label("run_scope"),
            LinkageRun.threshold.label("run_threshold"),
        )
        .join(LinkageRun, LinkageRun.id == LinkagePair.run_id)
        .where(LinkagePair.id == pair_id)
    )
    return conn.execute(stmt.with_for_update(of=LinkagePair) if lock else stmt).first()


def _sees_run(viewer: Viewer, run_scope: str | None) -> bool:
    return viewer.region_scope is None or run_scope == viewer.region_scope


def pair_detail(conn: Connection, viewer: Viewer, pair_id: int) -> dict | None:
    """A pair for review: {"pair": its stored values (version, status, probability,
    match_weight, prior_weight, ...; left/right_current_id: the customers the two records
    now live on after merges), "fields": what each field contributed (field, left, right,
    level, weight; PII masked for the viewer), "left"/"right": the current customers (masked)
    }. None when the pair does not exist or is outside the viewer's scope."""
    pair = _load_pair(conn, pair_id)
    if pair is None or not _sees_run(viewer, pair.run_scope):
        return None
    current = (resolve_customer(conn, pair.left_id), resolve_customer(conn, pair.right_id))
    stmt = select(Customer.__table__).where(Customer.id.in_(current))
    customers = {r.id: r for r in conn.execute(stmt).all()}
    if viewer.region_scope is not None and any(
        c.region != viewer.region_scope for c in customers.values()
    ):
        return None
    values = dict(pair._mapping)
    contributions = json.loads(values.pop("contributions"))
    values.pop("run_scope")
    values["left_current_id"], values["right_current_id"] = current
    return {
        "pair": values,
        "fields": _masked_fields(viewer, contributions),
        "left": masked_customer(viewer, customers[current[0]]) if current[0] in customers else None,
        "right": masked_customer(viewer, customers[current[1]])
        if current[1] in customers
        else None,
    }


def review_pair(engine: Engine, viewer: Viewer, pair_id: int, decision: str, version: int) -> None:
    """Confirm or reject a pair (data stewards in whose scope both customers are). Confirming
    merges the two customers in the same transaction (survivorship rules pick the survivor
    and its values); a record merged away meanwhile stands for its survivor, and a pair whose
    two records already live on one customer is just marked merged. A pair changed since
    the reviewer opened it (another `version`) is refused with StaleLinkError. Audited."""
    _require_steward(viewer)
    if decision not in DECISIONS:
        raise LinkageError(f"decision: one of {', '.join(DECISIONS)}")
    with engine.begin() as conn:
        pair = _load_pair(conn, pair_id, lock=True)
        if pair is None:
            raise StaleLinkError(f"pair {pair_id} no longer exists; nothing was saved")
        if not _sees_run(viewer, pair.run_scope):
            raise PermissionError("pair outside your region scope")
        current = sorted(
            {resolve_customer(conn, pair.left_id), resolve_customer(conn, pair.right_id)}
        )
        customers = _customers(conn, current)
        _check_scope(viewer, *(c.region for c in customers.values()))
        if pair.version != version:
            raise StaleLinkError(
                f"pair {pair_id} was reviewed by someone else after you opened it; "
                "nothing was saved"
            )
        if pair.status == "merged":
            raise LinkageError(f"pair {pair_id} is merged: undo the merge to review it again")
        missing = [i for i in current if i not in customers]
        if missing and decision == "confirmed":
            raise LinkageError(f"customer {missing[0]} no longer exists; nothing was merged")
        merge_id = None
        status = decision
        if decision == "confirmed":
            status = "merged"
            if len(current) == 2:
                survivor = choose_survivor(list(customers.values()), survivorship_rules(conn))
                other = next(i for i in current if i != survivor.id)
                merge_id = merge_customers(conn, viewer, survivor.id, other, pair_id)
        changed = conn.execute(
            update(LinkagePair)
            .where(LinkagePair.id == pair_id, LinkagePair.version == version)
            .values(
                status=status,
                reviewed_by=viewer.username,
                reviewed_at=datetime.now(),
                version=version + 1,
            )
        ).rowcount
        if changed != 1:
            raise StaleLinkError(f"pair {pair_id} was reviewed by someone else; nothing was saved")
        if "rejected" in (pair.status, status):  # the pair left or rejoined its cluster
            recluster(conn, pair.run_id, pair.run_threshold, (pair.left_id, pair.right_id))
        audit.record(
            conn,
            viewer.username,
            "linkage_review",
            "linkage_pair",
            pair_id,
            {
                "decision": decision,
                "status": status,
                "left_id": pair.left_id,
                "right_id": pair.right_id,
                "merge_id": merge_id,
            },
        )


# --- figures -------------------------------------------------------------------------------------


def precision(conn: Connection, viewer: Viewer) -> dict:
    """Reviewed pairs of the runs the viewer sees: {"confirmed", "rejected", "reviewed",
    "precision" (confirmed / reviewed; None before any review), "low", "high" (Wilson 95%
    interval)}. A merged pair counts as confirmed."""
    stmt = (
        select(LinkagePair.status, func.count(LinkagePair.id))
        .join(LinkageRun, LinkageRun.id == LinkagePair.run_id)
        .where(LinkagePair.status.in_([*CONFIRMED, "rejected"]), *_run_visible(viewer))
        .group_by(LinkagePair.status)
    )
    counts = dict(conn.execute(stmt).all())
    confirmed = sum(int(counts.get(s, 0)) for s in CONFIRMED)
    rejected = int(counts.get("rejected", 0))
    reviewed = confirmed + rejected
    if not reviewed:
        return {
            "confirmed": 0,
            "rejected": 0,
            "reviewed": 0,
            "precision": None,
            "low": None,
            "high": None,
        }
    low, high = proportion_confint(confirmed, reviewed, alpha=0.05, method="wilson")
    return {
        "confirmed": confirmed,
        "rejected": rejected,
        "reviewed": reviewed,
        "precision": confirmed / reviewed,
        "low": float(low),
        "high": float(high),
    }
