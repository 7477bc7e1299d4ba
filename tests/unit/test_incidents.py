"""Incidents: status and time order, notification deadline states, the difference in
differences against hand computations written out here, the SQL cell counts against a
hand-made data set, the region scope of reads and writes, stale edits, the import of ids."""

import math
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update

from analytics.incidents import (
    Cell,
    deadline_state,
    difference_in_differences,
    next_status,
    recovery_windows,
    time_order_problems,
    transition_problem,
)
from data_access import incident_recovery
from data_access import incidents as inc
from data_access.models import (
    AuditLog,
    Complaint,
    Customer,
    IncidentCustomer,
    IncidentNotification,
    ResponsePlan,
    Risk,
    RiskAction,
    SurveyResponse,
)
from data_access.security import MANAGE_INCIDENTS, Viewer, can
from data_access.settings import settings_problems

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 1, 12, 0)
STARTED = datetime(2026, 6, 1, 8, 0)
DETECTED = datetime(2026, 6, 2, 9, 0)
RISK = Viewer("risk", "risk_manager")
EAST = Viewer("risk_east", "risk_manager", "East")
SOUTH = Viewer("risk_south", "risk_manager", "South")
EXEC = Viewer("exec", "executive")
ANALYST = Viewer("analyst", "analyst")


# --- pure --------------------------------------------------------------------------------------


def test_the_roles_that_manage_incidents():
    roles = ("executive", "risk_manager", "analyst", "admin")
    assert [r for r in roles if can(r, MANAGE_INCIDENTS)] == ["risk_manager", "admin"]


def test_status_moves_one_step_forward_only():
    assert next_status("open") == "contained"
    assert next_status("closed") is None
    assert transition_problem("open", "contained") is None
    assert "contained next" in transition_problem("open", "resolved")
    assert transition_problem("resolved", "open")
    assert transition_problem("closed", "open") == "the incident is closed"
    assert "not a status" in transition_problem("open", "gone")


def test_times_must_be_ordered_and_not_in_the_future():
    t0 = datetime(2026, 6, 1)
    ok = {"started_at": t0, "detected_at": t0, "contained_at": t0 + timedelta(days=1)}
    assert time_order_problems(ok, NOW) == {}
    bad = {"started_at": t0, "detected_at": t0 - timedelta(hours=1)}
    assert "before started_at" in time_order_problems(bad, NOW)["detected_at"]
    future = {"started_at": t0, "resolved_at": NOW + timedelta(minutes=1)}
    assert "in the future" in time_order_problems(future, NOW)["resolved_at"]
    # An empty time in between is skipped: resolved is compared with detected.
    gap = {"started_at": t0, "detected_at": t0 + timedelta(days=2), "resolved_at": t0}
    assert "before detected_at" in time_order_problems(gap, NOW)["resolved_at"]


def test_notification_deadline_states():
    deadline = datetime(2026, 6, 5, 9, 0)
    assert deadline_state(deadline, datetime(2026, 6, 5, 9, 0), NOW).state == "met"
    late = deadline_state(deadline, datetime(2026, 6, 6, 12, 30), NOW)
    assert (late.state, late.hours) == ("met_late", 27)
    due = deadline_state(deadline, None, datetime(2026, 6, 4, 20, 0))
    assert (due.state, due.hours) == ("due", 13)
    over = deadline_state(deadline, None, datetime(2026, 6, 7, 10, 0))
    assert (over.state, over.hours) == ("overdue", 49)


def test_recovery_windows():
    w = recovery_windows(datetime(2026, 5, 31, 8), datetime(2026, 6, 10, 9), 3)
    assert (w.before_start, w.before_end) == (date(2026, 2, 28), date(2026, 5, 31))
    assert (w.after_start, w.after_end) == (date(2026, 6, 10), date(2026, 9, 10))
    still_open = recovery_windows(datetime(2026, 5, 31, 8), None, 3)
    assert still_open.after_start == date(2026, 5, 31)


