"""Response plans: create and edit with every version kept, stale edits refused, validation
naming the field and value, who may change them, drills (date, result), the drill state by
hand with fixed dates, the "needs attention" items, the setting, and the audit trail."""

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from analytics import attention
from analytics.response_plans import drill_state
from data_access import response_plans as plans
from data_access.models import AuditLog, ResponsePlanVersion
from data_access.security import Viewer
from data_access.settings import settings_problems

pytestmark = pytest.mark.db

RISK = Viewer("risk", "risk_manager")
ADMIN = Viewer("admin", "admin")
EAST = Viewer("risk_east", "risk_manager", "East")
EXEC = Viewer("exec", "executive")
ANALYST = Viewer("analyst", "analyst")
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 10, 0)
ROLES = [
    {"role": "Incident lead", "duty": "Declares the incident and runs the response"},
    {"role": "DPO", "duty": "Decides on notifying the regulator"},
]
STEPS = ["Contain the access", "Assess the customers affected", "Notify"]
TEMPLATES = {"customer": "Dear customer, …", "regulator": "To the authority: …", "internal": ""}


def _save(engine, viewer=RISK, category="SEC", version=None, **change):
    args = {"roles": ROLES, "steps": STEPS, "templates": TEMPLATES} | change
    return plans.save_plan(engine, viewer, category, version=version, now=NOW, **args)


def _audit(engine, action):
    with engine.connect() as conn:
        return conn.execute(
            select(AuditLog.username, AuditLog.object_id, AuditLog.detail).where(
                AuditLog.action == action
            )
        ).all()


# --- the drill state, by hand ------------------------------------------------------------------


def test_never_drilled_is_overdue():
    s = drill_state([], TODAY, 365)
    assert (s.state, s.overdue, s.failed, s.last_drilled, s.next_due) == (
        "overdue",
        True,
        False,
        None,
        None,
    )


def test_drill_state_by_dates():
    # 2025-11-20 + 365 days = 2026-11-20: due that day, not yet overdue
    s = drill_state([(date(2025, 11, 20), "passed")], TODAY, 365)
    assert (s.state, s.next_due, s.days_overdue) == ("due", date(2026, 11, 20), 0)
    # one day earlier: overdue by one day
    s = drill_state([(date(2025, 11, 19), "passed")], TODAY, 365)
    assert (s.state, s.next_due, s.days_overdue) == ("overdue", date(2026, 11, 19), 1)
    # next due 2026-12-20 is exactly 30 days away: not yet "due" (within 30 days = after 11-20)
    s = drill_state([(date(2025, 12, 20), "passed")], TODAY, 365)
    assert (s.state, s.next_due) == ("ok", date(2026, 12, 20))
    s = drill_state([(date(2025, 12, 19), "partly")], TODAY, 365)
    assert (s.state, s.last_result) == ("due", "partly")
    # the interval setting decides: 90 days
    s = drill_state([(date(2026, 8, 1), "passed")], TODAY, 90)
    assert (s.state, s.days_overdue) == ("overdue", (TODAY - date(2026, 10, 30)).days)


def test_a_failure_holds_until_a_drill_passes():
    failed = (date(2026, 6, 1), "failed")
    assert drill_state([failed], TODAY, 365).state == "failed"
    assert drill_state([failed, (date(2026, 7, 1), "partly")], TODAY, 365).state == "failed"
    s = drill_state([failed, (date(2026, 8, 1), "passed")], TODAY, 365)
    assert (s.state, s.failed, s.last_drilled) == ("ok", False, date(2026, 8, 1))
    # given out of order: the dates decide, not the order given
    assert drill_state([(date(2026, 8, 1), "passed"), failed], TODAY, 365).state == "ok"
    # same day: the one recorded later counts as later
    day = date(2026, 9, 1)
    assert drill_state([(day, "passed"), (day, "failed")], TODAY, 365).state == "failed"
    assert drill_state([(day, "failed"), (day, "passed")], TODAY, 365).state == "ok"
    # a failure outranks an overdue drill, and both flags are kept
    s = drill_state([(date(2024, 1, 1), "failed")], TODAY, 365)
    assert (s.state, s.overdue, s.failed) == ("failed", True, True)


# --- save, versions, stale edits -------------------------------------------------------------


def test_create_edit_and_every_version_is_kept(migrated_engine):
    assert _save(migrated_engine) == 1
    changed = [*STEPS, "Review lessons learned"]
    assert _save(migrated_engine, ADMIN, version=1, steps=changed) == 2
    with migrated_engine.connect() as conn:
        plan = plans.get_plan(conn, EXEC, "SEC")
        history = plans.plan_versions(conn, ANALYST, "SEC")
        first = plans.plan_version(conn, EXEC, "SEC", 1)
        assert plans.plan_version(conn, EXEC, "SEC", 3) is None
        assert plans.get_plan(conn, EXEC, "AVL") is None
    assert (plan["version"], plan["updated_by"], plan["steps"]) == (2, "admin", changed)
    assert plan["roles"] == ROLES and plan["templates"] == TEMPLATES
    assert list(history["version"]) == [2, 1]
    assert list(history["saved_by"]) == ["admin", "risk"]
    assert first["steps"] == STEPS  # the version an incident followed stays readable
    assert isinstance(first["id"], int)  # an incident may refer to the version's row
    saved = _audit(migrated_engine, "response_plan_saved")
    assert [(u, o) for u, o, _ in saved] == [("risk", "SEC"), ("admin", "SEC")]
    assert '"version": 2' in saved[1][2]


