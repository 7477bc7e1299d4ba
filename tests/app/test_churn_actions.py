"""Actions on warnings through AppTest: a risk manager records an action from the at-risk
list and its outcome on the Actions tab; the executive sees the report but no form; the
screens in Chinese."""

import os
from datetime import date

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from components import state
from data_access import actions
from data_access.db import make_engine
from data_access.models import AuditLog, CustomerAction
from data_access.security import Viewer
from data_access.settings import get_setting
from tests.app.conftest import as_read, login

PAGE = "app_pages/churn.py"
FORM = state.ACTION_FORM


def open_page(username: str, link: dict[str, str] | None = None) -> AppTest:
    at = login(username, link=link)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def db():
    engine = make_engine(os.environ["DATABASE_URL"])
    yield engine
    engine.dispose()


def newest_action(engine):
    with engine.connect() as conn:
        return conn.execute(select(CustomerAction).order_by(CustomerAction.id.desc())).first()


def test_a_risk_manager_records_an_action_and_its_outcome(db):
    at = open_page("risk")
    before = newest_action(db).id
    customer = at.selectbox(key=f"{FORM}_at_risk_customer").value
    assert at.selectbox(key=f"{FORM}_at_risk_kind").value == "retention_offer"
    at.text_input(key=f"{FORM}_at_risk_owner").input("Li Na")
    at.text_area(key=f"{FORM}_at_risk_note").input("10% off the next renewal")
    at.button(key=f"{FORM}_at_risk_submit").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("Action recorded" in s.value for s in at.success)
    action = newest_action(db)
    assert action.id > before
    assert (action.customer_id, action.kind, action.source, action.owner) == (
        customer,
        "retention_offer",
        "at_risk",
        "Li Na",
    )
    assert (action.status, action.version, action.created_by) == ("open", 1, "risk")
    assert float(action.amount_at_stake) > 0  # the listed monthly revenue

    # The Actions tab lists it among the open actions (newest due date: the last page).
    with db.connect() as conn:
        open_count = conn.execute(
            select(func.count()).where(CustomerAction.status == "open")
        ).scalar_one()
    pages = -(-open_count // 50)
    if pages > 1:
        at.number_input(key=state.ACTIONS_PAGE).set_value(pages).run()
    at.selectbox(key=state.ACTION_OUTCOME_PICK).set_value(action.id).run()
    outcome = at.selectbox(key=f"{state.ACTION_OUTCOME_FORM}_{action.id}_outcome")
    assert outcome.options == ["Saved", "Lost"]
    outcome.set_value("saved")
    at.number_input(key=f"{state.ACTION_OUTCOME_FORM}_{action.id}_amount").set_value(500.0)
    at.button(key=f"{state.ACTION_OUTCOME_FORM}_{action.id}_submit").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("Outcome saved" in s.value for s in at.success)
    done = newest_action(db)
    assert (done.id, done.status, done.outcome, done.version) == (action.id, "done", "saved", 2)
    assert float(done.amount_recovered) == 500.0
    with db.connect() as conn:
        logged = conn.execute(
            select(AuditLog.action).where(
                AuditLog.object_type == "customer_action", AuditLog.object_id == str(action.id)
            )
        ).scalars()
        assert sorted(logged) == ["customer_action_created", "customer_action_outcome"]


def test_a_bad_outcome_is_refused_with_the_field_named(db):
    at = open_page("analyst")
    at.button(key=f"{FORM}_overdue_submit").click().run()  # a collection step on a debtor
    action = newest_action(db)
    assert (action.source, action.kind, action.created_by) == (
        "overdue",
        "collection_step",
        "analyst",
    )
    with db.connect() as conn:
        open_count = conn.execute(
            select(func.count()).where(CustomerAction.status == "open")
        ).scalar_one()
    pages = -(-open_count // 50)
    if pages > 1:
        at.number_input(key=state.ACTIONS_PAGE).set_value(pages).run()
    at.selectbox(key=state.ACTION_OUTCOME_PICK).set_value(action.id).run()
    too_much = float(action.amount_at_stake) + 1000
    at.number_input(key=f"{state.ACTION_OUTCOME_FORM}_{action.id}_amount").set_value(too_much)
    at.button(key=f"{state.ACTION_OUTCOME_FORM}_{action.id}_submit").click().run()
    assert not at.exception, at.exception
    message = " ".join(e.value for e in at.error)
    assert "amount_recovered" in message and "at stake" in message
    assert newest_action(db).status == "open"  # nothing written
    # what was typed stays in the form
    assert at.number_input(key=f"{state.ACTION_OUTCOME_FORM}_{action.id}_amount").value == too_much


def test_an_outcome_typed_for_an_action_closed_elsewhere_changes_no_other_action(db):
    """Two people have the same action open; the other one saves its outcome first. The
    submit of the form drawn for it must not land on the action that is now first in the
    list (the pick falls back to it): nothing is written and the page says why."""
    at = open_page("risk")
    first = at.selectbox(key=state.ACTION_OUTCOME_PICK).value
    with db.connect() as conn:
        listed = conn.execute(
            select(CustomerAction.kind, CustomerAction.version).where(CustomerAction.id == first)
        ).one()
    at.number_input(key=f"{state.ACTION_OUTCOME_FORM}_{first}_amount").set_value(1.0)
    # The other browser: the same action gets its outcome (through the data layer).
    outcome = actions.OUTCOMES[listed.kind][-1]
    actions.record_outcome(
        db, Viewer("analyst", "analyst"), first, listed.version, outcome, 0, date.today()
    )
    with db.connect() as conn:
        before = {
            r.id: (r.status, r.version)
            for r in conn.execute(
                select(CustomerAction.id, CustomerAction.status, CustomerAction.version)
            )
        }
    at.button(key=f"{state.ACTION_OUTCOME_FORM}_{first}_submit").click().run()
    assert not at.exception, at.exception
    assert any("no longer in this list" in w.value for w in at.warning)
    assert not any("Outcome saved" in s.value for s in at.success)
    with db.connect() as conn:
        after = {
            r.id: (r.status, r.version)
            for r in conn.execute(
                select(CustomerAction.id, CustomerAction.status, CustomerAction.version)
            )
        }
    assert after == before  # no other action got an outcome
    assert at.selectbox(key=state.ACTION_OUTCOME_PICK).value != first


def test_the_executive_sees_the_report_but_no_form():
    at = open_page("exec")
    keys = [w.key or "" for w in [*at.selectbox, *at.button, *at.text_input]]
    assert not [k for k in keys if k.startswith(FORM) or k.startswith("action_outcome")]
    labels = [m.label for m in at.metric]
    assert "Save rate: Retention offer" in labels and "Credit loss avoided" in labels
    assert [m.value for m in at.metric if m.label == "Save rate: Retention offer"][0].endswith("%")


def test_the_credit_lists_show_the_next_review_and_a_form():
    at = open_page("risk")
    frames = [df.value for df in at.dataframe]
    falling = next(f for f in frames if "drop" in f.columns)
    assert len(falling) > 0 and (falling["drop"] > 0).all()
    assert falling["next_review"].notna().all()
    exposures = next(f for f in frames if {"days_overdue", "next_review"} <= set(f.columns))
    assert len(exposures) > 0
    for form in ("at_risk", "win_back", "falling_credit", "overdue"):
        assert at.button(key=f"{FORM}_{form}_submit")


def test_chinese_labels_on_the_actions_screens():
    at = open_page("risk", link={"lang": "zh"})
    assert "行动" in [tab.label for tab in at.tabs]
    labels = [m.label for m in at.metric]
    assert "挽留率：挽留优惠" in labels and "避免的信用损失" in labels
    assert at.selectbox(key=state.ACTION_OUTCOME_PICK).label == "进行中的行动"
    assert at.button(key=f"{FORM}_at_risk_submit").label == "记录行动"
    assert at.selectbox(key=f"{FORM}_overdue_kind").value == "collection_step"
    listed = next(df.value for df in at.dataframe if {"kind", "owner"} <= set(df.value.columns))
    assert set(listed["kind"]) <= {"挽留优惠", "电话回访", "调整信用额度", "催收措施"}
    assert not set(listed["region"]) & {"North", "South", "East", "West", "Central"}


def test_the_admin_form_holds_the_credit_review_cadence(db):
    at = login("admin")
    at.switch_page("app_pages/admin.py").run()
    normal = next(n for n in at.number_input if n.label == "Every customer")
    high = next(n for n in at.number_input if n.label == "High-risk customers")
    assert (normal.value, high.value) == (90, 30)
    high.set_value(120)  # longer than every customer's 90 days
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert any("credit_review_days_high_risk: 120 days" in as_read(e.value) for e in at.error)
    with db.connect() as conn:
        assert get_setting(conn, "credit_review_days_high_risk") == 30
