"""Merging duplicate customers, reversibly: survivorship rules (which record's value each
field keeps), the merge itself (child rows moved to the survivor, the duplicate deleted,
everything needed to undo it kept in `customer_merges.detail`), its undo and history.

Used by `data_access.linkage_store` (a confirmed pair is merged in the review's transaction);
its public names are re-exported there."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Engine,
    Numeric,
    Table,
    delete,
    insert,
    or_,
    select,
    update,
)

from data_access import audit, code_lists
from data_access.churn_basis import refresh_last_activity
from data_access.models import (
    ChurnScore,
    Complaint,
    CreditScoreHistory,
    Customer,
    CustomerAction,
    CustomerAttribute,
    CustomerMerge,
    CustomerSourceRecord,
    IncidentCustomer,
    Invoice,
    LinkagePair,
    Setting,
    SurveyResponse,
)
from data_access.pii import CUSTOMER_PII, mask_frame
from data_access.security import ADMIN_USERS, RUN_DQ_CHECKS, Viewer


class LinkageError(ValueError):
    """A linkage, review or merge action that is not allowed; the message says why."""


class StaleLinkError(LinkageError):
    """The pair (or the rules) changed after the user opened them; nothing was saved."""


class UndoRefusedError(LinkageError):
    """A merge that cannot be undone now (id or external id taken, a later merge first)."""


# --- survivorship rules ------------------------------------------------------------------------

RULES_KEY = "survivorship_rules"
RULE_KINDS = ("most_recent", "most_trusted", "longest")
CONTACT_FIELDS = ("email", "phone", "address_line", "postcode", "city")
IDENTITY_FIELDS = (
    "name",
    "given_name",
    "family_name",
    "date_of_birth",
    "national_id",
    "company",
    "position",
)
SURVIVORSHIP_FIELDS = IDENTITY_FIELDS + CONTACT_FIELDS
DEFAULT_FIELD_RULES = {
    **{f: "most_trusted" for f in IDENTITY_FIELDS},
    **{f: "most_recent" for f in CONTACT_FIELDS},
}


def _require_steward(viewer: Viewer) -> None:
    if not viewer.can(RUN_DQ_CHECKS):
        raise PermissionError("record linkage: data stewards (analysts, admins) only")


def _known_sources(conn: Connection) -> list[str]:
    """The organisation's source systems: the code list's order, then values only the data
    holds (sorted)."""
    listed = list(code_lists.code_lists(conn, include_retired=True).get("source_system", ()))
    stored = conn.execute(select(Customer.source_system).distinct()).scalars()
    return listed + sorted({s for s in stored if s} - set(listed))


def survivorship_rules(conn: Connection) -> dict:
    """{"fields": {field: rule}, "source_ranking": [source, ...] (most trusted first),
    "version": n (0 = defaults, never saved)}."""
    stored = conn.execute(select(Setting.value).where(Setting.key == RULES_KEY)).scalar()
    saved = json.loads(stored) if stored else {}
    ranking = saved.get("source_ranking") or _known_sources(conn)
    return {
        "fields": {**DEFAULT_FIELD_RULES, **saved.get("fields", {})},
        "source_ranking": list(ranking),
        "version": int(saved.get("version", 0)),
    }


def rules_problems(conn: Connection, rules: dict) -> list[str]:
    """What is wrong with proposed rules."""
    problems = []
    fields = rules.get("fields", {})
    if not isinstance(fields, dict):
        return ["fields: a mapping of field to rule"]
    for name, rule in fields.items():
        if name not in SURVIVORSHIP_FIELDS:
            problems.append(f"{name}: not a field survivorship applies to")
        elif rule not in RULE_KINDS:
            problems.append(f"{name}: rule {rule!r} is not one of {', '.join(RULE_KINDS)}")
    ranking = rules.get("source_ranking")
    if ranking is not None:
        known = set(_known_sources(conn))
        if not isinstance(ranking, list) or not all(isinstance(s, str) for s in ranking):
            problems.append("source_ranking: a list of source systems, most trusted first")
        else:
            if len(set(ranking)) != len(ranking):
                problems.append("source_ranking: each source system once")
            unknown = [s for s in ranking if s not in known]
            if unknown:
                problems.append(f"source_ranking: unknown source system(s) {', '.join(unknown)}")
    unknown_keys = set(rules) - {"fields", "source_ranking", "version"}
    if unknown_keys:
        problems.append(f"cannot set {', '.join(sorted(unknown_keys))} here")
    return problems


def save_survivorship_rules(
    engine: Engine, actor: Viewer, rules: dict, version: int | None = None
) -> None:
    """Store the rules (unscoped administrators only: they apply to every region), validated;
    `version` is the one the form showed (StaleLinkError when someone saved since). Audited
    with the old and new rules."""
    if not actor.can(ADMIN_USERS) or actor.region_scope is not None:
        raise PermissionError("survivorship rules")
    with engine.begin() as conn:
        problems = rules_problems(conn, rules)
        if problems:
            raise LinkageError("; ".join(problems))
        # take the write lock before comparing versions (SQLite: a write; PostgreSQL: advisory)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(31012)")
        else:
            conn.execute(update(Setting).where(Setting.key == "").values(value=""))
        before = survivorship_rules(conn)
        if version is not None and version != before["version"]:
            raise StaleLinkError(
                "the survivorship rules were changed by someone else after you opened them; "
                "nothing was saved"
            )
        new = {
            "fields": {**before["fields"], **rules.get("fields", {})},
            "source_ranking": list(rules.get("source_ranking") or before["source_ranking"]),
            "version": before["version"] + 1,
        }
        text = json.dumps(new, sort_keys=True)
        if conn.execute(select(Setting.key).where(Setting.key == RULES_KEY)).first():
            conn.execute(update(Setting).where(Setting.key == RULES_KEY).values(value=text))
        else:
            conn.execute(insert(Setting).values(key=RULES_KEY, value=text))
        detail = {"from": before, "to": new}
        audit.record(conn, actor.username, "survivorship_update", "settings", RULES_KEY, detail)


def _source_rank(rules: dict, source: str | None) -> int:
    ranking = rules["source_ranking"]
    return ranking.index(source) if source in ranking else len(ranking)


def choose_survivor(rows: list[Any], rules: dict) -> Any:
    """The record that survives: the most trusted source, then the oldest signup, then the
    lowest id."""
    return min(rows, key=lambda r: (_source_rank(rules, r.source_system), r.signup_date, r.id))


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def surviving_values(survivor: Any, merged: Any, rules: dict) -> dict[str, Any]:
    """Each survivorship field's value after the merge. Only non-empty values compete; on a
    tie the survivor's value stays; no value at all leaves the survivor's (empty) one."""
    values = {}
    for field, rule in rules["fields"].items():
        candidates = [r for r in (survivor, merged) if _present(getattr(r, field))]
        if not candidates:
            values[field] = getattr(survivor, field)
            continue
        if rule == "most_recent":
            best = max(candidates, key=lambda r: r.updated_at)  # max keeps the first on ties
        elif rule == "most_trusted":
            best = min(candidates, key=lambda r: _source_rank(rules, r.source_system))
        else:  # longest
            best = max(candidates, key=lambda r: len(str(getattr(r, field))))
        values[field] = getattr(best, field)
    return values


# --- rows as JSON, exactly -----------------------------------------------------------------------


def encode_row(table: Table, row: Any) -> dict[str, Any]:
    """A row as JSON-ready values that `decode_row` turns back into the same values."""
    mapping = row._mapping if hasattr(row, "_mapping") else row
    out = {}
    for column in table.columns:
        value = mapping[column.name]
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        out[column.name] = value
    return out


def decode_row(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for column in table.columns:
        value = values[column.name]
        if value is not None:
            if isinstance(column.type, DateTime):
                value = datetime.fromisoformat(value)
            elif isinstance(column.type, Date):
                value = date.fromisoformat(value)
            elif isinstance(column.type, Numeric) and isinstance(value, str):
                value = Decimal(value)
        out[column.name] = value
    return out


# --- merging -------------------------------------------------------------------------------------

# Every table holding a customer id, and how a merge treats its rows: "move" (to the
# survivor, ids recorded), "move_unless_clash" (the survivor's row wins on the clash key;
# the merged one is deleted and kept in the detail), "delete" (derived rows, kept in the
# detail and restored by an undo). A test checks that every foreign key to customers is here.
MOVE = "move"
CLASH = "move_unless_clash"
DROP = "delete"
CHILD_TABLES: dict[str, tuple[Table, str, str | None]] = {
    "invoices": (Invoice.__table__, MOVE, None),
    "survey_responses": (SurveyResponse.__table__, MOVE, None),
    "complaints": (Complaint.__table__, MOVE, None),
    "credit_score_history": (CreditScoreHistory.__table__, MOVE, None),
    "customer_source_records": (CustomerSourceRecord.__table__, CLASH, "source_system"),
    "customer_attributes": (CustomerAttribute.__table__, CLASH, "name"),
    "churn_scores": (ChurnScore.__table__, DROP, None),
    "customer_actions": (CustomerAction.__table__, MOVE, None),
    # Both records affected by one incident: the survivor's membership stands for both.
    "incident_customers": (IncidentCustomer.__table__, CLASH, "incident_id"),
}


def _row_key(table: Table, row: Any) -> Any:
    """A child row's identity: its id, or (no id column) its clash key."""
    return row.id if "id" in table.c else row.name