def test_a_stale_edit_is_refused_and_nothing_is_written(migrated_engine):
    _save(migrated_engine)
    _save(migrated_engine, version=1, steps=["Someone else's step"])
    with pytest.raises(plans.StalePlanError, match="version 2, you edited version 1"):
        _save(migrated_engine, ADMIN, version=1, steps=["Mine"])
    with pytest.raises(plans.StalePlanError, match="created by someone else"):
        _save(migrated_engine, ADMIN, version=None)  # a second "create"
    with pytest.raises(plans.StalePlanError, match="deleted"):
        _save(migrated_engine, category="AVL", version=3)  # no such plan
    with migrated_engine.connect() as conn:
        assert plans.get_plan(conn, RISK, "SEC")["steps"] == ["Someone else's step"]
        versions = conn.execute(select(func.count()).select_from(ResponsePlanVersion))
        assert versions.scalar_one() == 2
    assert len(_audit(migrated_engine, "response_plan_saved")) == 2


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"category": "XYZ"}, "category", "unknown risk category 'XYZ'"),
        ({"roles": []}, "roles", "at least one role"),
        ({"roles": [{"role": "Lead", "duty": " "}]}, "roles", "row 1 (Lead): duty is required"),
        ({"roles": [{"role": "", "duty": "x"}]}, "roles", "row 1: role is required"),
        ({"roles": [{"role": "x" * 81, "duty": "y"}]}, "roles", "81 characters; at most 80"),
        ({"roles": "Lead"}, "roles", "must be a list of roles, got 'Lead'"),
        ({"steps": ["", "  "]}, "steps", "at least one step"),
        ({"steps": ["ok", 5]}, "steps", "step 2 must be text, got 5"),
        ({"templates": {"press": "x"}}, "templates", "unknown kind press"),
        ({"templates": {"customer": "x" * 4001}}, "templates.customer", "4001 characters"),
        ({"version": "1"}, "version", "must be a whole number, got '1'"),
    ],
)
def test_validation_names_the_field_and_the_value(migrated_engine, change, field, message):
    args = {"category": "SEC", "roles": ROLES, "steps": STEPS, "templates": TEMPLATES}
    args["version"] = None
    args |= change
    with pytest.raises(plans.PlanValidationError) as refused:
        plans.save_plan(migrated_engine, RISK, **args)
    assert message in refused.value.errors[field]
    assert _audit(migrated_engine, "response_plan_saved") == []


def test_empty_rows_of_a_form_are_dropped(migrated_engine):
    roles = [*ROLES, {"role": "", "duty": ""}]
    _save(migrated_engine, roles=roles, steps=["", *STEPS, ""], templates={"customer": " hi "})
    with migrated_engine.connect() as conn:
        plan = plans.get_plan(conn, RISK, "SEC")
    assert plan["roles"] == ROLES and plan["steps"] == STEPS
    assert plan["templates"] == {"customer": "hi", "regulator": "", "internal": ""}


@pytest.mark.parametrize("viewer", [EXEC, ANALYST, EAST])
def test_only_unscoped_register_editors_change_plans(migrated_engine, viewer):
    with pytest.raises(plans.PlanNotAllowedError):
        _save(migrated_engine, viewer)
    _save(migrated_engine)
    with pytest.raises(plans.PlanNotAllowedError):
        plans.record_drill(migrated_engine, viewer, "SEC", TODAY, "passed", "", today=TODAY)
    assert not plans.may_edit(viewer)
    assert plans.may_edit(RISK) and plans.may_edit(ADMIN)
    with migrated_engine.connect() as conn:  # but every dashboard reader reads them
        assert plans.get_plan(conn, viewer, "SEC")["version"] == 1
    with migrated_engine.connect() as conn, pytest.raises(plans.PlanNotAllowedError):
        plans.get_plan(conn, Viewer("x", "nobody"), "SEC")


# --- drills ------------------------------------------------------------------------------------


