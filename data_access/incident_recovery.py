"""The counts behind an incident's recovery estimate (analytics.incidents computes the
difference in differences from them): affected customers against comparable unaffected ones,
before and after the incident, aggregated in SQL within the viewer's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, case, func, or_, select

from analytics.incidents import Cell, Windows
from data_access.churn_basis import lost_on
from data_access.filters import Filters
from data_access.incidents import load_visible
from data_access.models import Complaint, Customer, IncidentCustomer, SurveyResponse
from data_access.scope import customer_conditions
from data_access.security import Viewer
from data_access.settings import get_setting


@dataclass(frozen=True)
class RecoveryCells:
    """The four cells (group × period) per metric: cells[metric][(group, period)] with
    group affected | comparison and period before | after."""

    windows: Windows
    cells: dict[str, dict[tuple[str, str], Cell]]


def recovery_cells(
    conn: Connection, viewer: Viewer, incident_id: int, windows: Windows
) -> RecoveryCells:
    """Counts behind the recovery estimate, aggregated in SQL: affected customers (in the
    viewer's scope) against comparable unaffected customers — the same regions and segments
    as the affected set, not in it — per window: customers active at the window's start and
    those lost in it (the organisation's churn definition), their complaints opened in it,
    and survey answers in it (promoters, detractors)."""
    row = load_visible(conn, viewer, incident_id)
    basis = get_setting(conn, "churn_basis")
    filters = Filters(
        end_month=windows.after_end.replace(day=1),
        churn_basis=basis,
        inactivity_days=int(get_setting(conn, "inactivity_days")),
    )
    lost = lost_on(conn, filters)
    member = select(IncidentCustomer.customer_id).where(IncidentCustomer.incident_id == row.id)
    scope = customer_conditions(viewer)
    affected_of = select(Customer.region, Customer.segment).where(Customer.id.in_(member), *scope)
    regions = select(affected_of.subquery().c.region).distinct()
    segments = select(affected_of.subquery().c.segment).distinct()
    groups = {
        "affected": [Customer.id.in_(member), *scope],
        "comparison": [
            Customer.id.not_in(member),
            Customer.region.in_(regions),
            Customer.segment.in_(segments),
            *scope,
        ],
    }
    periods = {
        "before": (windows.before_start, windows.before_end),
        "after": (windows.after_start, windows.after_end),
    }
    cells: dict[str, dict[tuple[str, str], Cell]] = {"churn": {}, "complaints": {}, "nps": {}}
    for group, where in groups.items():
        for period, (start, end) in periods.items():
            active = [Customer.signup_date < start, or_(lost.is_(None), lost >= start)]
            gone = case((and_(lost >= start, lost < end), 1), else_=0)
            n, k = conn.execute(
                select(func.count(Customer.id), func.coalesce(func.sum(gone), 0)).where(
                    *where, *active
                )
            ).one()
            complaints = conn.execute(
                select(func.count(Complaint.id))
                .join(Customer, Customer.id == Complaint.customer_id)
                .where(
                    *where,
                    *active,
                    Complaint.opened_at >= datetime.combine(start, datetime.min.time()),
                    Complaint.opened_at < datetime.combine(end, datetime.min.time()),
                )
            ).scalar_one()
            answers, pro, det = conn.execute(
                select(
                    func.count(SurveyResponse.nps),
                    func.coalesce(func.sum(case((SurveyResponse.nps >= 9, 1), else_=0)), 0),
                    func.coalesce(func.sum(case((SurveyResponse.nps <= 6, 1), else_=0)), 0),
                )
                .join(Customer, Customer.id == SurveyResponse.customer_id)
                .where(
                    *where,
                    SurveyResponse.nps.is_not(None),
                    SurveyResponse.responded_on >= start,
                    SurveyResponse.responded_on < end,
                )
            ).one()
            cells["churn"][(group, period)] = Cell(int(n), int(k))
            cells["complaints"][(group, period)] = Cell(int(n), int(complaints))
            cells["nps"][(group, period)] = Cell(int(answers), 0, int(pro), int(det))
    return RecoveryCells(windows, cells)