def _move_children(conn: Connection, survivor_id: int, merged_id: int) -> tuple[dict, dict]:
    moved: dict[str, list] = {}
    deleted: dict[str, list] = {}
    for name, (table, how, clash_key) in CHILD_TABLES.items():
        of_merged = table.c.customer_id == merged_id
        if how == DROP:
            rows = conn.execute(select(table).where(of_merged)).all()
            deleted[name] = [encode_row(table, r) for r in rows]
            conn.execute(delete(table).where(of_merged))
            continue
        clash: list = []
        if how == CLASH:
            keys = select(table.c[clash_key]).where(table.c.customer_id == survivor_id)
            clashing = of_merged & table.c[clash_key].in_(keys)
            clash = conn.execute(select(table).where(clashing)).all()
            deleted[name] = [encode_row(table, r) for r in clash]
            if clash:
                conn.execute(delete(table).where(clashing))
        rows = conn.execute(select(table).where(of_merged)).all()
        moved[name] = sorted(_row_key(table, r) for r in rows)
        if rows:
            conn.execute(update(table).where(of_merged).values(customer_id=survivor_id))
    return moved, deleted


def _customers(conn: Connection, ids: list[int]) -> dict[int, Any]:
    stmt = select(Customer.__table__).where(Customer.id.in_(ids)).with_for_update()
    return {r.id: r for r in conn.execute(stmt).all()}


