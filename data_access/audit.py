"""Append-only audit log. Writes join the caller's transaction so an action and its
audit row commit or roll back together."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select
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


def recent(conn: Connection, limit: int = 100, username: str | None = None) -> list[AuditLog]:
    """Latest audit rows, newest first (for tests and the future audit viewer)."""
    stmt = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if username is not None:
        stmt = stmt.where(AuditLog.username == username)
    return list(conn.execute(stmt).all())