def test_did_of_churn_against_a_hand_computation():
    # A: before 5/50 = 0.10, after 10/40 = 0.25; C: before 6/60 = 0.10, after 5/50 = 0.10.
    # DiD = (0.25 − 0.10) − (0.10 − 0.10) = 0.15.
    # Var = .1·.9/50 + .25·.75/40 + .1·.9/60 + .1·.9/50
    #     = 0.0018 + 0.0046875 + 0.0015 + 0.0018 = 0.0097875; SE = 0.0989318
    # half width = 1.959964 × 0.0989318 = 0.1939028 → (−0.0439028, 0.3439028)
    did = difference_in_differences(
        "churn", Cell(50, 5), Cell(40, 10), Cell(60, 6), Cell(50, 5), min_n=30
    )
    assert did.sufficient
    assert did.estimate == pytest.approx(0.15)
    assert did.low == pytest.approx(-0.0439028, abs=1e-6)
    assert did.high == pytest.approx(0.3439028, abs=1e-6)
    assert (did.n_affected, did.n_comparison) == (40, 50)


def test_did_of_nps_against_a_hand_computation():
    # A before: 20 promoters, 8 detractors of 40 → NPS 30; var (.5+.2−.3²)/40 = .01525 → 152.5
    # A after: 15, 20 of 50 → −10; var (.3+.4−.1²)/50 = .0138 → 138
    # C before: 18, 10 of 40 → 20; var (.45+.25−.2²)/40 = .0165 → 165
    # C after: 22, 12 of 50 → 20; var (.44+.24−.2²)/50 = .0128 → 128
    # DiD = (−10 − 30) − (20 − 20) = −40; SE = √583.5 = 24.155744; half = 47.344333
    did = difference_in_differences(
        "nps",
        Cell(40, 0, 20, 8),
        Cell(50, 0, 15, 20),
        Cell(40, 0, 18, 10),
        Cell(50, 0, 22, 12),
        min_n=30,
    )
    assert did.affected_before == pytest.approx(30)
    assert did.estimate == pytest.approx(-40)
    assert did.low == pytest.approx(-87.344333, abs=1e-4)
    assert did.high == pytest.approx(7.344333, abs=1e-4)


def test_did_of_complaints_per_100_against_a_hand_computation():
    # A: 4/40 → 10 per 100 (var 10⁴·4/40² = 25), 12/40 → 30 (75);
    # C: 5/50 → 10 (20), 6/50 → 12 (24). DiD = 20 − 2 = 18; SE = √144 = 12; half 23.519568
    did = difference_in_differences(
        "complaints", Cell(40, 4), Cell(40, 12), Cell(50, 5), Cell(50, 6), min_n=30
    )
    assert did.estimate == pytest.approx(18)
    assert (did.low, did.high) == (pytest.approx(-5.519568), pytest.approx(41.519568))


def test_did_below_the_minimum_sample_is_insufficient():
    did = difference_in_differences(
        "churn", Cell(50, 5), Cell(29, 10), Cell(60, 6), Cell(50, 5), min_n=30
    )
    assert not did.sufficient and did.estimate is None and did.n_affected == 29


def test_incident_settings_are_validated():
    assert settings_problems({"breach_notice_hours_regulator": 48}) == []
    assert (
        "breach_notice_hours_customers"
        in settings_problems({"breach_notice_hours_customers": 0})[0]
    )
    assert "incident_recovery_months" in settings_problems({"incident_recovery_months": 13})[0]
    assert settings_problems({"incident_recovery_months": True})


# --- data access -------------------------------------------------------------------------------


def _risk(rid, region):
    return {
        "id": rid,
        "code": f"R-{rid:03d}",
        "title": f"Risk {rid}",
        "description": "",
        "category": "SEC",
        "owner": "risk",
        "region": region,
        "status": "Treating",
        "inherent_likelihood": 3,
        "inherent_impact": 3,
        "current_likelihood": 3,
        "current_impact": 3,
        "target_likelihood": 2,
        "target_impact": 2,
        "created_at": datetime(2025, 1, 1),
        "created_by": "risk",
        "updated_at": datetime(2025, 1, 1),
        "version": 1,
    }


def _customer(cid, region="South", segment="SMB", churn=None):
    return {
        "id": cid,
        "external_id": f"C-{cid}",
        "name": f"Customer {cid}",
        "region": region,
        "segment": segment,
        "tier": "normal",
        "source_system": "CRM",
        "signup_date": date(2025, 1, 1),
        "churn_date": churn,
        "updated_at": NOW,
    }


def _complaint(cid, customer, opened):
    return {
        "id": cid,
        "customer_id": customer,
        "category": "billing",
        "severity": "low",
        "channel": "phone",
        "opened_at": opened,
        "sla_hours": 120,
        "first_response_due_at": opened + timedelta(hours=24),
        "resolution_due_at": opened + timedelta(hours=120),
        "escalated": False,
        "stage": "received",
        "version": 1,
    }


