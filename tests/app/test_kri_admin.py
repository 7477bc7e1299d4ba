"""KRI management through the register's KRIs tab, per role: a risk manager defines a KRI
whose thresholds make it red and sees it red in the list and in the overview's "Needs
attention"; edits it (and a stale edit is refused), retires it with a confirmation; risk_east
defines KRIs of East only and sees only those; the executive reads without forms; the
administrator also sees the outbox. KRIs made here are removed after each test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import streamlit as st
from sqlalchemy import delete, func, insert, select
from streamlit.testing.v1 import AppTest

from components import state
from data_access import kri_admin
from data_access.db import make_engine
from data_access.models import (
    KeyRiskIndicator,
    KriValue,
    KriVersion,
    OutboxMessage,
    Risk,
    Setting,
)
from data_access.security import Viewer
from tests.app.conftest import as_read, login

PAGE = "app_pages/register.py"
FORM = state.KRI_DEFINE_FORM
NAME = "CSAT Consumer (app test)"
RECIPIENTS = "kri_alert_recipients"


@pytest.fixture
def db() -> Iterator:
    """The app database; every KRI (and its values, versions, messages) added by the test is
    deleted afterwards so other tests see the demo's KRIs only."""
    engine = make_engine(os.environ["DATABASE_URL"])
    with engine.connect() as conn:
        first_new = conn.execute(select(func.max(KeyRiskIndicator.id))).scalar_one() + 1
        first_message = (conn.execute(select(func.max(OutboxMessage.id))).scalar_one() or 0) + 1
    try:
        yield engine
    finally:
        with engine.begin() as conn:
            new = KeyRiskIndicator.id >= first_new
            ids = list(conn.execute(select(KeyRiskIndicator.id).where(new)).scalars())
            conn.execute(delete(KriValue).where(KriValue.kri_id.in_(ids)))
            conn.execute(delete(KriVersion).where(KriVersion.kri_id.in_(ids)))
            conn.execute(delete(KeyRiskIndicator).where(new))
            conn.execute(delete(OutboxMessage).where(OutboxMessage.id >= first_message))
        engine.dispose()
        st.cache_data.clear()


def open_page(username: str, page: str = PAGE) -> AppTest:
    at = login(username)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def risk_id(engine, code: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(Risk.id).where(Risk.code == code)).scalar_one()


def kri_table(at: AppTest):
    """The KRI list (its columns by internal name; the headers are column_config labels)."""
    return next(d.value for d in at.dataframe if "thresholds" in d.value.columns)


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [s.value for s in at.subheader] + [e.label for e in at.expander]
    return as_read("\n".join(str(p) for p in parts))


def define(at: AppTest, risk: int, **fields) -> AppTest:
    at.text_input(key=f"{FORM}_name").input(fields.get("name", NAME))
    at.selectbox(key=f"{FORM}_risk").set_value(risk)
    at.selectbox(key=f"{FORM}_metric").set_value(fields.get("metric", "csat"))
    at.selectbox(key=f"{FORM}_direction").set_value(fields.get("direction", "lower_bad"))
    for scope in ("region", "segment"):
        value = fields.get(scope)
        if value is not None:
            at.selectbox(key=f"{FORM}_scope_{scope}").set_value(value)
    at.number_input(key=f"{FORM}_amber").set_value(fields.get("amber", 0.99))
    at.number_input(key=f"{FORM}_red").set_value(fields.get("red", 0.98))
    at.button(key=f"{FORM}_go").click().run()
    assert not at.exception, at.exception
    return at


def test_a_risk_manager_defines_a_red_kri_and_sees_it_red_and_needing_attention(db):
    at = open_page("risk")
    # CSAT top-2-box of Consumer customers is far below 0.98: red in every month. On R-002:
    # the overview lists the 7 highest-ranked items, KRI items ordered by risk code.
    define(at, risk_id(db, "R-002"), segment="Consumer")
    assert not at.error, [e.value for e in at.error]
    assert any("KRI defined" in s.value for s in at.success)
    listed = kri_table(at).set_index("name").loc[NAME]
    assert (listed["state"], listed["status"], listed["version"]) == ("red", "Active", 1)
    assert listed["risk"] == "R-002" and listed["scope"] == "Consumer"
    with db.connect() as conn:
        kri_id = conn.execute(
            select(KeyRiskIndicator.id).where(KeyRiskIndicator.name == NAME)
        ).scalar_one()
        months = conn.execute(select(func.count()).where(KriValue.kri_id == kri_id)).scalar_one()
    assert months == 12  # the history is computed at once
    overview = open_page("risk", "app_pages/overview.py")
    attention = as_read("\n".join(str(m.value) for m in overview.markdown))
    assert f"KRI “{NAME}” is red" in attention
    assert "R-002" in attention


