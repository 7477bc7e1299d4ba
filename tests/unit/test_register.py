"""Risk register workflow: validation, optimistic locking, scope, history and audit."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from analytics.risk import acceptance_expired
from data_access import register
from data_access.models import AuditLog, RiskHistory, RiskReview
from data_access.register import RiskInput
from data_access.security import Viewer

pytestmark = pytest.mark.db

RISK = Viewer("risk", "risk_manager")
EAST = Viewer("risk_east", "risk_manager", "East")
EXEC = Viewer("exec", "executive")
NOW = datetime(2026, 11, 2, 9, 0)


def _new(engine, viewer=RISK, **overrides):
    data = dict(title="Call-centre churn", category="CHN", owner="Li Na", region=None)
    data.update(overrides)
    return register.create_risk(engine, viewer, RiskInput(**data), 4, 4, now=NOW)


def _detail(engine, risk_id, viewer=RISK):
    with engine.connect() as conn:
        return register.risk_detail(conn, viewer, risk_id)


def test_full_cycle_create_assess_treat_review_close_reopen(migrated_engine):
    e = migrated_engine
    rid = _new(e)
    d = _detail(e, rid)
    assert d["risk"]["code"] == "R-001" and d["risk"]["status"] == "Assessed"
    # High (16) → 60-day cadence for the first review date
    assert d["risk"]["next_review_date"] == date(2027, 1, 1)
    v = register.assess(e, RISK, rid, 1, "current", 3, 3, "controls work", now=NOW)
    v = register.set_treatment(e, RISK, rid, v, "Mitigate", "training and scripts", now=NOW)
    v = register.add_action(
        e, RISK, rid, v, "Retention script", "Wang Fang", date(2026, 12, 1), now=NOW
    )
    action_id = int(_detail(e, rid)["actions"].iloc[0].id)
    v = register.complete_action(e, RISK, rid, v, action_id, now=NOW)
    later = NOW + timedelta(days=10)
    v = register.record_review(e, RISK, rid, v, "on track", now=later)
    d = _detail(e, rid)
    assert d["risk"]["status"] == "Treating"
    assert (d["risk"]["current_likelihood"], d["risk"]["current_impact"]) == (3, 3)
    assert d["risk"]["next_review_date"] == (later + timedelta(days=90)).date()  # Medium
    assert d["actions"].iloc[0].status == "done"
    v = register.close_risk(e, RISK, rid, v, now=later)
    assert _detail(e, rid)["risk"]["status"] == "Closed"
    v = register.reopen_risk(e, RISK, rid, v, now=later)
    assert v == 8 and _detail(e, rid)["risk"]["closed_at"] is None
    with e.connect() as conn:
        actions = set(conn.execute(select(AuditLog.action)).scalars())
        fields = set(conn.execute(select(RiskHistory.field)).scalars())
        reviews = conn.execute(select(func.count(RiskReview.id))).scalar_one()
    assert {
        "risk_created",
        "risk_assessed",
        "risk_treated",
        "action_added",
        "action_completed",
        "risk_reviewed",
        "risk_closed",
        "risk_reopened",
    } <= actions
    assert {"status", "current_likelihood", "treatment", "next_review_date", "closed_at"} <= fields
    assert reviews == 2


def test_stale_edit_is_refused_and_nothing_is_overwritten(migrated_engine):
    rid = _new(migrated_engine)
    register.assess(migrated_engine, RISK, rid, 1, "current", 2, 2, now=NOW)  # first user saves
    with pytest.raises(register.StaleEditError, match="changed by someone else"):
        register.assess(migrated_engine, RISK, rid, 1, "current", 5, 5, now=NOW)  # second, stale
    risk = _detail(migrated_engine, rid)["risk"]
    assert (risk["current_likelihood"], risk["current_impact"], risk["version"]) == (2, 2, 2)


@pytest.mark.parametrize(
    "fields, expected",
    [
        (dict(title=" "), "title"),
        (dict(owner=""), "owner"),
        (dict(category="XYZ"), "category"),
        (dict(region="Atlantis"), "region"),
        (dict(title="x" * 201), "title"),
    ],
)
def test_validation_names_the_field(migrated_engine, fields, expected):
    with pytest.raises(register.ValidationError) as err:
        _new(migrated_engine, **fields)
    assert expected in err.value.errors


@pytest.mark.parametrize("score", [(0, 3), (3, 6), ("3", 3), (True, 2)])
def test_scores_must_be_one_to_five(migrated_engine, score):
    rid = _new(migrated_engine)
    with pytest.raises(register.ValidationError):
        register.assess(migrated_engine, RISK, rid, 1, "current", *score)


def test_acceptance_needs_approver_and_future_expiry(migrated_engine):
    rid = _new(migrated_engine)
    with pytest.raises(register.ValidationError) as err:
        register.set_treatment(migrated_engine, RISK, rid, 1, "Accept", "cheap", now=NOW)
    assert {"approver", "acceptance_expiry"} <= set(err.value.errors)
    with pytest.raises(register.ValidationError, match="future"):
        register.set_treatment(
            migrated_engine,
            RISK,
            rid,
            1,
            "Accept",
            "cheap",
            "Chen Jing",
            date(2026, 11, 1),
            now=NOW,
        )
    register.set_treatment(
        migrated_engine, RISK, rid, 1, "Accept", "cheap", "Chen Jing", date(2027, 3, 1), now=NOW
    )
    t = _detail(migrated_engine, rid)["treatments"].iloc[-1]
    assert t.approver == "Chen Jing"
    assert not acceptance_expired("Accept", date(2027, 3, 1), date(2027, 2, 28))
    assert acceptance_expired("Accept", date(2027, 3, 1), date(2027, 3, 2))
    assert not acceptance_expired("Mitigate", date(2020, 1, 1), date(2027, 3, 2))


def test_action_due_date_not_before_creation(migrated_engine):
    rid = _new(migrated_engine)
    with pytest.raises(register.ValidationError, match="before the risk was recorded"):
        register.add_action(migrated_engine, RISK, rid, 1, "x", "y", date(2026, 1, 1), now=NOW)


def test_executive_is_read_only(migrated_engine):
    rid = _new(migrated_engine)
    with pytest.raises(register.NotAllowedError):
        register.assess(migrated_engine, EXEC, rid, 1, "current", 1, 1)
    with pytest.raises(register.NotAllowedError):
        _new(migrated_engine, viewer=EXEC)
    assert _detail(migrated_engine, rid, EXEC) is not None  # but may read


def test_region_scope_on_reads_and_writes(migrated_engine):
    west = _new(migrated_engine, region="West", title="West billing")
    everywhere = _new(migrated_engine, title="All regions")
    assert _detail(migrated_engine, west, EAST) is None
    assert _detail(migrated_engine, everywhere, EAST) is not None
    with pytest.raises(register.NotAllowedError):
        register.close_risk(migrated_engine, EAST, west, 1)
    with pytest.raises(register.ValidationError, match="region East"):
        _new(migrated_engine, viewer=EAST, region="West")
    east = _new(migrated_engine, viewer=EAST, region="East", title="East only")
    with migrated_engine.connect() as conn:
        rows = register.register_rows(conn, EAST, None, date(2026, 11, 2), True)
        cells = register.heatmap_counts(conn, EAST, None, "current")
    assert set(rows.id) == {everywhere, east}
    assert cells["count"].sum() == 2


def test_sql_metacharacters_are_stored_verbatim(migrated_engine):
    title = "Robert'); DROP TABLE risks;-- 风险"
    rid = _new(migrated_engine, title=title)
    assert _detail(migrated_engine, rid)["risk"]["title"] == title


def test_target_may_not_be_worse_than_current(migrated_engine):
    rid = _new(migrated_engine)  # current 4 × 4 = 16
    with pytest.raises(register.ValidationError, match="above the current score 16"):
        register.assess(migrated_engine, RISK, rid, 1, "target", 5, 4)
    assert register.assess(migrated_engine, RISK, rid, 1, "target", 2, 4) == 2
