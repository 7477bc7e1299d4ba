"""Respond and recover in a real browser: a retention action recorded from the at-risk list
and its outcome, and a complaint case worked through its stages to the satisfaction question."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from data_access.db import make_engine
from data_access.models import AuditLog, Complaint, ComplaintCaseEvent, Customer
from tests.e2e.conftest import ROOT, choose, log_in, open_page, open_tab, screenshot, wait_idle

pytestmark = pytest.mark.e2e


def _no_exception(page: Page) -> None:
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_a_retention_action_from_the_at_risk_list_gets_its_outcome(page: Page, server: str):
    log_in(page, server, "risk")
    open_page(page, "Churn & credit")
    open_tab(page, "At-risk customers")
    panel = page.get_by_role("tabpanel", name="At-risk customers")
    panel.get_by_text("Record an action on a customer of this list (at risk of churn)").click()
    form = panel.get_by_test_id("stForm").filter(has_text="Record action").first
    # The third customer of the list, so the test does not depend on the first row's action.
    picked = choose(
        page, form.get_by_role("combobox", name="Customer", exact=True), re.compile(" · ")
    ).strip()
    customer_id = picked.split(" · ")[0]
    form.get_by_label("Note").fill("Offered a loyalty discount (browser test)")
    form.get_by_role("button", name="Record action").click()
    wait_idle(page)
    expect(
        page.get_by_text("Action recorded. Record its outcome on the Actions tab.")
    ).to_be_visible()
    _no_exception(page)

    open_tab(page, "Actions")
    actions = page.get_by_role("tabpanel", name="Actions")
    search = actions.get_by_role("textbox", name="Find a customer's actions (customer ID)")
    search.fill(customer_id)
    search.press("Enter")
    wait_idle(page)
    expect(actions.get_by_text(re.compile(r"^Showing \d+ of \d+ actions"))).to_be_visible()
    assert f"actions_customer={customer_id}" in page.url
    choose(
        page,
        actions.get_by_role("combobox", name="Open action", exact=True),
        re.compile(rf"^{re.escape(customer_id)} · Retention offer"),
    )
    outcome = actions.get_by_test_id("stForm").filter(has_text="Save outcome").first
    choose(page, outcome.get_by_role("combobox", name="Outcome", exact=True), "Saved")
    outcome.get_by_role("spinbutton", name="Amount recovered").fill("1200")
    outcome.get_by_role("button", name="Save outcome").click()
    wait_idle(page)
    expect(page.get_by_text("Outcome saved.")).to_be_visible()
    _no_exception(page)
    expect(actions.get_by_text(re.compile(r"^Save rate: Retention offer"))).to_be_visible()
    screenshot(page, "risk_churn_action_outcome")


def _import_a_new_complaint(server_database: str, tmp_path: Path) -> str:
    """A complaint received on 30 October, imported with the command-line importer (as a
    nightly job would) on the server's database; returns its customer id."""
    engine = make_engine(server_database)
    with engine.connect() as conn:
        customer = conn.execute(
            select(Customer.external_id).where(Customer.region == "East").order_by(Customer.id)
        ).scalar()
    engine.dispose()
    csv = tmp_path / "complaints.csv"
    csv.write_text(
        "customer_id,category,severity,channel,opened_at,sla_hours,escalated,stage\n"
        f"{customer},billing,medium,phone,2026-10-30 10:15,72,false,received\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "importer", "complaints", str(csv), "--user", "e2e-import"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": server_database, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return customer


def test_a_complaint_case_is_worked_from_received_to_closed(
    page: Page, server: str, server_database: str, tmp_path: Path
):
    customer = _import_a_new_complaint(server_database, tmp_path)
    log_in(page, server, "risk")
    open_page(page, "Satisfaction & complaints")
    open_tab(page, "Complaints")
    panel = page.get_by_role("tabpanel", name="Complaints")
    choose(page, panel.get_by_role("combobox", name="Status", exact=True), "Open")
    case_label = choose(
        page,
        panel.get_by_role("combobox", name="Complaint case", exact=True),
        f"2026-10-30 10:15 · {customer} · Billing · Medium",
    )
    stages = ("Classified", "Investigating", "Resolved", "Closed (feedback collected)")
    for stage in stages:
        if not panel.get_by_text(re.compile(r"Move the case to")).count():
            # A case resolved in the browser may leave the open list: find it among all.
            choose(page, panel.get_by_role("combobox", name="Status", exact=True), "All")
            choose(
                page,
                panel.get_by_role("combobox", name="Complaint case", exact=True),
                case_label.strip(),
            )
        form = panel.get_by_test_id("stForm").filter(has_text="Move the case to").first
        expect(form.get_by_text(f"Move the case to {stage}.")).to_be_visible()
        form.get_by_label("Note").fill(f"Browser test: {stage.lower()}")
        if stage.startswith("Closed"):
            choose(
                page, form.get_by_role("combobox", name="Score (1–5)", exact=True), "4 · satisfied"
            )
        form.get_by_role("button", name="Save stage").click()
        wait_idle(page)
        expect(page.get_by_text("Case updated.")).to_be_visible()
        _no_exception(page)
    if not panel.get_by_text("Satisfaction after resolution: 4 / 5").count():
        choose(page, panel.get_by_role("combobox", name="Status", exact=True), "All")
        choose(
            page,
            panel.get_by_role("combobox", name="Complaint case", exact=True),
            case_label.strip(),
        )
    expect(panel.get_by_text("Satisfaction after resolution: 4 / 5")).to_be_visible()
    # The timeline (a grid drawn on a canvas) and the audit log hold each step, with its note.
    engine = make_engine(server_database)
    with engine.connect() as conn:
        complaint = conn.execute(
            select(Complaint.id, Complaint.stage, Complaint.feedback_score)
            .join(Customer, Customer.id == Complaint.customer_id)
            .where(Customer.external_id == customer)
            .order_by(Complaint.id.desc())
        ).first()
        notes = (
            conn.execute(
                select(ComplaintCaseEvent.note)
                .where(ComplaintCaseEvent.complaint_id == complaint.id)
                .order_by(ComplaintCaseEvent.id)
            )
            .scalars()
            .all()
        )
        audited = conn.execute(
            select(func.count(AuditLog.id)).where(
                AuditLog.object_type == "complaint",
                AuditLog.object_id == str(complaint.id),
                AuditLog.username == "risk",
            )
        ).scalar_one()
    engine.dispose()
    assert (complaint.stage, complaint.feedback_score) == ("closed", 4)
    assert [n for n in notes if n] == [f"Browser test: {s.lower()}" for s in stages]
    assert audited == len(stages)
    screenshot(page, "risk_complaint_case_closed")