@pytest.fixture
def db(migrated_engine):
    """Risk 1 South, risk 2 all regions, risk 3 East; customers 1–6 South SMB (to be
    affected), 7–10 South SMB (comparable), 11 East SMB, 12 South Enterprise."""
    churn = {1: date(2026, 4, 15), 2: date(2026, 7, 1), 7: date(2026, 8, 1), 8: date(2026, 1, 1)}
    with migrated_engine.begin() as conn:
        for rid, region in ((1, "South"), (2, None), (3, "East")):
            conn.execute(insert(Risk).values(_risk(rid, region)))
        for cid in range(1, 11):
            conn.execute(insert(Customer).values(_customer(cid, churn=churn.get(cid))))
        conn.execute(insert(Customer).values(_customer(11, region="East")))
        conn.execute(insert(Customer).values(_customer(12, segment="Enterprise")))
        for k, (customer, day) in enumerate(
            ((3, datetime(2026, 7, 15)), (9, datetime(2026, 4, 1)), (11, datetime(2026, 7, 1))),
            start=1,
        ):
            conn.execute(insert(Complaint).values(_complaint(k, customer, day)))
        conn.execute(insert(Complaint).values(_complaint(4, 1, datetime(2026, 7, 20))))
        for k, (customer, day, nps) in enumerate(
            (
                (4, date(2026, 4, 1), 10),
                (5, date(2026, 7, 1), 3),
                (6, date(2026, 7, 2), 8),
                (10, date(2026, 8, 1), 9),
                (12, date(2026, 8, 1), 0),
            ),
            start=1,
        ):
            conn.execute(
                insert(SurveyResponse).values(
                    id=k, customer_id=customer, responded_on=day, touchpoint="web", nps=nps
                )
            )
    return migrated_engine


def _incident(engine, viewer=RISK, risk_id=1, breach=True):
    return inc.materialise(
        engine, viewer, risk_id, "Leak", "Export leaked", "high", breach, STARTED, DETECTED, NOW
    )


def _version(engine, iid):
    with engine.connect() as conn:
        return inc.incident_detail(conn, RISK, iid)["incident"]["version"]


def test_a_breach_gets_its_notification_duties_from_the_settings(db):
    iid = _incident(db)
    with db.connect() as conn:
        duties = conn.execute(
            select(IncidentNotification.party, IncidentNotification.deadline).where(
                IncidentNotification.incident_id == iid
            )
        ).all()
        detail = inc.incident_detail(conn, RISK, iid)
    assert sorted(duties) == [
        ("customers", DETECTED + timedelta(hours=72)),
        ("regulator", DETECTED + timedelta(hours=72)),
    ]
    assert detail["incident"]["region"] == "South" and detail["incident"]["status"] == "open"
    assert detail["events"]["kind"].tolist() == ["happened"]


def test_an_incident_is_worked_to_closed_with_lessons_and_its_actions(db):
    iid = _incident(db)
    v = inc.advance(db, RISK, iid, "contained", datetime(2026, 6, 10, 9), 1, "patched", NOW)
    v = inc.record_notification(db, RISK, iid, "regulator", datetime(2026, 6, 4), v, "", NOW)
    v = inc.add_event(db, RISK, iid, "decision", "Reset all keys", datetime(2026, 6, 3), v, NOW)
    v = inc.create_action(db, RISK, iid, "Rotate keys", "ops", date(2026, 7, 1), v, NOW)
    v = inc.advance(db, RISK, iid, "resolved", datetime(2026, 6, 20), v, "", NOW)
    with pytest.raises(inc.IncidentValidationError) as refused:
        inc.close(db, RISK, iid, "   ", v, now=NOW)
    assert "lessons_learned" in refused.value.errors
    v = inc.close(db, RISK, iid, "Least privilege on exports", v, now=NOW)
    with db.connect() as conn:
        detail = inc.incident_detail(conn, RISK, iid)
        actions = conn.execute(select(RiskAction.risk_id, RiskAction.incident_id)).all()
        audited = conn.execute(
            select(func.count(AuditLog.id)).where(AuditLog.object_type == "incident")
        ).scalar_one()
    assert detail["incident"]["status"] == "closed" and v == 7
    assert detail["incident"]["lessons_learned"] == "Least privilege on exports"
    assert detail["actions"]["title"].tolist() == ["Rotate keys"]
    assert actions == [(1, iid)]
    assert audited == 7  # created + six changes
    assert detail["duties"].set_index("party").loc["regulator", "met_at"] == datetime(2026, 6, 4)


