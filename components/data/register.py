"""Cached data of the risk register: the table, the matrix, one risk's detail, trends."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from analytics.risk import LEVELS, annotate, flow_by_month
from components.cache import cached, engine
from data_access import (
    kri,
    overview,
    register,
)
from data_access.filters import Filters, add_months
from data_access.security import Viewer
from data_access.settings import all_settings


def _annotated(frame: pd.DataFrame, bands: dict, on: date) -> pd.DataFrame:
    if frame.empty:
        return frame
    df = annotate(frame, bands, on)
    for kind in ("inherent", "target"):
        df[f"{kind}_score"] = df[f"{kind}_likelihood"] * df[f"{kind}_impact"]
    return df


@cached("register")
def register_view(viewer: Viewer, filters: Filters, include_closed: bool) -> pd.DataFrame:
    """Register rows with level, appetite and review flags, and each risk's worst KRI state."""
    on = date.today()
    with engine().connect() as conn:
        bands = all_settings(conn)["risk_level_bands"]
        rows = register.register_rows(conn, viewer, filters, on, include_closed)
        worst = kri.worst_state_per_risk(conn, viewer)
    df = _annotated(rows, bands, on)
    if not df.empty:
        df["kri_state"] = df["id"].map(worst)
        df.loc[df["status"] == "Closed", ["review_overdue", "days_overdue"]] = [False, None]
    return df


@cached("register")
def register_heatmap(viewer: Viewer, filters: Filters, kind: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return register.heatmap_counts(conn, viewer, filters, kind)


@cached("register")
def risk_detail(viewer: Viewer, risk_id: int) -> dict | None:
    """One risk with its assessments, treatments, actions, reviews, history and KRIs."""
    with engine().connect() as conn:
        detail = register.risk_detail(conn, viewer, risk_id)
        if detail is None:
            return None
        states = kri.latest_kri_states(conn, viewer, [risk_id])
        detail["kris"] = states
        detail["kri_history"] = {
            int(k): kri.kri_history(conn, viewer, int(k)) for k in states.get("kri_id", [])
        }
    return detail


@cached("register")
def register_trends(viewer: Viewer, filters: Filters) -> pd.DataFrame:
    """Per month of the 12 ending with the period: open risks by level, above appetite,
    overdue reviews and actions, created, closed and mean days to close."""
    year = filters.over_months(12)
    rows = []
    with engine().connect() as conn:
        bands = all_settings(conn)["risk_level_bands"]
        for month in year.month_starts:
            at = min(datetime.combine(add_months(month, 1), datetime.min.time()), datetime.now())
            snap = annotate(overview.risk_snapshot(conn, viewer, year, at), bands, at.date())
            row = {"month": month, **{lvl: int((snap["level"] == lvl).sum()) for lvl in LEVELS}}
            row["above_appetite"] = int(snap["above_appetite"].sum())
            row["overdue_reviews"] = int(snap["review_overdue"].sum())
            row["overdue_actions"] = register.overdue_actions_count(conn, viewer, at)
            rows.append(row)
        start = datetime.combine(year.start, datetime.min.time())
        end = datetime.combine(year.end_exclusive, datetime.min.time())
        flow = flow_by_month(register.monthly_flow(conn, viewer, start, end), year.month_starts)
    return pd.DataFrame(rows).merge(flow, on="month")
