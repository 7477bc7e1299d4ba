"""Data of the administration page, read fresh on every run (not cached)."""

from __future__ import annotations

import pandas as pd

from components.cache import engine
from data_access import code_lists, customer_merge, user_admin
from data_access.security import ADMIN_USERS, Viewer
from data_access.settings import all_settings
from data_access.settings import appetite as settings_appetite


def users_and_settings(viewer: Viewer) -> tuple[pd.DataFrame, dict, dict[str, int], dict]:
    """Users (without hashes), settings, appetite and the survivorship rules of merges, read
    fresh on every run (not cached: lock state, roles and versions must be current).
    Administrators only."""
    if not viewer.can(ADMIN_USERS):
        raise PermissionError("administration")
    with engine().connect() as conn:
        return (
            user_admin.list_users(conn, viewer),
            all_settings(conn),
            settings_appetite(conn),
            customer_merge.survivorship_rules(conn),
        )


def code_list_view(
    viewer: Viewer, list_name: str
) -> tuple[tuple[code_lists.CodeEntry, ...], dict[str, int]]:
    """One code list with every code (retired too) and how many rows use each, read fresh
    (not cached: the versions must be current for the edit forms). Administrators only."""
    if not viewer.can(ADMIN_USERS):
        raise PermissionError("administration")
    with engine().connect() as conn:
        entries = code_lists.all_entries(conn).get(list_name, ())
        return entries, code_lists.usage_counts(conn, list_name)
