"""Incidents in a real browser (issue 17): a risk manager records an incident from a risk of
the register and works it through to closed — affected customers by a filter, a timeline
entry, a notification met, a register action, contained, resolved, a refused close without
lessons and the close with them. An executive reads the page; a region-scoped risk manager
does not see another region's incident, not even through a link."""

import re
import uuid

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from data_access.db import make_engine
from data_access.models import (
    AuditLog,
    Customer,
    Incident,
    IncidentEvent,
    IncidentNotification,
    RiskAction,
)
from tests.e2e.conftest import choose, log_in, open_page, open_tab, screenshot, wait_idle

pytestmark = pytest.mark.e2e

# An East risk: the incident is East's, so customers of the other regions are never added.
RISK = "R-011"


def _no_exception(page: Page) -> None:
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def _step(page: Page, name: str, submit: str) -> Locator:
    """Pick the incident's next step (a segmented control) and return its form (the one with
    the `submit` button). Clicking the chosen option again would unselect it, so click only
    while the form is not there; click again if a rerun swallowed the click."""
    radio = page.get_by_role("radiogroup", name="Next step").get_by_role(
        "radio", name=name, exact=True
    )
    button = page.get_by_role("button", name=submit, exact=True)
    for _ in range(3):
        wait_idle(page)
        if button.count() == 1 and button.is_visible():
            break
        radio.first.click()
        page.wait_for_timeout(500)  # the rerun starts a moment after the click
    wait_idle(page)
    expect(button).to_have_count(1)
    expect(button).to_be_visible()
    return page.get_by_test_id("stForm").filter(has=button)


def _saved(page: Page) -> None:
    expect(page.get_by_text("Incident updated.")).to_be_visible()
    _no_exception(page)


def _record_from_the_register(page: Page, server: str, title: str) -> int:
    """Open the risk by its link, record the incident in its "Record incident" form; returns
    the new incident's id (from the confirmation)."""
    page.goto(f"{server}/risk-register?risk={RISK}")
    wait_idle(page)
    wait_idle(page)
    expect(page.get_by_role("heading", name=re.compile(rf"^{RISK} · "))).to_be_visible()
    expander = page.get_by_test_id("stExpander").filter(
        has=page.get_by_text("Record incident", exact=True)
    )
    form = page.get_by_test_id("stForm").filter(has_text="Personal data breach").first
    for _ in range(3):
        if form.is_visible():
            break
        expander.get_by_text("Record incident", exact=True).first.click()
        wait_idle(page)
    form.get_by_role("textbox", name="Incident", exact=True).fill(title)
    form.get_by_role("textbox", name="What happened", exact=True).fill(
        "Survey invitations went to the wrong East customers (browser test)."
    )
    choose(page, form.get_by_role("combobox", name="Severity", exact=True), "Critical")
    form.get_by_text("Personal data breach (notification duties)").click()
    # Started at midnight today: never after the detection time, which stays "now".
    started = form.get_by_role("group", name="Time").first
    started.get_by_role("spinbutton", name=re.compile("^hour")).click()
    page.keyboard.type("00")
    started.get_by_role("spinbutton", name=re.compile("^minute")).click()
    page.keyboard.type("00")
    expect(form.get_by_role("checkbox", name=re.compile("Personal data breach"))).to_be_checked()
    form.get_by_role("button", name="Record incident").click()
    wait_idle(page)
    _no_exception(page)
    recorded = page.get_by_text(re.compile(r"^Incident #\d+ recorded\.$"))
    expect(recorded).to_be_visible()
    return int(re.search(r"#(\d+)", recorded.inner_text()).group(1))