def test_times_out_of_order_or_in_the_future_are_refused(db):
    iid = _incident(db)
    with pytest.raises(inc.IncidentValidationError) as before:
        inc.advance(db, RISK, iid, "contained", datetime(2026, 6, 1), 1, "", NOW)
    assert "before detected_at" in before.value.errors["at"]
    with pytest.raises(inc.IncidentValidationError) as future:
        inc.advance(db, RISK, iid, "contained", NOW + timedelta(hours=1), 1, "", NOW)
    assert "future" in future.value.errors["at"]
    with pytest.raises(inc.IncidentValidationError) as skipped:
        inc.advance(db, RISK, iid, "resolved", datetime(2026, 6, 10), 1, "", NOW)
    assert "contained next" in skipped.value.errors["to_status"]
    with pytest.raises(inc.IncidentValidationError) as created:
        inc.materialise(db, RISK, 1, "x", "", "high", False, DETECTED, STARTED, NOW)
    assert "detected_at" in created.value.errors
    assert _version(db, iid) == 1


def test_a_stale_edit_is_refused(db):
    iid = _incident(db)
    inc.add_event(db, RISK, iid, "note", "first", DETECTED, 1, NOW)
    with pytest.raises(inc.StaleIncidentError, match="version 2"):
        inc.add_event(db, RISK, iid, "note", "second", DETECTED, 1, NOW)


def test_roles_without_the_permission_change_nothing(db):
    iid = _incident(db)
    for viewer in (EXEC, ANALYST):
        with pytest.raises(inc.IncidentNotAllowedError):
            inc.add_event(db, viewer, iid, "note", "x", DETECTED, 1, NOW)
        with pytest.raises(inc.IncidentNotAllowedError):
            _incident(db, viewer)
    with db.connect() as conn:  # but they read it
        assert inc.incident_detail(conn, EXEC, iid)["incident"]["id"] == iid


def test_a_scoped_user_gets_nothing_of_another_regions_incident(db):
    south = _incident(db)  # risk 1, South
    everywhere = _incident(db, risk_id=2, breach=False)
    east = _incident(db, EAST, risk_id=3, breach=False)
    with db.connect() as conn:
        listed = set(inc.list_incidents(conn, EAST, "all", NOW)["id"])
        with pytest.raises(inc.IncidentNotFoundError):
            inc.incident_detail(conn, EAST, south)
        with pytest.raises(inc.IncidentNotFoundError):
            incident_recovery.recovery_cells(conn, EAST, south, recovery_windows(STARTED, None, 3))
    assert listed == {everywhere, east}
    writes = (
        lambda i: inc.add_event(db, EAST, i, "note", "x", DETECTED, 1, NOW),
        lambda i: inc.advance(db, EAST, i, "contained", DETECTED, 1, "", NOW),
        lambda i: inc.close(db, EAST, i, "lessons", 1, now=NOW),
        lambda i: inc.import_customers(db, EAST, i, "customer_id\nC-11\n", 1, NOW),
        lambda i: inc.add_customers_by_filter(db, EAST, i, (), (), (), 1, NOW),
        lambda i: inc.record_notification(db, EAST, i, "regulator", DETECTED, 1, "", NOW),
        lambda i: inc.create_action(db, EAST, i, "x", "y", date(2026, 7, 1), 1, NOW),
    )
    for write in writes:
        with pytest.raises(inc.IncidentNotFoundError):
            write(south)
        with pytest.raises(inc.IncidentNotAllowedError):  # all-region: read only
            write(everywhere)
    with pytest.raises(inc.IncidentNotFoundError):
        _incident(db, EAST, risk_id=1)
    assert _version(db, south) == 1 and _version(db, everywhere) == 1
    inc.add_event(db, EAST, east, "note", "ours", DETECTED, 1, NOW)