def test_history_versions_edit_stale_and_retire(db):
    engine = db
    kri_id = kri_admin.define_kri(
        engine,
        Viewer("risk", "risk_manager"),
        {
            "risk_id": risk_id(db, "R-012"),
            "name": NAME,
            "metric": "csat",
            "scope_segment": "Consumer",
            "direction": "lower_bad",
            "amber_threshold": 0.99,
            "red_threshold": 0.98,
        },
    )
    at = open_page("risk")
    at.selectbox(key=state.KRI_PICK).set_value(kri_id).run()
    assert not at.exception, at.exception
    assert "monthly values against the current thresholds" in str(
        [c.proto.spec for c in at.get("plotly_chart")]
    )
    assert "Edit this KRI (version 1)" in texts(at)
    versions = next(d.value for d in at.dataframe if "change" in d.value.columns)
    assert list(versions["change"]) == ["Defined"]

    # Someone else edits it after the form was opened: the save is refused, nothing changes.
    kri_admin.edit_kri(
        engine,
        Viewer("admin", "admin"),
        kri_id,
        1,
        {
            "risk_id": risk_id(db, "R-012"),
            "name": NAME,
            "metric": "csat",
            "scope_segment": "Consumer",
            "direction": "lower_bad",
            "amber_threshold": 0.99,
            "red_threshold": 0.5,
        },
    )
    key = f"{state.KRI_EDIT_FORM}_{kri_id}"
    at.number_input(key=f"{key}_red").set_value(0.2)
    at.button(key=f"{key}_go").click().run()
    assert any("someone else changed this" in e.value for e in at.error)
    with db.connect() as conn:
        row = conn.execute(select(KeyRiskIndicator).where(KeyRiskIndicator.id == kri_id)).one()
    assert (row.version, row.red_threshold) == (2, 0.5)

    # Load the latest version, then retire it with the confirmation.
    at.button(key=f"kri_reload_{kri_id}").click().run()
    assert "Edit this KRI (version 2)" in texts(at)
    retire = at.button(key=f"kri_retire_{kri_id}")
    assert retire.disabled
    at.checkbox(key=f"{state.KRI_RETIRE_CONFIRM}_{kri_id}").check().run()
    at.button(key=f"kri_retire_{kri_id}").click().run()
    assert not at.exception, at.exception
    assert any("KRI retired" in s.value for s in at.success)
    assert kri_table(at).set_index("name").loc[NAME, "status"] == "Retired"
    with db.connect() as conn:
        assert (
            conn.execute(select(func.count()).where(KriVersion.kri_id == kri_id)).scalar_one() == 3
        )


def test_risk_east_defines_east_kris_only_and_sees_only_them(db):
    at = open_page("risk_east")
    assert at.selectbox(key=f"{FORM}_scope_region").options == ["East"]
    define(at, risk_id(db, "R-011"), name="CSAT East (app test)")
    assert not at.error, [e.value for e in at.error]
    listed = kri_table(at)
    assert "CSAT East (app test)" in set(listed["name"])
    assert all("East" in scope for scope in listed["scope"])
    assert not any(e.label.startswith("Notifications outbox") for e in at.expander)


def test_the_executive_reads_kris_without_forms():
    at = open_page("exec")
    assert not any(e.label == "Define a KRI" for e in at.expander)
    assert "Only risk managers and administrators" in texts(at)
    assert len(kri_table(at)) > 0


def test_the_administrator_sees_the_red_kris_message_in_the_outbox(db):
    with db.begin() as conn:
        conn.execute(insert(Setting).values(key=RECIPIENTS, value='["cro@example.com"]'))
    try:
        at = open_page("admin")
        define(at, risk_id(db, "R-002"), segment="Consumer")
        assert not at.error, [e.value for e in at.error]
        outbox = next(d.value for d in at.dataframe if "recipient" in d.value.columns)
        mine = outbox[outbox["subject"] == f"KRI red: {NAME} (R-002)"]
        assert list(mine["recipient"]) == ["cro@example.com"]
        assert list(mine["status"]) == ["Pending"]
    finally:
        with db.begin() as conn:
            conn.execute(delete(Setting).where(Setting.key == RECIPIENTS))


def test_other_roles_see_no_outbox():
    at = open_page("risk")
    assert not any(e.label.startswith("Notifications outbox") for e in at.expander)


def test_the_kris_tab_in_chinese():
    at = login("risk", link={"lang": "zh"})
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert any(e.label == "定义 KRI" for e in at.expander)


def test_a_bad_alert_recipient_is_refused_on_the_settings_form():
    at = open_page("admin", "app_pages/admin.py")
    at.text_area(key="admin_kri_alert_recipients").input("cro@example.com\nnot an address")
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert not at.exception, at.exception
    assert any("'not an address' is not an e-mail address" in as_read(e.value) for e in at.error)