def _check_scope(viewer: Viewer, *regions: str | None) -> None:
    if viewer.region_scope is not None and any(r != viewer.region_scope for r in regions):
        raise PermissionError("customers outside your region scope")


def merge_customers(
    conn: Connection, viewer: Viewer, survivor_id: int, merged_id: int, pair_id: int | None = None
) -> int:
    """Merge customer `merged_id` into `survivor_id` inside the caller's transaction: the
    survivorship rules fill the survivor's fields, every child row moves to the survivor,
    the merged customer is deleted, and all of it is recorded for `undo_merge`. Audited.
    Returns the merge id."""
    _require_steward(viewer)
    if survivor_id == merged_id:
        raise LinkageError("a customer cannot be merged into itself")
    rows = _customers(conn, [survivor_id, merged_id])
    missing = [i for i in (survivor_id, merged_id) if i not in rows]
    if missing:
        raise LinkageError(f"customer {missing[0]} no longer exists; nothing was merged")
    survivor, merged = rows[survivor_id], rows[merged_id]
    _check_scope(viewer, survivor.region, merged.region)
    table = Customer.__table__
    rules = survivorship_rules(conn)
    values = surviving_values(survivor, merged, rules)
    values["updated_at"] = max(survivor.updated_at, merged.updated_at)
    moved, deleted = _move_children(conn, survivor_id, merged_id)
    conn.execute(delete(table).where(table.c.id == merged_id))
    conn.execute(update(table).where(table.c.id == survivor_id).values(**values))
    refresh_last_activity(conn, [survivor_id])
    changed = {
        f: [encode_row(table, survivor)[f], encode_row(table, {**survivor._mapping, **values})[f]]
        for f in values
        if values[f] != getattr(survivor, f)
    }
    detail = {
        "survivor_before": encode_row(table, survivor),
        "merged": encode_row(table, merged),
        "moved": moved,
        "deleted": deleted,
        "rules": {"fields": rules["fields"], "source_ranking": rules["source_ranking"]},
    }
    merge_id = conn.execute(
        insert(CustomerMerge).values(
            survivor_id=survivor_id,
            merged_id=merged_id,
            region=survivor.region,
            merged_at=datetime.now(),
            merged_by=viewer.username,
            pair_id=pair_id,
            detail=json.dumps(detail, ensure_ascii=False),
        )
    ).inserted_primary_key[0]
    audit.record(
        conn,
        viewer.username,
        "customer_merge",
        "customer_merge",
        merge_id,
        {
            "survivor": survivor.external_id,
            "merged": merged.external_id,
            "pair_id": pair_id,
            "fields_changed": sorted(changed),
            "rows_moved": {t: len(ids) for t, ids in moved.items() if ids},
        },
    )
    return int(merge_id)


