"""Cached readers of the KRI management tab (register group: a KRI change drops them with
the register's and the overview's views)."""

from __future__ import annotations

import pandas as pd

from components.cache import cached, engine
from data_access import kri, kri_admin, kri_alerts
from data_access.security import ADMIN_USERS, Viewer


@cached("register")
def kri_admin_list(viewer: Viewer) -> pd.DataFrame:
    with engine().connect() as conn:
        return kri_admin.kri_list(conn, viewer)


@cached("register")
def kri_detail(viewer: Viewer, kri_id: int) -> dict | None:
    """The KRI's current definition, its versions and its stored monthly values (24 months)."""
    with engine().connect() as conn:
        definition = kri_admin.kri_definition(conn, viewer, kri_id)
        if definition is None:
            return None
        return {
            "kri": definition,
            "versions": kri_admin.kri_versions(conn, viewer, kri_id),
            "history": kri.kri_history(conn, viewer, kri_id, limit_months=24),
        }


@cached("register")
def kri_form_choices(viewer: Viewer) -> dict:
    """What the define and edit forms offer this viewer: risks, scope codes, DQ tables."""
    with engine().connect() as conn:
        return {
            "risks": kri_admin.linkable_risks(conn, viewer),
            "scopes": kri_admin.scope_choices(conn, viewer),
            "dq_tables": kri_admin.dq_tables(conn),
        }


@cached("register")
def outbox_messages(viewer: Viewer) -> pd.DataFrame:
    """The newest notifications and their delivery state: administrators only."""
    if not viewer.can(ADMIN_USERS):
        return pd.DataFrame()
    with engine().connect() as conn:
        return kri_alerts.recent_messages(conn)
