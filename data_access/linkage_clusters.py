"""The resolved duplicate clusters of the record-linkage runs, as rows (linkage_members) that
set-based SQL can read: which customers are a second record of someone, counted per scope and
per pair of source systems.

A cluster is a connected component of a run's pairs at the run's threshold, rejected pairs
left out; it is stored when the run is stored and recomputed for the clusters a review
touches. Which run speaks for a customer: the latest run that covered the customer's region
(a run over all regions, or one over that region). Of a cluster's customers still present,
the one with the smallest id counts as the original and every other as a duplicate, so
merging a cluster down to one record leaves no duplicate. This module imports no linkage
engine: the data-quality rules read it."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Connection, Subquery, and_, case, delete, func, insert, or_, select
from sqlalchemy.sql.elements import ColumnElement

from data_access.models import Customer, LinkageMember, LinkagePair, LinkageRun
from data_access.security import Viewer

_CHUNK = 5000
OTHER_REGION = "other region"


def components(edges: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Customer id -> cluster id (the smallest id of its connected component) for every id
    on an edge."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)  # the root stays the smallest id
    return {x: root(x) for x in parent}


def _linked(run_id: int, threshold: float) -> ColumnElement[bool]:
    return and_(
        LinkagePair.run_id == run_id,
        LinkagePair.probability >= threshold,
        LinkagePair.status != "rejected",
    )


def _write(conn: Connection, run_id: int, clusters: dict[int, int]) -> None:
    rows = [{"run_id": run_id, "customer_id": c, "cluster_id": k} for c, k in clusters.items()]
    for i in range(0, len(rows), _CHUNK):
        conn.execute(insert(LinkageMember), rows[i : i + _CHUNK])


def store_members(conn: Connection, run_id: int, threshold: float) -> int:
    """(Re)write a run's clusters from its pairs; returns the number of clusters."""
    conn.execute(delete(LinkageMember).where(LinkageMember.run_id == run_id))
    edges = conn.execute(
        select(LinkagePair.left_id, LinkagePair.right_id).where(_linked(run_id, threshold))
    ).all()
    clusters = components(edges)
    _write(conn, run_id, clusters)
    return len(set(clusters.values()))


def recluster(conn: Connection, run_id: int, threshold: float, ids: Iterable[int]) -> None:
    """Recompute the clusters holding any of `ids` after a review changed their pairs: a
    rejection may split a cluster, a rejection taken back may join two."""
    ids = set(ids)
    touched = select(LinkageMember.cluster_id).where(
        LinkageMember.run_id == run_id, LinkageMember.customer_id.in_(ids)
    )
    members = (
        set(
            conn.execute(
                select(LinkageMember.customer_id).where(
                    LinkageMember.run_id == run_id, LinkageMember.cluster_id.in_(touched)
                )
            ).scalars()
        )
        | ids
    )
    conn.execute(
        delete(LinkageMember).where(
            LinkageMember.run_id == run_id, LinkageMember.customer_id.in_(members)
        )
    )
    edges = conn.execute(
        select(LinkagePair.left_id, LinkagePair.right_id).where(
            _linked(run_id, threshold),
            LinkagePair.left_id.in_(members),
            LinkagePair.right_id.in_(members),
        )
    ).all()
    _write(conn, run_id, components(edges))


def _duplicates() -> Subquery:
    """(customer_id, original_id) for every customer that is a second record of its group:
    set-based, one pass over the group members (not one lookup per customer). A member
    counts only for the run that speaks for it (the latest covering its region)."""
    customers = Customer.__table__
    members = LinkageMember.__table__
    latest = (
        select(func.max(LinkageRun.id))
        .where(
            or_(LinkageRun.region_scope.is_(None), LinkageRun.region_scope == customers.c.region)
        )
        .correlate(customers)
        .scalar_subquery()
    )
    speaking = (
        select(members.c.run_id, members.c.cluster_id, members.c.customer_id)
        .join(customers, customers.c.id == members.c.customer_id)  # still present
        .where(members.c.run_id == latest)
        .subquery("speaking")
    )
    first = (
        select(
            speaking.c.run_id,
            speaking.c.cluster_id,
            func.min(speaking.c.customer_id).label("original_id"),
        )
        .group_by(speaking.c.run_id, speaking.c.cluster_id)
        .subquery("group_first")
    )
    return (
        select(speaking.c.customer_id, first.c.original_id)
        .join(
            first,
            and_(first.c.run_id == speaking.c.run_id, first.c.cluster_id == speaking.c.cluster_id),
        )
        .where(first.c.original_id != speaking.c.customer_id)
        .subquery("duplicates")
    )


# One object, so rules evaluated together and the failing-rows list share one join.
DUPLICATES = _duplicates()


def duplicate_count(conn: Connection, viewer: Viewer) -> int:
    """Customers in the viewer's scope that are a second record of someone."""
    customers = Customer.__table__
    stmt = select(func.count()).select_from(
        DUPLICATES.join(customers, customers.c.id == DUPLICATES.c.customer_id)
    )
    if viewer.region_scope is not None:
        stmt = stmt.where(customers.c.region == viewer.region_scope)
    return int(conn.execute(stmt).scalar_one())


def cross_system_duplicates(conn: Connection, viewer: Viewer) -> pd.DataFrame:
    """Duplicate records by the source system of the record and of its group's original
    (source_system, original_system, records): which silos hold the same customer twice."""
    customers = Customer.__table__
    original = customers.alias("original")
    original_system = original.c.source_system
    if viewer.region_scope is not None:
        # An original in another region is not shown, not even its system.
        original_system = case(
            (original.c.region == viewer.region_scope, original_system), else_=OTHER_REGION
        )
    stmt = (
        select(
            customers.c.source_system,
            original_system.label("original_system"),
            func.count().label("records"),
        )
        .select_from(DUPLICATES)
        .join(customers, customers.c.id == DUPLICATES.c.customer_id)
        .join(original, original.c.id == DUPLICATES.c.original_id)
        .group_by(customers.c.source_system, original_system)
    )
    if viewer.region_scope is not None:
        stmt = stmt.where(customers.c.region == viewer.region_scope)
    rows = conn.execute(stmt).all()
    return pd.DataFrame(rows, columns=["source_system", "original_system", "records"])