def resolve_customer(conn: Connection, customer_id: int) -> int:
    """The customer a (possibly merged-away) id now lives on: followed through the merges
    not undone."""
    seen = {customer_id}
    current = customer_id
    while True:
        survivor = conn.execute(
            select(CustomerMerge.survivor_id)
            .where(CustomerMerge.merged_id == current, CustomerMerge.undone_at.is_(None))
            .order_by(CustomerMerge.id.desc())
            .limit(1)
        ).scalar()
        if survivor is None or survivor in seen:
            return current
        seen.add(survivor)
        current = survivor


# --- undo ----------------------------------------------------------------------------------------


def undo_merge(engine: Engine, viewer: Viewer, merge_id: int) -> None:
    """Undo a merge exactly: the merged customer back with its id and values, its child rows
    moved back by the recorded ids (deleted ones re-inserted), the survivor's earlier values
    restored and the pair open again. Refused (UndoRefusedError) while a later merge on the
    same survivor is not undone, or when the id or external id was taken since. Audited."""
    _require_steward(viewer)
    table = Customer.__table__
    with engine.begin() as conn:
        merge = conn.execute(
            select(CustomerMerge).where(CustomerMerge.id == merge_id).with_for_update()
        ).first()
        if merge is None:
            raise LinkageError(f"merge {merge_id} does not exist")
        if merge.undone_at is not None:
            raise UndoRefusedError(f"merge {merge_id} was already undone")
        detail = json.loads(merge.detail)
        merged = decode_row(table, detail["merged"])
        before = decode_row(table, detail["survivor_before"])
        _check_scope(viewer, merged["region"], before["region"])
        later = (
            conn.execute(
                select(CustomerMerge.id)
                .where(
                    CustomerMerge.id > merge_id,
                    CustomerMerge.undone_at.is_(None),
                    or_(
                        CustomerMerge.survivor_id.in_([merge.survivor_id, merge.merged_id]),
                        CustomerMerge.merged_id == merge.survivor_id,
                    ),
                )
                .order_by(CustomerMerge.id.desc())
            )
            .scalars()
            .all()
        )
        if later:
            raise UndoRefusedError(
                f"undo merge {', '.join(map(str, later))} first: merges on the same customer "
                "are undone newest first; nothing was changed"
            )
        survivor = _customers(conn, [merge.survivor_id]).get(merge.survivor_id)
        if survivor is None:
            raise UndoRefusedError(f"the surviving customer {merge.survivor_id} no longer exists")
        taken = conn.execute(
            select(Customer.id, Customer.external_id).where(
                or_(Customer.id == merged["id"], Customer.external_id == merged["external_id"])
            )
        ).first()
        if taken is not None:
            raise UndoRefusedError(
                f"external_id {merged['external_id']} (id {merged['id']}) is now used by "
                f"customer {taken.external_id}: the merged customer cannot come back; "
                "nothing was changed"
            )
        conn.execute(insert(table).values(**merged))
        for name, (child, how, _key) in CHILD_TABLES.items():
            ids = detail["moved"].get(name, []) if how != DROP else []
            for i in range(0, len(ids), 500):
                key = child.c.id if "id" in child.c else child.c.name
                conn.execute(
                    update(child)
                    .where(child.c.customer_id == merge.survivor_id, key.in_(ids[i : i + 500]))
                    .values(customer_id=merged["id"])
                )
            rows = [decode_row(child, r) for r in detail["deleted"].get(name, [])]
            if rows:
                conn.execute(insert(child), rows)
        conn.execute(
            update(table)
            .where(table.c.id == merge.survivor_id)
            .values(**{k: v for k, v in before.items() if k != "id"})
        )
        now = datetime.now()
        conn.execute(
            update(CustomerMerge)
            .where(CustomerMerge.id == merge_id)
            .values(undone_at=now, undone_by=viewer.username)
        )
        if merge.pair_id is not None:
            conn.execute(
                update(LinkagePair)
                .where(LinkagePair.id == merge.pair_id)
                .values(
                    status="open",
                    reviewed_by=None,
                    reviewed_at=None,
                    version=LinkagePair.version + 1,
                )
            )
        audit.record(
            conn,
            viewer.username,
            "customer_merge_undo",
            "customer_merge",
            merge_id,
            {"survivor": before["external_id"], "restored": merged["external_id"]},
        )


