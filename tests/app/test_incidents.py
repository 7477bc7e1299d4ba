"""The incidents page through AppTest, per role: an executive and an analyst read (no
forms; only the analyst sees customers' names); a risk manager records an incident from the
register, works it with a timeline entry, customers by filter, status changes and closes it
with lessons learned; the East-scoped risk manager sees no North incident (not by link
either) and reads the all-region ones without forms."""

import os
import re
from datetime import datetime

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from components import state
from data_access.db import make_engine
from data_access.models import AuditLog, Incident, IncidentCustomer, IncidentEvent
from tests.app.conftest import as_read, login

PAGE = "app_pages/incidents.py"
REGISTER = "app_pages/register.py"
FORM = state.INCIDENT_FORM


@pytest.fixture
def db():
    engine = make_engine(os.environ["DATABASE_URL"])
    yield engine
    engine.dispose()


def open_page(username: str, link: dict[str, str] | None = None) -> AppTest:
    at = login(username, link=link)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def incident_id(engine, **where) -> int:
    with engine.connect() as conn:
        stmt = select(Incident.id).order_by(Incident.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(Incident, name) == value)
        return int(conn.execute(stmt).scalars().first())


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts)


def test_an_executive_reads_the_incidents_and_the_recovery_without_forms(db):
    breach = incident_id(db, status="resolved")
    at = open_page("exec")
    assert at.title[0].value == "Which incidents are open, and did customers recover?"
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Open incidents"] == "2"
    assert at.dataframe[0].value.shape[0] == 2  # the open list
    at.selectbox(key=state.INCIDENT_PICK).set_value(breach).run()
    assert not at.exception, at.exception
    assert at.query_params[state.INCIDENT_PARAM] in (str(breach), [str(breach)])
    recovery = next(d.value for d in at.dataframe if "Metric" in d.value.columns)
    assert list(recovery["Metric"])[0].startswith("Churn")
    did = recovery["Difference in differences (95% CI)"].iloc[0]
    assert "…" in did  # an estimate with its interval
    assert any("overdue" not in c.value and "late" in c.value for c in at.markdown)
    assert "Customers' names are shown only to roles" in texts(at)
    assert not [s for s in at.segmented_control if (s.key or "").startswith(state.INCIDENT_STEP)]
    assert not [b for b in at.button if (b.key or "").startswith(FORM)]
    assert len(at.get("plotly_chart")) == 1
    # The plan it follows: the version of its risk category's plan in force when recorded.
    cited = re.search(
        r"Version (\d+) of the plan, in force when the incident was recorded", texts(at)
    )
    with db.connect() as conn:
        in_force = conn.execute(
            select(Incident.response_plan_version).where(Incident.id == breach)
        ).scalar_one()
    assert cited is not None and int(cited.group(1)) == in_force


def test_an_analyst_reads_with_names_and_without_forms(db):
    breach = incident_id(db, status="resolved")
    at = open_page("analyst", link={state.INCIDENT_PARAM: str(breach)})
    assert at.selectbox(key=state.INCIDENT_PICK).value == breach
    assert "The first 50 affected customers" in texts(at)
    names = next(d.value for d in at.dataframe if "name" in d.value.columns)
    assert len(names) == 50
    assert not [b for b in at.button if (b.key or "").startswith(FORM)]
    with db.connect() as conn:
        logged = conn.execute(
            select(AuditLog.action).where(AuditLog.username == "analyst")
        ).scalars()
        assert "pii_view" in set(logged)  # the cache audits the view of names


