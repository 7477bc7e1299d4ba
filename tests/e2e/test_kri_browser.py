"""KRIs and response plans on the register page in a real browser (issue 17): a risk manager
defines a KRI whose thresholds make it red, finds it red in the register and among the
overview's "needs attention", edits it to green (a new version); and records a drill of a
response plan."""

import re
import uuid

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from data_access.db import make_engine
from data_access.models import (
    AuditLog,
    KeyRiskIndicator,
    KriValue,
    KriVersion,
    ResponsePlan,
    ResponsePlanDrill,
)
from tests.e2e.conftest import choose, log_in, open_page, open_tab, screenshot, wait_idle

pytestmark = pytest.mark.e2e

RISK = "R-012"  # Service quality gap in the Consumer segment (all regions)


def _no_exception(page: Page) -> None:
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def _open_expander(page: Page, scope: Locator, label: str, inside: Locator) -> None:
    """Open the expander `label` until `inside` (something in it) shows."""
    for _ in range(3):
        if inside.count() and inside.first.is_visible():
            return
        scope.get_by_text(label, exact=True).first.click()
        page.wait_for_timeout(300)
        wait_idle(page)
    expect(inside.first).to_be_visible()


def _thresholds(form: Locator, amber: str, red: str) -> None:
    for name, value in (("Amber threshold", amber), ("Red threshold", red)):
        box = form.get_by_role("spinbutton", name=name, exact=True)
        box.fill(value)
        box.press("Tab")


def _kri_rows(server_database: str, name: str) -> tuple:
    """The KRI named `name`: its row, its versions' numbers and its latest state."""
    engine = make_engine(server_database)
    with engine.connect() as conn:
        kri = conn.execute(
            select(KeyRiskIndicator.id, KeyRiskIndicator.version, KeyRiskIndicator.status).where(
                KeyRiskIndicator.name == name
            )
        ).one()
        versions = (
            conn.execute(
                select(KriVersion.version)
                .where(KriVersion.kri_id == kri.id)
                .order_by(KriVersion.version)
            )
            .scalars()
            .all()
        )
        latest = conn.execute(
            select(KriValue.period_month, KriValue.value, KriValue.state)
            .where(KriValue.kri_id == kri.id, KriValue.state != "insufficient")
            .order_by(KriValue.period_month.desc())
        ).first()
        audited = (
            conn.execute(
                select(AuditLog.action)
                .where(AuditLog.object_type == "kri", AuditLog.object_id == str(kri.id))
                .order_by(AuditLog.id)
            )
            .scalars()
            .all()
        )
    engine.dispose()
    return kri, versions, latest, audited


