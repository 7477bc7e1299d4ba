"""Cached data of the response plans (the register page's Response plans tab, and the plan an
incident cites on the incidents page): the list with each plan's drill state, and one plan with its
drills and saved versions. Plans are organisation-wide; the viewer is in every key anyway."""

from __future__ import annotations

from datetime import date

import pandas as pd

from components.cache import cached, engine
from data_access import response_plans
from data_access.security import Viewer
from data_access.settings import get_setting


@cached("plans")
def plan_list(viewer: Viewer, today: date) -> tuple[pd.DataFrame, int]:
    """Every risk category with its plan's drill state as of `today`, and the drill interval
    (days) the state was judged by."""
    with engine().connect() as conn:
        interval = int(get_setting(conn, "drill_interval_days"))
        return response_plans.plan_list(conn, viewer, today, interval), interval


@cached("plans")
def plan_detail(viewer: Viewer, category: str) -> dict | None:
    """The category's current plan with its drills (newest first) and saved versions (newest
    first) as `drills` and `versions`; None when the category has no plan."""
    with engine().connect() as conn:
        plan = response_plans.get_plan(conn, viewer, category)
        if plan is None:
            return None
        plan["drills"] = response_plans.plan_drills(conn, viewer, category)
        plan["versions"] = response_plans.plan_versions(conn, viewer, category)
    return plan


@cached("plans")
def plan_at_version(viewer: Viewer, category: str, version: int) -> dict | None:
    """One saved version of the category's plan (the one an incident cites), or None."""
    with engine().connect() as conn:
        return response_plans.plan_version(conn, viewer, category, version)