def test_a_risk_manager_records_works_and_closes_an_incident(db):
    at = login("risk", link={"risk": "R-013"})
    at.switch_page(REGISTER).run()
    assert not at.exception, at.exception
    assert any(e.label == "Record incident" for e in at.expander)
    risk_id = 13
    key = f"{FORM}_new_{risk_id}"
    at.text_input(key=f"{key}_title").input("Win-back mailing sent to opted-out customers")
    at.text_area(key=f"{key}_desc").input("Sent to 2,000 customers without consent.")
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    with db.connect() as conn:
        new = conn.execute(select(Incident).where(Incident.title.like("Win-back mailing%"))).one()
    assert (new.status, new.region, new.created_by) == ("open", None, "risk")
    assert any(f"Incident #{new.id} recorded." in s.value for s in at.success)

    at = open_page("risk", link={state.INCIDENT_PARAM: str(new.id)})
    assert at.selectbox(key=state.INCIDENT_PICK).value == new.id
    step = f"{state.INCIDENT_STEP}_{new.id}"
    at.segmented_control(key=step).set_value("event").run()
    at.selectbox(key=f"{FORM}_event_kind").set_value("informed")
    at.text_area(key=f"{FORM}_event_text").input("Marketing informed; mailing stopped.")
    save(at, "event")
    at.segmented_control(key=step).set_value("customers").run()
    at.multiselect(key=f"{FORM}_customers_region").set_value(["West"])
    at.multiselect(key=f"{FORM}_customers_tier").set_value(["VIP"])
    save(at, "customers")
    with db.connect() as conn:
        added = conn.execute(
            select(IncidentCustomer.source).where(IncidentCustomer.incident_id == new.id)
        ).scalars()
        sources = set(added)
    assert len(sources) == 1 and '"region": ["West"]' in next(iter(sources))
    # The timeline and the customers tab say the filter in words, not as the stored JSON.
    with db.connect() as conn:
        n_added = conn.execute(
            select(func.count()).where(IncidentCustomer.incident_id == new.id)
        ).scalar_one()
    said = "by the filter Region: West · Segment: All · Tier: VIP"
    timeline = next(d.value for d in at.dataframe if "by_user" in d.value.columns)
    assert f"{n_added:,} customers added {said}" in set(timeline["text"])
    made = next(d.value for d in at.dataframe if "source" in d.value.columns)
    assert set(made["source"]) == {"Filter Region: West · Segment: All · Tier: VIP"}
    for _ in ("contained", "resolved"):
        at.segmented_control(key=step).set_value("advance").run()
        save(at, "advance")
    at.segmented_control(key=step).set_value("close").run()
    at.button(key=f"{FORM}_close_submit").click().run()  # no lessons: refused, naming the field
    assert any("lessons_learned" in as_read(e.value) for e in at.error)
    at.text_area(key=f"{FORM}_close_lessons").input("Consent check before every mailing.")
    save(at, "close")
    with db.connect() as conn:
        row = conn.execute(select(Incident).where(Incident.id == new.id)).one()
        kinds = list(
            conn.execute(
                select(IncidentEvent.kind).where(IncidentEvent.incident_id == new.id)
            ).scalars()
        )
    assert (row.status, row.lessons_learned) == ("closed", "Consent check before every mailing.")
    assert row.contained_at <= row.resolved_at <= row.closed_at <= datetime.now()
    # ordered by when each happened (the entries' own times), so compared as a set of kinds
    assert sorted(kinds) == sorted(
        ["happened", "informed", "note", "happened", "happened", "decision"]
    )
    assert at.segmented_control(key=step).options == ["Timeline entry"]


def save(at: AppTest, step: str) -> None:
    at.button(key=f"{FORM}_{step}_submit").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any(s.value == "Incident updated." for s in at.success)


def test_the_east_risk_manager_sees_no_north_incident(db):
    north = incident_id(db, region="North")
    at = open_page("risk_east", link={state.INCIDENT_PARAM: str(north)})
    assert any("is not among your incidents" in w.value for w in at.warning)
    assert at.selectbox(key=state.INCIDENT_PICK).value is None
    assert north not in at.selectbox(key=state.INCIDENT_PICK).options
    at.segmented_control(key=state.INCIDENT_WHICH).set_value("all").run()
    assert "North" not in set(at.dataframe[0].value["region"])
    breach = incident_id(db, status="resolved")  # all regions: read only
    at.selectbox(key=state.INCIDENT_PICK).set_value(breach).run()
    assert not at.exception, at.exception
    assert "only a user without a region scope may change it" in texts(at)
    assert not [b for b in at.button if (b.key or "").startswith(FORM)]
    assert "Only the affected customers of East are counted" in texts(at)


def test_the_overview_lists_the_open_incidents():
    at = login("risk")
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    assert "**Open incidents: 2** (Critical 1, High 1)" in texts(at)
    links = [p.proto.page for p in at.get("page_link") if p.label == "Open the incidents"]
    assert links == ["incidents"]


def test_the_incidents_page_in_chinese(db):
    breach = incident_id(db, status="resolved")
    at = login("risk", link={"lang": "zh", state.INCIDENT_PARAM: str(breach)})
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "哪些事件仍未关闭，客户关系是否已恢复？"
    assert {"未关闭事件", "未关闭的数据泄露", "逾期通知"} <= {m.label for m in at.metric}
    recovery = next(d.value for d in at.dataframe if "指标" in d.value.columns)
    assert list(recovery["指标"])[0].startswith("流失率")
    steps = at.segmented_control(key=f"{state.INCIDENT_STEP}_{breach}").options
    assert steps[0] == "关闭"  # a resolved incident: closing is next


def test_a_risk_lists_its_incidents_with_links_to_them(db):
    breach = incident_id(db, status="resolved")  # the demo's breach of R-001
    at = login("exec", link={"risk": "R-001"})
    at.switch_page(REGISTER).run()
    assert not at.exception, at.exception
    assert any(m.value.startswith("**Incidents of this risk (") for m in at.markdown)
    links = [p for p in at.get("page_link") if p.proto.label.startswith(f"#{breach} · ")]
    assert len(links) == 1
    assert links[0].proto.query_string == f"incident={breach}"