def test_customers_by_filter_are_added_in_the_incidents_region_and_the_scope(db):
    iid = _incident(db, risk_id=2, breach=False)  # all regions
    v = inc.add_customers_by_filter(db, RISK, iid, (), ("SMB",), (), 1, NOW)
    with db.connect() as conn:
        assert inc.incident_detail(conn, RISK, iid)["customers"] == 11  # 1–11 are SMB
        assert inc.incident_detail(conn, EAST, iid)["customers"] == 1  # only customer 11
    v = inc.add_customers_by_filter(db, RISK, iid, (), (), (), v, NOW)  # all: +12 only
    with db.connect() as conn:
        assert inc.incident_detail(conn, RISK, iid)["customers"] == 12
    south = _incident(db)
    inc.add_customers_by_filter(db, RISK, south, (), (), (), 1, NOW)
    with db.connect() as conn:
        assert inc.incident_detail(conn, RISK, south)["customers"] == 11  # not East's 11
    with pytest.raises(inc.IncidentValidationError) as bad:
        inc.add_customers_by_filter(db, RISK, iid, ("Mars",), (), (), v, NOW)
    assert "Mars" in bad.value.errors["region"]


def test_an_import_with_unknown_or_hostile_ids_names_the_rows_and_writes_nothing(db):
    iid = _incident(db)
    hostile = "customer_id,name\nC-1,a\nC-999,b\n=cmd|' /C calc'!A0,c\nC-11,d\n,e\n"
    with pytest.raises(inc.IncidentValidationError) as refused:
        inc.import_customers(db, RISK, iid, hostile, 1, NOW)
    errors = refused.value.errors
    assert "C-999" in errors["row 3"]
    assert "not found" in errors["row 4"]
    assert "not found" in errors["row 5"]  # East's customer: outside the South incident
    assert errors["row 6"] == "customer_id is empty"
    assert "row 2" not in errors
    with db.connect() as conn:
        assert conn.execute(select(func.count(IncidentCustomer.id))).scalar_one() == 0
    assert _version(db, iid) == 1
    with pytest.raises(inc.IncidentValidationError) as header:
        inc.import_customers(db, RISK, iid, "id\nC-1\n", 1, NOW)
    assert "customer_id" in header.value.errors["file"]


def test_an_import_outside_the_viewers_scope_is_unknown(db):
    iid = _incident(db, EAST, risk_id=3, breach=False)
    with pytest.raises(inc.IncidentValidationError) as refused:
        inc.import_customers(db, EAST, iid, "customer_id\nC-11\nC-1\n", 1, NOW)
    assert list(refused.value.errors) == ["row 3"]
    v = inc.import_customers(db, EAST, iid, "customer_id\nC-11\nC-11\n", 1, NOW)
    with db.connect() as conn:
        detail = inc.incident_detail(conn, EAST, iid)
    assert detail["customers"] == 1 and v == 2
    assert detail["sources"]["source"].tolist() == ["import"]


def test_recovery_cells_count_by_hand(db):
    iid = _incident(db)
    inc.import_customers(
        db, RISK, iid, "customer_id\n" + "\n".join(f"C-{i}" for i in range(1, 7)), 1, NOW
    )
    windows = recovery_windows(STARTED, datetime(2026, 6, 10, 9), 3)
    with db.connect() as conn:
        cells = incident_recovery.recovery_cells(conn, RISK, iid, windows).cells
    # Churn: A before — 1–6 active on 1 Mar, customer 1 lost 15 Apr; A after — 2–6 active on
    # 10 Jun, customer 2 lost 1 Jul. C (7–10, South SMB) before — 8 lost in January, so 7, 9,
    # 10 at risk, none lost; after — 7 lost 1 Aug.
    assert cells["churn"][("affected", "before")] == Cell(6, 1)
    assert cells["churn"][("affected", "after")] == Cell(5, 1)
    assert cells["churn"][("comparison", "before")] == Cell(3, 0)
    assert cells["churn"][("comparison", "after")] == Cell(3, 1)
    # Complaints of customers at risk: 3 in July (A after), 9 in April (C before); customer
    # 1's July complaint is after they left, customer 11 is East (not comparable).
    assert cells["complaints"][("affected", "before")].k == 0
    assert cells["complaints"][("affected", "after")].k == 1
    assert cells["complaints"][("comparison", "before")].k == 1
    assert cells["complaints"][("comparison", "after")].k == 0
    # NPS answers: 4 a promoter before; 5 a detractor and 6 passive after; 10 a promoter
    # after (comparison); 12 is Enterprise (not comparable).
    assert cells["nps"][("affected", "before")] == Cell(1, 0, 1, 0)
    assert cells["nps"][("affected", "after")] == Cell(2, 0, 0, 1)
    assert cells["nps"][("comparison", "before")] == Cell(0, 0, 0, 0)
    assert cells["nps"][("comparison", "after")] == Cell(1, 0, 1, 0)
    assert math.isclose(
        difference_in_differences("churn", *(cells["churn"][k] for k in _ORDER), min_n=1).estimate,
        (1 / 5 - 1 / 6) - (1 / 3 - 0),
    )