def test_an_incident_is_recorded_from_a_risk_and_worked_to_closed(
    page: Page, server: str, server_database: str
):
    title = f"Survey mailing to the wrong list {uuid.uuid4().hex[:6]}"
    log_in(page, server, "risk")
    incident_id = _record_from_the_register(page, server, title)
    screenshot(page, "risk_incident_recorded_from_register")

    page.get_by_role("link", name="Open it on the incidents page").click()
    page.wait_for_url(re.compile(rf"/incidents\?.*incident={incident_id}\b"))
    wait_idle(page)
    wait_idle(page)
    expect(page.get_by_role("heading", name=f"#{incident_id} · {title}")).to_be_visible()
    _no_exception(page)

    # Affected customers: every East customer (the incident is East's).
    form = _step(page, "Customers by filter", "Add customers")
    choose(page, form.get_by_role("combobox", name="Region", exact=True), "East")
    page.keyboard.press("Escape")  # a multiselect stays open after a choice
    wait_idle(page)
    form.get_by_role("button", name="Add customers").click()
    wait_idle(page)
    _saved(page)
    engine = make_engine(server_database)
    with engine.connect() as conn:
        east = conn.execute(
            select(func.count(Customer.id)).where(Customer.region == "East")
        ).scalar_one()
    open_tab(page, "Affected customers")
    expect(page.get_by_text(f"{east:,} affected customers.", exact=True)).to_be_visible()

    form = _step(page, "Timeline entry", "Add entry")
    choose(page, form.get_by_role("combobox", name="Entry", exact=True), "Decision")
    form.get_by_role("textbox", name="What", exact=True).fill("Mailing platform paused (e2e)")
    form.get_by_role("button", name="Add entry").click()
    wait_idle(page)
    _saved(page)

    form = _step(page, "Notification met", "Record notification")
    choose(page, form.get_by_role("combobox", name="Party", exact=True), "Regulator")
    form.get_by_role("textbox", name="What", exact=True).fill("Filed with the regulator (e2e)")
    form.get_by_role("button", name="Record notification").click()
    wait_idle(page)
    _saved(page)
    open_tab(page, "Notification duties")
    expect(page.get_by_text(re.compile(r"^Regulator · Deadline: .* · Notified: "))).to_be_visible()

    form = _step(page, "Register action", "Create action")
    form.get_by_role("textbox", name="Action", exact=True).fill(f"Check mailing lists {title}")
    form.get_by_role("textbox", name="Owner", exact=True).fill("Liu Yang")
    form.get_by_role("button", name="Create action").click()
    wait_idle(page)
    _saved(page)

    for status in ("Contained", "Resolved"):
        form = _step(page, "Advance status", "Save status")
        expect(form.get_by_text(f"Move the incident to {status}.")).to_be_visible()
        form.get_by_role("button", name="Save status").click()
        wait_idle(page)
        _saved(page)
        expect(page.get_by_test_id("stMetricValue").filter(has_text=status)).to_be_visible()

    form = _step(page, "Close", "Close the incident")
    form.get_by_role("button", name="Close the incident").click()
    wait_idle(page)
    refused = page.get_by_test_id("stAlert").filter(has_text="Not saved — please correct:")
    expect(refused).to_be_visible()
    expect(refused).to_contain_text("lessons_learned")
    expect(refused).to_contain_text("is required")
    screenshot(page, "risk_incident_close_refused")

    lessons = f"Check the list before a mailing goes out ({title})."
    form.get_by_role("textbox", name="Lessons learned", exact=True).fill(lessons)
    form.get_by_role("button", name="Close the incident").click()
    wait_idle(page)
    _saved(page)
    expect(page.get_by_test_id("stMetricValue").filter(has_text="Closed")).to_be_visible()
    expect(page.get_by_text(f"Lessons learned: {lessons}")).to_be_visible()
    screenshot(page, "risk_incident_closed")

    with engine.connect() as conn:
        row = conn.execute(select(Incident).where(Incident.id == incident_id)).one()
        kinds = conn.execute(
            select(IncidentEvent.kind, IncidentEvent.text)
            .where(IncidentEvent.incident_id == incident_id)
            .order_by(IncidentEvent.id)
        ).all()
        duties = dict(
            conn.execute(
                select(IncidentNotification.party, IncidentNotification.met_at).where(
                    IncidentNotification.incident_id == incident_id
                )
            ).all()
        )
        action = conn.execute(
            select(RiskAction.title, RiskAction.owner, RiskAction.risk_id).where(
                RiskAction.incident_id == incident_id
            )
        ).all()
        audited = (
            conn.execute(
                select(AuditLog.action)
                .where(
                    AuditLog.object_type == "incident",
                    AuditLog.object_id == str(incident_id),
                    AuditLog.username == "risk",
                )
                .order_by(AuditLog.id)
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert (row.title, row.severity, row.is_data_breach, row.region) == (
        title,
        "critical",
        True,
        "East",
    )
    assert row.status == "closed" and row.lessons_learned == lessons
    assert row.started_at.hour == 0 and row.started_at.minute == 0
    assert row.started_at <= row.detected_at <= row.contained_at <= row.resolved_at
    assert row.resolved_at <= row.closed_at
    assert ("decision", "Mailing platform paused (e2e)") in kinds
    assert ("informed", "Filed with the regulator (e2e)") in kinds
    assert ("decision", lessons) in kinds
    assert [k for k, text in kinds if text in ("contained", "resolved")] == ["happened"] * 2
    assert duties["regulator"] is not None and duties["customers"] is None
    assert [(a.title, a.owner) for a in action] == [(f"Check mailing lists {title}", "Liu Yang")]
    # The refused close wrote nothing: one audit row per saved step.
    assert audited == [
        "incident_created",
        "incident_customers",
        "incident_event",
        "incident_notified",
        "incident_action",
        "incident_status",
        "incident_status",
        "incident_closed",
    ]


def test_an_executive_reads_the_incidents_page(page: Page, server: str):
    log_in(page, server, "exec")
    open_page(page, "Incidents")
    _no_exception(page)
    expect(page.get_by_role("heading", name=re.compile("Which incidents are open"))).to_be_visible()
    choose(
        page,
        page.get_by_role("combobox", name="Open an incident", exact=True),
        re.compile("North contact-centre telephony outage"),
    )
    expect(
        page.get_by_role("heading", name=re.compile("North contact-centre telephony outage"))
    ).to_be_visible()
    _no_exception(page)
    expect(page.get_by_test_id("stForm")).to_have_count(0)
    expect(page.get_by_role("radiogroup", name="Next step")).to_have_count(0)
    screenshot(page, "exec_incidents_read_only")


def test_an_east_risk_manager_does_not_see_the_north_outage(
    page: Page, server: str, server_database: str
):
    engine = make_engine(server_database)
    with engine.connect() as conn:
        north = conn.execute(
            select(Incident.id).where(Incident.region == "North").order_by(Incident.id)
        ).scalar()
    engine.dispose()
    assert north is not None, "the demo seeds a North outage"
    log_in(page, server, "risk_east")
    open_page(page, "Incidents")
    page.get_by_role("radiogroup", name="Show").get_by_role("radio", name="All", exact=True).click()
    wait_idle(page)
    _no_exception(page)
    box = page.get_by_role("combobox", name="Open an incident", exact=True)
    box.click()
    if not page.get_by_role("option").count():
        box.press("ArrowDown")
    expect(page.get_by_role("option").first).to_be_visible()
    expect(page.get_by_role("option", name=re.compile("North"))).to_have_count(0)
    box.press("Escape")

    page.goto(f"{server}/incidents?incident={north}")
    wait_idle(page)
    wait_idle(page)
    expect(
        page.get_by_text(f"The linked incident {north} is not among your incidents")
    ).to_be_visible()
    expect(page.get_by_text("North contact-centre telephony outage")).to_have_count(0)
    expect(page.get_by_role("heading", name=re.compile(rf"^#{north} · "))).to_have_count(0)
    _no_exception(page)
    screenshot(page, "risk_east_north_incident_link")
