"""Likely duplicate customers: candidates blocked in SQL on a normalised e-mail or phone,
pairs scored with rapidfuzz, clusters by connected components."""

from __future__ import annotations

import pandas as pd
from rapidfuzz import fuzz
from sqlalchemy import (
    Connection,
    func,
    or_,
    select,
)

from data_access.dq_results import CUSTOMERS
from data_access.pii import mask_frame
from data_access.security import Viewer
from quality.rules import _phone_digits, _present

# --- duplicates -------------------------------------------------------------------------------


def _blocks(conn: Connection, viewer: Viewer) -> pd.DataFrame:
    """Customers sharing a normalised e-mail or phone number with another customer (the
    blocking step: only these rows are compared, so the work grows with the duplicates,
    not with the square of the customers)."""
    email = func.lower(func.trim(CUSTOMERS.c.email))
    phone = _phone_digits(CUSTOMERS.c.phone)
    scope = [] if viewer.region_scope is None else [CUSTOMERS.c.region == viewer.region_scope]
    shared_email = (
        select(email)
        .where(_present(CUSTOMERS.c.email), *scope)
        .group_by(email)
        .having(func.count() > 1)
    )
    shared_phone = (
        select(phone)
        .where(_present(CUSTOMERS.c.phone), *scope)
        .group_by(phone)
        .having(func.count() > 1)
    )
    stmt = select(
        CUSTOMERS.c.id,
        CUSTOMERS.c.external_id,
        CUSTOMERS.c.source_system,
        CUSTOMERS.c.name,
        CUSTOMERS.c.email,
        CUSTOMERS.c.phone,
        CUSTOMERS.c.company,
        CUSTOMERS.c.region,
        email.label("email_key"),
        phone.label("phone_key"),
    ).where(*scope, or_(email.in_(shared_email), phone.in_(shared_phone)))
    result = conn.execute(stmt)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


WEIGHTS = {"name": 50, "email_key": 20, "phone_key": 20, "company": 10}


def match_score(a: dict, b: dict) -> tuple[float, list[str]]:
    """0–100 likelihood that two customer rows are the same customer, and the evidence.
    Each field present on both rows adds its similarity × weight (name: token sort ratio, 50;
    e-mail and phone: equal after normalising, 20 each; company: ratio, 10); the sum is
    divided by the weights of the fields present on both, so a missing e-mail neither
    helps nor hurts. Without both names there is no score."""

    def present(v: object) -> bool:
        return v is not None and str(v).strip() != ""

    if not (present(a["name"]) and present(b["name"])):
        return 0.0, []
    similarity = {"name": fuzz.token_sort_ratio(str(a["name"]).lower(), str(b["name"]).lower())}
    for field in ("email_key", "phone_key"):
        if present(a[field]) and present(b[field]):
            similarity[field] = 100.0 if a[field] == b[field] else 0.0
    if present(a["company"]) and present(b["company"]):
        similarity["company"] = fuzz.ratio(str(a["company"]).lower(), str(b["company"]).lower())
    score = sum(WEIGHTS[f] * v for f, v in similarity.items()) / sum(WEIGHTS[f] for f in similarity)
    evidence = [f"{f.removesuffix('_key')} {v:.0f}%" for f, v in similarity.items()]
    return round(score, 1), evidence


def duplicate_pairs(rows: pd.DataFrame, min_score: float = 80.0) -> pd.DataFrame:
    """Scored pairs within each block (same e-mail or same phone), best first."""
    pairs: dict[tuple[int, int], tuple[float, list[str]]] = {}
    records = rows.to_dict("records")
    for key in ("email_key", "phone_key"):
        groups: dict[str, list[dict]] = {}
        for r in records:
            if r[key]:
                groups.setdefault(r[key], []).append(r)
        for members in groups.values():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    pair = (min(a["id"], b["id"]), max(a["id"], b["id"]))
                    if pair not in pairs:
                        pairs[pair] = match_score(a, b)
    kept = [(a, b, s, ev) for (a, b), (s, ev) in pairs.items() if s >= min_score]
    out = pd.DataFrame(kept, columns=["id_a", "id_b", "score", "evidence"])
    return out.sort_values(["score", "id_a"], ascending=[False, True], ignore_index=True)


def clusters(pairs: pd.DataFrame) -> dict[int, int]:
    """Customer id → cluster id (the smallest id in it), joining pairs transitively."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(pairs["id_a"], pairs["id_b"], strict=True):
        ra, rb = find(int(a)), find(int(b))
        parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}


def likely_duplicates(conn: Connection, viewer: Viewer, min_score: float = 80.0) -> pd.DataFrame:
    """Clusters of likely duplicate customers: one row per customer in a cluster, with the
    cluster, its best match score and evidence; personal data masked for the viewer."""
    rows = _blocks(conn, viewer)
    pairs = duplicate_pairs(rows, min_score) if not rows.empty else duplicate_pairs(rows.iloc[:0])
    if pairs.empty:
        return pd.DataFrame(
            columns=["cluster", "customer_id", "source_system", "name", "email", "phone"]
            + ["company", "region", "score", "evidence"]
        )
    members = clusters(pairs)
    best = (
        pd.concat([pairs.rename(columns={"id_a": "id"}), pairs.rename(columns={"id_b": "id"})])
        .sort_values("score", ascending=False)
        .drop_duplicates("id")
    )
    out = rows[rows["id"].isin(members)].merge(best[["id", "score", "evidence"]], on="id")
    out["cluster"] = out["id"].map(members)
    out["evidence"] = out["evidence"].map(", ".join)
    out = out.rename(columns={"external_id": "customer_id"}).sort_values(
        ["score", "cluster", "id"], ascending=[False, True, True]
    )
    columns = ["cluster", "customer_id", "source_system", "name", "email", "phone", "company"]
    out = out[[*columns, "region", "score", "evidence"]].reset_index(drop=True)
    return mask_frame(out, viewer, {"name": "name", "email": "email", "phone": "phone"})