_ORDER = (
    ("affected", "before"),
    ("affected", "after"),
    ("comparison", "before"),
    ("comparison", "after"),
)


def test_attention_items_of_open_incidents():
    import pandas as pd

    from analytics.attention import NOTIFICATION_OVERDUE_PRIORITY, incident_items, rank

    frame = pd.DataFrame(
        [
            {"id": 1, "title": "Leak", "severity": "critical", "status": "contained",
             "age_days": 12, "overdue_duties": 1},
            {"id": 2, "title": "Outage", "severity": "low", "status": "open",
             "age_days": 3, "overdue_duties": 0},
        ]
    )  # fmt: skip
    items = rank(incident_items(frame))
    assert [(i.kind, i.subject) for i in items] == [
        ("incident_overdue", "#1 Leak"),
        ("incident_open", "#1 Leak"),
        ("incident_open", "#2 Outage"),
    ]
    assert items[0].priority == NOTIFICATION_OVERDUE_PRIORITY
    assert items[0].page == "incidents" and items[0].drill == {"incident": "1"}
    assert items[1].priority == 87 + 12 / 30 and items[2].priority == 37 + 3 / 30


def test_the_recovery_chart_draws_both_groups_or_says_insufficient():
    from components.charts_incidents import recovery_chart

    labels = {
        "title": "Churn",
        "affected": "Affected",
        "comparison": "Comparable",
        "before": "Before",
        "after": "After",
        "unit": "%",
        "insufficient": "insufficient data",
    }
    did = difference_in_differences(
        "churn", Cell(50, 5), Cell(40, 10), Cell(60, 6), Cell(50, 5), min_n=30
    )
    fig = recovery_chart(did, labels, scale=100)
    assert [t.name for t in fig.data] == ["Affected", "Comparable"]
    assert list(fig.data[0].y) == [pytest.approx(10), pytest.approx(25)]
    assert list(fig.data[1].x) == ["Before", "After"]
    assert fig.layout.title.text == "Churn"
    short = difference_in_differences("churn", Cell(5), Cell(5), Cell(5), Cell(5), min_n=30)
    empty = recovery_chart(short, labels)
    assert not empty.data and empty.layout.annotations[0].text == "insufficient data"


def test_an_import_that_is_not_a_list_of_ids_is_refused(db):
    iid = _incident(db)
    for text, field, words in (
        ("", "file", "is empty"),
        ("customer_id\n\n\n", "file", "no customer ids"),
        ("customer_id\n" + "X" * 60 + "\n", "row 2", "not found"),
        ('customer_id\n"C-1\nC-2"\n', "row 2", "not found"),  # a quoted line break
    ):
        with pytest.raises(inc.IncidentValidationError) as refused:
            inc.import_customers(db, RISK, iid, text, 1, NOW)
        assert words in refused.value.errors[field], text
    assert _version(db, iid) == 1


def test_an_incident_cites_the_plan_version_in_force_when_recorded(db):
    assert _version(db, _incident(db)) == 1
    with db.connect() as conn:  # no plan for the category yet: nothing cited
        assert inc.incident_detail(conn, RISK, 1)["incident"]["response_plan_version"] is None
    with db.begin() as conn:
        conn.execute(
            insert(ResponsePlan).values(
                category="SEC",
                roles="[]",
                steps="[]",
                templates="{}",
                version=3,
                updated_by="risk",
                updated_at=NOW,
            )
        )
    later = _incident(db)
    with db.begin() as conn:  # the plan is revised after the incident was recorded
        conn.execute(update(ResponsePlan).values(version=4))
    with db.connect() as conn:
        detail = inc.incident_detail(conn, RISK, later)
    assert detail["incident"]["response_plan_version"] == 3
    assert detail["risk_category"] == "SEC"
