"""Append-only audit log. Writes join the caller's transaction so an action and its
audit row commit or roll back together."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, or_, select
from sqlalchemy.orm import Session

from data_access.models import AuditLog


def record(
    conn: Connection | Session,
    username: str | None,
    action: str,
    object_type: str | None = None,
    object_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit row inside the caller's transaction."""
    conn.execute(
        insert(AuditLog).values(
            at=datetime.now(),
            username=username,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            detail=None if detail is None else json.dumps(detail, default=str, ensure_ascii=False),
        )
    )


def record_export(engine: Engine, username: str, what: str, rows: int, detail: dict) -> None:
    """A download of data leaves an audit row: who took which view, how many rows."""
    with engine.begin() as conn:
        record(conn, username, "export", what, None, {"rows": rows, **detail})


def recent(conn: Connection, limit: int = 100, username: str | None = None) -> list[AuditLog]:
    """Latest audit rows, newest first (for tests and the future audit viewer)."""
    stmt = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if username is not None:
        stmt = stmt.where(AuditLog.username == username)
    return list(conn.execute(stmt).all())


EXPORT_LIMIT = 10_000  # rows in one export of the audit log


def search(
    conn: Connection,
    username: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
    object_type: str | None = None,
) -> tuple[pd.DataFrame, int]:
    """One page of audit rows (newest first) matching the filters, and the total count.
    Values are bound parameters; there is no free-text SQL."""
    conditions = []
    if username:
        conditions.append(AuditLog.username == username)
    if action:
        conditions.append(AuditLog.action == action)
    if since:
        conditions.append(AuditLog.at >= since)
    if object_type:
        conditions.append(AuditLog.object_type == object_type)
    total = conn.execute(select(func.count(AuditLog.id)).where(*conditions)).scalar_one()
    rows = conn.execute(
        select(
            AuditLog.at,
            AuditLog.username,
            AuditLog.action,
            AuditLog.object_type,
            AuditLog.object_id,
            AuditLog.detail,
        )
        .where(*conditions)
        .order_by(AuditLog.id.desc())
        .limit(max(1, min(limit, EXPORT_LIMIT)))
        .offset(max(0, offset))
    ).mappings()
    columns = ["at", "username", "action", "object_type", "object_id", "detail"]
    return pd.DataFrame(rows.all(), columns=columns), int(total)


def counts_by_day(conn: Connection, since: datetime) -> pd.DataFrame:
    """Events per day and action since `since` (for the audit chart)."""
    day = func.date(AuditLog.at).label("day")
    rows = conn.execute(
        select(day, AuditLog.action, func.count(AuditLog.id).label("events"))
        .where(AuditLog.at >= since)
        .group_by(day, AuditLog.action)
        .order_by(day)
    ).mappings()
    return pd.DataFrame(rows.all(), columns=["day", "action", "events"])


def distinct_values(conn: Connection) -> tuple[list[str], list[str], list[str]]:
    """Known usernames, actions and object types, for the filter pick lists."""

    def known(column) -> list[str]:  # noqa: ANN001
        values = conn.execute(select(column).distinct().order_by(column)).scalars()
        return [v for v in values if v]

    return known(AuditLog.username), known(AuditLog.action), known(AuditLog.object_type)


# Audited, but they change no data a dashboard shows (a download; a refused import; a saved
# presentation deck).
READ_ONLY_ACTIONS = ("export", "import_failed", "pii_view", "deck_saved", "deck_deleted")


def record_pii_view(engine: Engine, username: str, what: str, rows: int, detail: dict) -> None:
    """A view of unmasked personal data leaves an audit row: who saw which list, how many
    rows, which personal fields."""
    with engine.begin() as conn:
        record(conn, username, "pii_view", what, None, {"rows": rows, **detail})


def data_version(conn: Connection) -> int:
    """The id of the newest audit entry that records a change of data (imports, check runs,
    edits, settings, code lists, rules) — not a login or a user change: cached views are
    keyed by it, so a change made anywhere (another server process, the command-line
    importer) shows on the next rerun, and nothing is recomputed while nothing changed."""
    stmt = (
        select(AuditLog.id)
        .where(
            or_(AuditLog.object_type.is_(None), AuditLog.object_type != "user"),
            AuditLog.action.not_in(READ_ONLY_ACTIONS),
        )
        .order_by(AuditLog.id.desc())
        .limit(1)
    )
    return int(conn.execute(stmt).scalar_one_or_none() or 0)