def test_a_red_kri_is_defined_seen_and_edited_to_green(
    page: Page, server: str, server_database: str
):
    name = f"CSAT all customers e2e {uuid.uuid4().hex[:6]}"
    log_in(page, server, "risk")
    open_page(page, "Risk register")
    panel = open_tab(page, "KRIs")
    form = panel.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Define KRI", exact=True)
    )
    _open_expander(page, panel, "Define a KRI", form.get_by_role("textbox", name="Name"))
    form.get_by_role("textbox", name="Name", exact=True).fill(name)
    choose(
        page,
        form.get_by_role("combobox", name="Linked risk", exact=True),
        re.compile(f"^{RISK} "),
        RISK,
    )
    choose(page, form.get_by_role("combobox", name="Metric", exact=True), "CSAT top-2-box share")
    choose(page, form.get_by_role("combobox", name="Direction", exact=True), "Lower is worse")
    # Lower is worse: amber above red; a top-2-box share under 98% is red.
    _thresholds(form, "0.99", "0.98")
    form.get_by_role("button", name="Define KRI", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("KRI defined; its last 12 months are computed.")).to_be_visible()
    _no_exception(page)

    kri, versions, latest, audited = _kri_rows(server_database, name)
    assert (kri.version, kri.status, versions) == (1, "active", [1])
    assert latest is not None and latest.state == "red" and latest.value < 0.98, latest
    assert audited.count("kri_defined") == 1, audited

    # The list is a grid drawn on a canvas: the picker names it; its panel shows the chart.
    panel = open_tab(page, "KRIs")
    choose(
        page,
        panel.get_by_role("combobox", name="Open a KRI", exact=True),
        f"{name} · {RISK} · Active",
    )
    expect(panel.get_by_role("heading", name=name)).to_be_visible()
    _no_exception(page)
    screenshot(page, "risk_register_kri_red")

    # The risk's detail lists the KRI with its red state.
    page.goto(f"{server}/risk-register?risk={RISK}")
    wait_idle(page)
    wait_idle(page)
    kri_line = page.get_by_text(re.compile(rf"^{re.escape(name)} · All"))
    expect(kri_line).to_be_visible()
    expect(kri_line).to_contain_text("red")

    # The overview's "needs attention" lists the first seven items and the rest in a "more
    # items" expander; a red KRI ranks below the risks above appetite, so it may be there.
    open_page(page, "Overview")
    said = page.get_by_text(f"KRI “{name}” is red").first
    expect(said).to_be_attached()
    if not said.is_visible():
        more = page.get_by_test_id("stExpander").filter(has_text=re.compile(r"\d+ more items"))
        more.locator("summary").first.click()
        wait_idle(page)
    said.scroll_into_view_if_needed()
    expect(said).to_be_visible()
    screenshot(page, "risk_overview_attention_kri")
    _no_exception(page)

    # Edit the thresholds so it turns green: version 2, two saved versions.
    open_page(page, "Risk register")
    panel = open_tab(page, "KRIs")
    box = panel.get_by_role("combobox", name="Open a KRI", exact=True)
    if name not in (box.input_value() or ""):
        choose(page, box, f"{name} · {RISK} · Active")
    form = panel.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Save changes", exact=True)
    )
    _open_expander(page, panel, "Edit this KRI (version 1)", form.get_by_role("spinbutton"))
    _thresholds(form, "0.10", "0.05")
    form.get_by_role("button", name="Save changes", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("KRI changed; its last 12 months are recomputed.")).to_be_visible()
    _no_exception(page)

    kri, versions, latest, audited = _kri_rows(server_database, name)
    assert (kri.version, kri.status, versions) == (2, "active", [1, 2])
    assert latest.state == "green" and latest.value > 0.10, latest
    assert audited.count("kri_defined") == 1 and audited.count("kri_edited") == 1, audited


def _drills_audited(server_database: str) -> int:
    engine = make_engine(server_database)
    with engine.connect() as conn:
        count = conn.execute(
            select(func.count(AuditLog.id)).where(
                AuditLog.username == "risk",
                AuditLog.action == "response_plan_drill",
                AuditLog.object_type == "response_plan",
                AuditLog.object_id == "SAT",
            )
        ).scalar_one()
    engine.dispose()
    return count


def test_a_drill_of_a_response_plan_is_recorded(page: Page, server: str, server_database: str):
    findings = f"Call tree reached everyone within 20 minutes ({uuid.uuid4().hex[:6]})"
    drills_audited_before = _drills_audited(server_database)
    log_in(page, server, "risk")
    open_page(page, "Risk register")
    panel = open_tab(page, "Response plans")
    choose(page, panel.get_by_role("combobox", name="Open a plan", exact=True), re.compile("^SAT"))
    form = panel.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Record drill", exact=True)
    )
    _open_expander(page, panel, "Record a drill", form.get_by_role("textbox", name="Findings"))
    choose(page, form.get_by_role("combobox", name="Result", exact=True), "Passed")
    form.get_by_role("textbox", name="Findings", exact=True).fill(findings)
    form.get_by_role("button", name="Record drill", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Drill of the SAT plan recorded.")).to_be_visible()
    _no_exception(page)
    screenshot(page, "risk_register_plan_drill")

    engine = make_engine(server_database)
    with engine.connect() as conn:
        drill = conn.execute(
            select(
                ResponsePlanDrill.result,
                ResponsePlanDrill.recorded_by,
                ResponsePlanDrill.drilled_on,
                ResponsePlanDrill.plan_version,
                ResponsePlan.version,
                ResponsePlan.category,
            )
            .join(ResponsePlan, ResponsePlan.id == ResponsePlanDrill.plan_id)
            .where(ResponsePlanDrill.findings == findings)
        ).one()
    engine.dispose()
    assert (drill.result, drill.recorded_by, drill.category) == ("passed", "risk", "SAT")
    assert drill.plan_version == drill.version
    assert _drills_audited(server_database) == drills_audited_before + 1
