"""Cached data of the incidents page: the list, one incident's detail with its notification
duties' states, and its recovery (difference in differences per metric)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from analytics.incidents import (
    METRICS,
    deadline_state,
    difference_in_differences,
    insufficient,
    recovery_windows,
)
from components.cache import cached, engine
from components.data.shared import app_settings
from data_access import incident_recovery as recovery_counts
from data_access import incidents
from data_access.security import Viewer

ORDER = (
    ("affected", "before"),
    ("affected", "after"),
    ("comparison", "before"),
    ("comparison", "after"),
)


@cached("incidents")
def incident_list(viewer: Viewer, which: str, now: datetime) -> pd.DataFrame:
    """The viewer's incidents (open, closed or all), newest first."""
    with engine().connect() as conn:
        return incidents.list_incidents(conn, viewer, which, now)


@cached("incidents")
def incident_view(viewer: Viewer, incident_id: int, now: datetime) -> dict | None:
    """One incident as the page shows it, with each notification duty's state at `now`;
    None when it does not exist or lies outside the viewer's scope."""
    with engine().connect() as conn:
        try:
            detail = incidents.incident_detail(conn, viewer, incident_id)
        except incidents.IncidentNotFoundError:
            return None
    duties = detail["duties"]
    if not duties.empty:
        states = [
            deadline_state(d.deadline, None if pd.isna(d.met_at) else d.met_at, now)
            for d in duties.itertuples()
        ]
        detail["duties"] = duties.assign(
            state=[s.state for s in states], hours=[s.hours for s in states]
        )
    return detail


@cached("incidents")
def incident_recovery(viewer: Viewer, incident_id: int, now: datetime) -> dict:
    """Per metric (churn, NPS, complaints per 100 customers) the difference in differences
    of the affected customers against comparable ones; `elapsed` False while the window
    after containment has not passed (every metric insufficient then)."""
    settings = app_settings()
    months = int(settings["incident_recovery_months"])
    min_n = int(settings["min_sample_size"])
    with engine().connect() as conn:
        detail = incidents.incident_detail(conn, viewer, incident_id)["incident"]
        windows = recovery_windows(detail["started_at"], detail["contained_at"], months)
        if windows.after_end > now.date():
            rows = [insufficient(m) for m in METRICS]
            return {"windows": windows, "elapsed": False, "months": months, "rows": rows}
        cells = recovery_counts.recovery_cells(conn, viewer, incident_id, windows).cells
    rows = [
        difference_in_differences(m, *(cells[m][k] for k in ORDER), min_n=min_n) for m in METRICS
    ]
    return {"windows": windows, "elapsed": True, "months": months, "rows": rows}


@cached("incidents")
def affected_names(viewer: Viewer, incident_id: int) -> pd.DataFrame:
    """The first 50 affected customers with their names (roles that may see personal data;
    the view is audited by the cache)."""
    with engine().connect() as conn:
        return incidents.affected_customers(conn, viewer, incident_id)
