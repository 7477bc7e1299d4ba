"""Incident metrics a KRI can watch, per calendar month, over the incidents of one region's
risks (or of every risk): incidents started, breach notices given late, hours to contain.
Incidents are few (dozens a year), so the hours are averaged over the month's rows in Python;
the counts are SQL aggregates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, and_, case, func, or_, select

from data_access.models import Incident, IncidentNotification

METRIC_DEFINITIONS = {
    "incidents_started": "Incidents (register risks that materialised) that started in the "
    "month, of the KRI's region's risks, or of every risk.",
    "breach_notice_late_share": "Breach notification duties (customers, regulator) falling due "
    "in the month that were met after their deadline or were still unmet at month end; counted "
    "from the first duty, since each one is a legal obligation.",
    "hours_to_contain": "Mean hours from detection to containment of the incidents contained "
    "in the month.",
}
METRICS = tuple(METRIC_DEFINITIONS)


def _region(region: str | None) -> list:
    return [] if region is None else [Incident.region == region]


def month_value(
    conn: Connection, metric: str, region: str | None, start: date, end: date
) -> tuple[float | None, int]:
    """(value, n) of an incident metric for [start, end): n incidents or duties counted;
    None when there is nothing to count (a count of incidents is 0, never None)."""
    begin = datetime.combine(start, datetime.min.time())
    stop = datetime.combine(end, datetime.min.time())
    if metric == "incidents_started":
        n = conn.execute(
            select(func.count(Incident.id)).where(
                Incident.started_at >= begin, Incident.started_at < stop, *_region(region)
            )
        ).scalar_one()
        return float(n), int(n)
    if metric == "breach_notice_late_share":
        late = or_(
            IncidentNotification.met_at > IncidentNotification.deadline,
            IncidentNotification.met_at.is_(None),
            IncidentNotification.met_at >= stop,  # met, but only after the month ended
        )
        due, late_count = conn.execute(
            select(
                func.count(IncidentNotification.id),
                func.coalesce(func.sum(case((late, 1), else_=0)), 0),
            )
            .join(Incident, Incident.id == IncidentNotification.incident_id)
            .where(
                and_(IncidentNotification.deadline >= begin, IncidentNotification.deadline < stop),
                *_region(region),
            )
        ).one()
        return (int(late_count) / int(due) if due else None), int(due)
    if metric == "hours_to_contain":
        rows = conn.execute(
            select(Incident.detected_at, Incident.contained_at).where(
                Incident.contained_at >= begin, Incident.contained_at < stop, *_region(region)
            )
        ).all()
        if not rows:
            return None, 0
        hours = [(c - d).total_seconds() / 3600 for d, c in rows]
        return sum(hours) / len(hours), len(rows)
    raise ValueError(f"not an incident metric: {metric!r}")