# --- history -------------------------------------------------------------------------------------

HISTORY_COLUMNS = [
    "merge_id",
    "merged_at",
    "merged_by",
    "survivor_id",
    "survivor_external_id",
    "survivor_name",
    "merged_id",
    "merged_external_id",
    "merged_name",
    "pair_id",
    "undone_at",
    "undone_by",
]


def merge_history(conn: Connection, viewer: Viewer, limit: int = 50) -> pd.DataFrame:
    """The latest merges (newest first) whose survivor was in the viewer's scope, names
    masked for viewers who may not see personal data."""
    stmt = select(CustomerMerge).order_by(CustomerMerge.id.desc()).limit(max(1, limit))
    if viewer.region_scope is not None:
        stmt = stmt.where(CustomerMerge.region == viewer.region_scope)
    rows = []
    for m in conn.execute(stmt).all():
        detail = json.loads(m.detail)
        survivor, merged = detail["survivor_before"], detail["merged"]
        rows.append(
            {
                "merge_id": m.id,
                "merged_at": m.merged_at,
                "merged_by": m.merged_by,
                "survivor_id": m.survivor_id,
                "survivor_external_id": survivor["external_id"],
                "survivor_name": survivor["name"],
                "merged_id": m.merged_id,
                "merged_external_id": merged["external_id"],
                "merged_name": merged["name"],
                "pair_id": m.pair_id,
                "undone_at": m.undone_at,
                "undone_by": m.undone_by,
            }
        )
    frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    return mask_frame(frame, viewer, {"survivor_name": "name", "merged_name": "name"})


def masked_customer(viewer: Viewer, row: Any) -> dict[str, Any]:
    """One customer row as a dict, personal data masked unless the viewer may see it."""
    frame = pd.DataFrame([dict(row._mapping)], dtype=object)
    return mask_frame(frame, viewer, CUSTOMER_PII).iloc[0].to_dict()
