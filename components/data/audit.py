"""Cached data of the audit log (administrators only)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from components.cache import cached, engine
from data_access import (
    audit,
)
from data_access.security import VIEW_AUDIT, Viewer

AUDIT_PAGE_SIZE = 50


@cached("audit", ttl=30)
def audit_page(
    viewer: Viewer,
    username: str | None,
    action: str | None,
    object_type: str | None,
    since: datetime,
    page: int,
    page_size: int = AUDIT_PAGE_SIZE,
) -> tuple[pd.DataFrame, int, pd.DataFrame, tuple[list[str], list[str], list[str]]]:
    """One page of the audit log, its total, events per day and the filter choices.
    Only viewers who may read the audit log get rows."""
    if not viewer.can(VIEW_AUDIT):
        raise PermissionError("audit log")
    with engine().connect() as conn:
        rows, total = audit.search(
            conn, username, action, since, page_size, page * page_size, object_type
        )
        return rows, total, audit.counts_by_day(conn, since), audit.distinct_values(conn)
