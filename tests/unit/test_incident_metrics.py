"""Incident metrics for KRIs on a hand-made set: counts, late breach notices and hours to
contain per month and region, worked out by hand in the comments."""

from datetime import date, datetime

import pytest
from sqlalchemy import insert, select

from data_access import kri_admin
from data_access.incident_metrics import month_value
from data_access.models import Incident, IncidentNotification, KriValue, Risk
from data_access.security import Viewer
from tests.unit.test_incidents import _risk

pytestmark = pytest.mark.db
RISK = Viewer("risk", "risk_manager")
EAST = Viewer("risk_east", "risk_manager", "East")
JULY, AUGUST = date(2026, 7, 1), date(2026, 8, 1)


def _incident(iid, risk_id, region, started, contained=None):
    return {
        "id": iid,
        "risk_id": risk_id,
        "title": f"Incident {iid}",
        "severity": "high",
        "is_data_breach": True,
        "status": "contained" if contained else "open",
        "region": region,
        "started_at": started,
        "detected_at": started.replace(hour=started.hour + 2),
        "contained_at": contained,
        "created_by": "risk",
        "created_at": started,
        "updated_at": started,
        "version": 1,
    }


@pytest.fixture
def db(migrated_engine):
    """Three incidents in July (two East, one of an all-region risk) and one in August."""
    with migrated_engine.begin() as conn:
        conn.execute(insert(Risk).values(_risk(1, "East")))
        conn.execute(insert(Risk).values(_risk(2, None)))
        conn.execute(insert(Risk).values(_risk(3, "West")))
        for row in (
            # detected 10:00, contained 20:00 the same day: 10 h
            _incident(1, 1, "East", datetime(2026, 7, 3, 8), datetime(2026, 7, 3, 20)),
            # detected 11:00 on 10 July, contained 11:00 on 12 July: 48 h
            _incident(2, 1, "East", datetime(2026, 7, 10, 9), datetime(2026, 7, 12, 11)),
            _incident(3, 2, None, datetime(2026, 7, 20, 9)),  # still open
            # started in July, detected 12:00 on 31 July, contained 19:00 on 1 August: 31 h
            _incident(4, 3, "West", datetime(2026, 7, 31, 10), datetime(2026, 8, 1, 19)),
        ):
            conn.execute(insert(Incident).values(row))
        duties = (
            (1, "regulator", datetime(2026, 7, 6), datetime(2026, 7, 5)),  # met in time
            (1, "customers", datetime(2026, 7, 6), datetime(2026, 7, 8)),  # met late
            (2, "regulator", datetime(2026, 7, 13), None),  # never met: late
            (2, "customers", datetime(2026, 8, 2), datetime(2026, 8, 1)),  # due in August
            (4, "regulator", datetime(2026, 7, 30), datetime(2026, 8, 3)),  # met after July
        )
        for incident, party, deadline, met in duties:
            conn.execute(
                insert(IncidentNotification).values(
                    incident_id=incident, party=party, deadline=deadline, met_at=met
                )
            )
    return migrated_engine


def test_the_month_values_match_a_hand_count(db):
    with db.connect() as conn:

        def value(metric, region, month=JULY):
            end = AUGUST if month == JULY else date(2026, 9, 1)
            return month_value(conn, metric, region, month, end)

        # Started in July: 1, 2, 3, 4 overall; 1 and 2 in East; August none.
        assert value("incidents_started", None) == (4.0, 4)
        assert value("incidents_started", "East") == (2.0, 2)
        assert value("incidents_started", None, AUGUST) == (0.0, 0)
        # Due in July: four duties (1×2, 2 regulator, 4 regulator); late: 1 customers,
        # 2 regulator (unmet), 4 regulator (met 3 Aug, after the month): 3 of 4.
        assert value("breach_notice_late_share", None) == (0.75, 4)
        # East: 1×2 and 2 regulator: 2 of 3.
        late, due = value("breach_notice_late_share", "East")
        assert due == 3 and late == pytest.approx(2 / 3)
        assert value("breach_notice_late_share", "East", AUGUST) == (0.0, 1)
        # Contained in July: 10 h and 48 h → mean 29 h; August: incident 4, 31 h.
        assert value("hours_to_contain", None) == (29.0, 2)
        assert value("hours_to_contain", None, AUGUST) == (31.0, 1)
        assert value("hours_to_contain", "West") == (None, 0)


def test_a_kri_on_an_incident_metric_is_defined_for_a_region_only(db):
    definition = {
        "risk_id": 1,
        "name": "East incidents started",
        "metric": "incidents_started",
        "scope_region": "East",
        "direction": "higher_bad",
        "amber_threshold": 1,
        "red_threshold": 2,
    }
    with pytest.raises(kri_admin.KriValidationError) as refused:
        kri_admin.define_kri(db, EAST, {**definition, "scope_segment": "SMB"})
    assert "per region only" in refused.value.errors["scope_segment"]
    kri_id = kri_admin.define_kri(db, EAST, definition)
    with db.connect() as conn:
        july = conn.execute(
            select(KriValue.value, KriValue.state).where(
                KriValue.kri_id == kri_id, KriValue.period_month == JULY
            )
        ).one()
    assert tuple(july) == (2.0, "red")  # two East incidents started in July