def test_record_drills_and_the_list_shows_their_state(migrated_engine):
    _save(migrated_engine)
    _save(migrated_engine, category="AVL")
    _save(migrated_engine, category="CHN")
    drill = plans.record_drill
    drill(migrated_engine, RISK, "SEC", date(2026, 3, 1), "failed", "No one had the DPO's number")
    _save(migrated_engine, version=1)  # the plan is fixed: version 2
    drill(migrated_engine, ADMIN, "SEC", date(2026, 9, 1), "partly", "Notice took 3 days")
    drill(migrated_engine, RISK, "AVL", date(2025, 10, 1), "passed", "")
    drill(migrated_engine, RISK, "CHN", date(2026, 10, 1), "passed", "")
    with migrated_engine.connect() as conn:
        listed = plans.plan_list(conn, EXEC, TODAY, 365).set_index("category")
        sec = plans.plan_drills(conn, ANALYST, "SEC")
    assert list(listed.index) == list(plans.RISK_CATEGORIES)
    assert listed.loc["SEC", "state"] == "failed"  # partly does not clear the failure
    assert listed.loc["SEC", "last_result"] == "partly"
    assert listed.loc["SEC", "drills"] == 2
    assert listed.loc["AVL", "state"] == "overdue"
    assert listed.loc["AVL", "days_overdue"] == (TODAY - date(2026, 10, 1)).days
    assert listed.loc["CHN", "state"] == "ok"
    assert not listed.loc["ACC", "has_plan"] and listed.loc["ACC", "state"] is None
    assert list(sec["result"]) == ["partly", "failed"]  # newest first
    assert list(sec["plan_version"]) == [2, 1]  # the version each drill tested
    assert sec["findings"].iloc[1] == "No one had the DPO's number"
    recorded = _audit(migrated_engine, "response_plan_drill")
    assert len(recorded) == 4 and recorded[0][1] == "SEC"


@pytest.mark.parametrize(
    ("on", "result", "findings", "field", "message"),
    [
        (TODAY + timedelta(days=1), "passed", "", "drilled_on", "2026-11-21 is in the future"),
        ("2026-01-01", "passed", "", "drilled_on", "must be a date, got '2026-01-01'"),
        (TODAY, "ok", "", "result", "must be one of passed, partly, failed, got 'ok'"),
        (TODAY, "failed", " ", "findings", "are required when the drill failed"),
        (TODAY, "partly", "x" * 4001, "findings", "4001 characters; at most 4000"),
    ],
)
def test_a_drill_is_validated(migrated_engine, on, result, findings, field, message):
    _save(migrated_engine)
    with pytest.raises(plans.PlanValidationError) as refused:
        plans.record_drill(migrated_engine, RISK, "SEC", on, result, findings, today=TODAY)
    assert message in refused.value.errors[field]
    with migrated_engine.connect() as conn:
        assert plans.plan_drills(conn, RISK, "SEC").empty


def test_a_drill_needs_a_plan(migrated_engine):
    with pytest.raises(plans.PlanValidationError, match="AVL has no response plan yet"):
        plans.record_drill(migrated_engine, RISK, "AVL", TODAY, "passed", "", today=TODAY)


# --- needs attention and the setting -----------------------------------------------------------


def test_attention_items_for_failed_and_overdue_drills():
    frame = pd.DataFrame(
        [
            ("SEC", True, "failed", date(2026, 9, 1), 0),
            ("AVL", True, "overdue", date(2025, 10, 1), 50),
            ("CHN", True, "overdue", None, 0),
            ("CRD", True, "due", date(2025, 12, 1), 0),
            ("ACC", False, None, None, 0),
        ],
        columns=["category", "has_plan", "state", "last_drilled", "days_overdue"],
    )
    items = {i.subject: i for i in attention.drill_items(frame)}
    assert set(items) == {"SEC", "AVL", "CHN"}
    assert (items["SEC"].kind, items["SEC"].reason) == ("drill_failed", "attention.drill_failed")
    assert items["SEC"].args == {"date": "2026-09-01"}
    assert (items["AVL"].kind, items["AVL"].args["days"]) == ("drill_overdue", 50)
    assert items["CHN"].reason == "attention.drill_never"
    # every item opens the register page's plans tab at its category
    assert {(i.page, i.drill["plan"]) for i in items.values()} == {
        ("risk-register", "SEC"),
        ("risk-register", "AVL"),
        ("risk-register", "CHN"),
    }
    # failed before never drilled before 50 days overdue; an above-appetite risk before all
    assert items["SEC"].priority > items["CHN"].priority > items["AVL"].priority
    assert items["SEC"].priority < 100


def test_the_drill_interval_setting_is_validated():
    assert settings_problems({"drill_interval_days": 365}) == []
    for bad in (6, 1096, "365", True, 36.5):
        problems = settings_problems({"drill_interval_days": bad})
        assert problems == [
            f"drill_interval_days: a whole number of days from 7 to 1,095, got {bad!r}"
        ]


def test_the_demo_plants_a_failed_and_an_overdue_drill(seeded_engine):
    as_of = date(2026, 11, 1)
    with seeded_engine.connect() as conn:
        listed = plans.plan_list(conn, EXEC, as_of, 365).set_index("category")
        sec = plans.plan_versions(conn, EXEC, "SEC")
    assert listed["has_plan"].all()  # a plan for every category
    assert listed.loc["SEC", "state"] == "failed"
    assert listed.loc["CON", "state"] == "overdue"
    assert listed.loc["CON", "days_overdue"] == 430 - 365
    # the rest drilled within the interval; AVL's old failure was cleared by a later pass
    rest = listed.drop(index=["SEC", "CON"])
    assert set(rest["state"]) == {"ok"}
    assert list(sec["version"]) == [2, 1]
    items = attention.drill_items(listed.reset_index())
    assert {(i.kind, i.subject) for i in items} == {
        ("drill_failed", "SEC"),
        ("drill_overdue", "CON"),
    }
