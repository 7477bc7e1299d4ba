"""The organisation's code lists (regions, segments, tiers, channels, industries, contract types,
churn reasons, complaint categories...) in the `code_values` table: read them, and change them
(unscoped administrators only, like the settings: a list applies to every region).

A code is added, relabelled, moved up or down, retired or reactivated; every change is audited
and names the version the administrator saw (a code changed since is refused with
StaleCodeError). A retired code is refused in new data, but stored rows that carry it stay
readable (filters and labels still know it). A code is deleted only while no row uses it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, insert, select, union_all, update
from sqlalchemy.exc import IntegrityError

from data_access import audit
from data_access.models import (
    CodeValue,
    Complaint,
    Customer,
    CustomerSourceRecord,
    KeyRiskIndicator,
    Risk,
    SurveyResponse,
    User,
)
from data_access.security import ADMIN_USERS, Viewer


@dataclass(frozen=True)
class ListSpec:
    """One code list: the longest code its columns can store, and the columns that use it."""

    max_len: int
    used_by: tuple = ()


LISTS: dict[str, ListSpec] = {
    "region": ListSpec(
        20,
        (
            Customer.region,
            CustomerSourceRecord.region,
            Risk.region,
            KeyRiskIndicator.scope_region,
            User.region_scope,
        ),
    ),
    "segment": ListSpec(20, (Customer.segment, Risk.segment, KeyRiskIndicator.scope_segment)),
    "tier": ListSpec(12, (Customer.tier, Risk.tier, KeyRiskIndicator.scope_tier)),
    "channel": ListSpec(20, (Customer.channel,)),
    "industry": ListSpec(40, (Customer.industry,)),
    "lifecycle_stage": ListSpec(20, (Customer.lifecycle_stage,)),
    "source_system": ListSpec(
        12,
        (Customer.source_system, CustomerSourceRecord.source_system, KeyRiskIndicator.scope_source),
    ),
    "contract_type": ListSpec(12, (Customer.contract_type,)),
    "churn_reason": ListSpec(40, (Customer.churn_reason,)),
    "touchpoint": ListSpec(20, (SurveyResponse.touchpoint,)),
    "complaint_category": ListSpec(20, (Complaint.category,)),
}
LIST_NAMES = tuple(LISTS)
MAX_LABEL = 120
# A comma separates codes in a link's filters; control characters never belong in a code.
_BAD_CODE = re.compile(r"[,\x00-\x1f\x7f]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class CodeListError(ValueError):
    """A change to a code list that is not allowed; the message says why."""


class StaleCodeError(CodeListError):
    """The code was changed by someone else after the administrator opened it."""


@dataclass(frozen=True)
class CodeEntry:
    list_name: str
    code: str
    label_en: str
    label_zh: str | None
    sort_order: int
    active: bool
    version: int


def _require_organisation_admin(actor: Viewer) -> None:
    """Code lists apply to every region: an unscoped administrator only."""
    if not actor.can(ADMIN_USERS) or actor.region_scope is not None:
        raise PermissionError("code lists")


def _check_list(list_name: str) -> ListSpec:
    spec = LISTS.get(list_name)
    if spec is None:
        raise CodeListError(f"list: unknown code list {list_name!r} (one of {', '.join(LISTS)})")
    return spec


# --- reading ---------------------------------------------------------------------------------


def all_entries(conn: Connection) -> dict[str, tuple[CodeEntry, ...]]:
    """Every list with all its codes (retired ones too), in display order."""
    rows = conn.execute(
        select(CodeValue).order_by(CodeValue.list_name, CodeValue.sort_order, CodeValue.code)
    ).all()
    lists: dict[str, list[CodeEntry]] = {name: [] for name in LISTS}
    for r in rows:
        lists.setdefault(r.list_name, []).append(
            CodeEntry(
                r.list_name,
                r.code,
                r.label_en,
                r.label_zh,
                r.sort_order,
                bool(r.active),
                r.version,
            )
        )
    return {name: tuple(entries) for name, entries in lists.items()}


def active_codes(conn: Connection, list_name: str) -> tuple[str, ...]:
    """The codes new data may use, in display order."""
    _check_list(list_name)
    return tuple(
        conn.execute(
            select(CodeValue.code)
            .where(CodeValue.list_name == list_name, CodeValue.active.is_(True))
            .order_by(CodeValue.sort_order, CodeValue.code)
        ).scalars()
    )


def code_lists(conn: Connection, include_retired: bool = False) -> dict[str, tuple[str, ...]]:
    """Every list's codes in display order: the active ones, or (to read stored data, where a
    retired code may still appear) all of them."""
    return {
        name: tuple(e.code for e in entries if include_retired or e.active)
        for name, entries in all_entries(conn).items()
    }


def usage_counts(conn: Connection, list_name: str) -> dict[str, int]:
    """Rows using each code of the list, over every column that holds it (counted in SQL)."""
    spec = _check_list(list_name)
    parts = [
        select(column.label("code"), func.count().label("n"))
        .where(column.is_not(None))
        .group_by(column)
        for column in spec.used_by
    ]
    both = union_all(*parts).subquery()
    stmt = select(both.c.code, func.sum(both.c.n)).group_by(both.c.code)
    return {code: int(n) for code, n in conn.execute(stmt)}


# --- changing --------------------------------------------------------------------------------


def code_problems(list_name: str, code: str, label_en: str, label_zh: str | None) -> list[str]:
    """What is wrong with a new code or its labels."""
    spec = _check_list(list_name)
    problems = []
    if not code:
        problems.append("code: give the code as your data spells it")
    elif len(code) > spec.max_len or _BAD_CODE.search(code):
        problems.append(f"code: at most {spec.max_len} characters, no commas, on one line")
    problems += label_problems(label_en, label_zh)
    return problems


def label_problems(label_en: str, label_zh: str | None) -> list[str]:
    problems = []
    if not label_en or len(label_en) > MAX_LABEL or _CONTROL.search(label_en):
        problems.append(f"label_en: 1 to {MAX_LABEL} characters on one line")
    if label_zh and (len(label_zh) > MAX_LABEL or _CONTROL.search(label_zh)):
        problems.append(f"label_zh: at most {MAX_LABEL} characters on one line")
    return problems


def _insert(conn: Connection, list_name: str, code: str, label_en: str, label_zh: str | None):
    last = conn.execute(
        select(func.max(CodeValue.sort_order)).where(CodeValue.list_name == list_name)
    ).scalar_one()
    conn.execute(
        insert(CodeValue).values(
            list_name=list_name,
            code=code,
            label_en=label_en,
            label_zh=label_zh or None,
            sort_order=(last or 0) + 10,
            active=True,
            version=1,
        )
    )


def add_code(
    engine: Engine,
    actor: Viewer,
    list_name: str,
    code: str,
    label_en: str = "",
    label_zh: str | None = None,
) -> None:
    """Add `code` at the end of the list (its English label defaults to the code); audited."""
    _require_organisation_admin(actor)
    add_codes(engine, actor, {list_name: [code]}, {(list_name, code): (label_en, label_zh)})


def add_codes(
    engine: Engine,
    actor: Viewer,
    codes: Mapping[str, Iterable[str]],
    labels: Mapping[tuple[str, str], tuple[str, str | None]] | None = None,
) -> int:
    """Add several codes at once (an import's unknown codes), all or nothing; a code already
    in its list is refused. Audited, one row per code. Returns how many were added."""
    _require_organisation_admin(actor)
    labels = labels or {}
    wanted = [(name, code.strip()) for name, listed in codes.items() for code in listed]
    problems = []
    for name, code in wanted:
        label_en, label_zh = labels.get((name, code), ("", None))
        problems += code_problems(name, code, (label_en or code).strip(), label_zh)
    if problems:
        raise CodeListError("; ".join(dict.fromkeys(problems)))
    try:
        with engine.begin() as conn:
            for name, code in wanted:
                label_en, label_zh = labels.get((name, code), ("", None))
                label_en = (label_en or code).strip()
                label_zh = (label_zh or "").strip() or None
                _insert(conn, name, code, label_en, label_zh)
                audit.record(
                    conn,
                    actor.username,
                    "code_add",
                    "code_value",
                    f"{name}/{code}"[:60],
                    {"list": name, "code": code, "label_en": label_en, "label_zh": label_zh},
                )
    except IntegrityError as exc:
        raise CodeListError(
            "code: already in the list (someone may just have added it); nothing was added"
        ) from exc
    return len(wanted)


def _stored(conn: Connection, list_name: str, code: str, version: int):
    """The stored code, if it is still at `version`."""
    _check_list(list_name)
    row = conn.execute(
        select(CodeValue).where(CodeValue.list_name == list_name, CodeValue.code == code)
    ).first()
    if row is None:
        raise StaleCodeError(f"{list_name}/{code} no longer exists; nothing was saved")
    if row.version != version:
        raise StaleCodeError(
            f"{list_name}/{code} was changed by someone else after you opened it; nothing was saved"
        )
    return row


def _save(conn: Connection, row, **values: object) -> None:
    """Write `values` with the version guard (a save that raced this one is refused)."""
    changed = conn.execute(
        update(CodeValue)
        .where(CodeValue.id == row.id, CodeValue.version == row.version)
        .values(**values, version=row.version + 1)
    ).rowcount
    if changed != 1:
        raise StaleCodeError(
            f"{row.list_name}/{row.code} was changed by someone else; nothing was saved"
        )


def relabel(
    engine: Engine,
    actor: Viewer,
    list_name: str,
    code: str,
    label_en: str,
    label_zh: str | None,
    version: int,
) -> None:
    """New labels for a code (the code itself, as stored in the data, never changes)."""
    _require_organisation_admin(actor)
    label_en, label_zh = label_en.strip(), (label_zh or "").strip() or None
    problems = label_problems(label_en, label_zh)
    if problems:
        raise CodeListError("; ".join(problems))
    with engine.begin() as conn:
        row = _stored(conn, list_name, code, version)
        _save(conn, row, label_en=label_en, label_zh=label_zh)
        audit.record(
            conn,
            actor.username,
            "code_relabel",
            "code_value",
            f"{list_name}/{code}"[:60],
            {"from": [row.label_en, row.label_zh], "to": [label_en, label_zh]},
        )


def set_active(
    engine: Engine, actor: Viewer, list_name: str, code: str, active: bool, version: int
) -> None:
    """Retire a code (refused in new data; stored rows keep it) or reactivate it."""
    _require_organisation_admin(actor)
    with engine.begin() as conn:
        row = _stored(conn, list_name, code, version)
        _save(conn, row, active=active)
        action = "code_reactivate" if active else "code_retire"
        audit.record(conn, actor.username, action, "code_value", f"{list_name}/{code}"[:60])


def move(engine: Engine, actor: Viewer, list_name: str, code: str, step: int, version: int) -> None:
    """Move a code one place up (step -1) or down (+1) in its list: it swaps places with its
    neighbour. Audited."""
    _require_organisation_admin(actor)
    if step not in (-1, 1):
        raise CodeListError("step: -1 (up) or 1 (down)")
    with engine.begin() as conn:
        row = _stored(conn, list_name, code, version)
        order = conn.execute(
            select(CodeValue)
            .where(CodeValue.list_name == list_name)
            .order_by(CodeValue.sort_order, CodeValue.code)
        ).all()
        at = next(i for i, r in enumerate(order) if r.id == row.id)
        if not 0 <= at + step < len(order):
            return  # already first or last
        other = order[at + step]
        # Distinct positions even when two codes shared one (their order was by code).
        mine, theirs = (at + step + 1) * 10, (at + 1) * 10
        for i, r in enumerate(order):
            if r.id not in (row.id, other.id) and r.sort_order != (i + 1) * 10:
                conn.execute(
                    update(CodeValue).where(CodeValue.id == r.id).values(sort_order=(i + 1) * 10)
                )
        _save(conn, row, sort_order=mine)
        conn.execute(update(CodeValue).where(CodeValue.id == other.id).values(sort_order=theirs))
        audit.record(
            conn,
            actor.username,
            "code_move",
            "code_value",
            f"{list_name}/{code}"[:60],
            {"from": at + 1, "to": at + step + 1},
        )


def delete_code(engine: Engine, actor: Viewer, list_name: str, code: str, version: int) -> None:
    """Delete a code no row uses (one in use can only be retired); audited."""
    _require_organisation_admin(actor)
    with engine.begin() as conn:
        row = _stored(conn, list_name, code, version)
        used = usage_counts(conn, list_name).get(code, 0)
        if used:
            raise CodeListError(
                f"{list_name}/{code} is used by {used:,} row(s): retire it instead; "
                "nothing was deleted"
            )
        conn.execute(
            CodeValue.__table__.delete().where(
                CodeValue.id == row.id, CodeValue.version == row.version
            )
        )
        audit.record(
            conn,
            actor.username,
            "code_delete",
            "code_value",
            f"{list_name}/{code}"[:60],
            {"label_en": row.label_en, "label_zh": row.label_zh},
        )
