"""The churn and credit page in a real browser: every section draws, screenshots."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in, open_page, screenshot, wait_idle

pytestmark = pytest.mark.e2e
TABS = ("Cohorts", "Churn trend", "Survival", "Reasons", "At-risk customers", "Credit exposure")


def test_every_section_draws_for_an_analyst(page: Page, server: str):
    log_in(page, server, "analyst")
    open_page(page, "Churn & credit")
    expect(
        page.get_by_role("heading", name="Where are customers and money leaking?")
    ).to_be_visible(timeout=60_000)
    for tab in TABS:
        page.get_by_role("tab", name=tab).click()
        wait_idle(page)
        expect(page.locator("[data-testid='stException']")).to_have_count(0)
        panel = page.get_by_role("tabpanel", name=tab)
        if tab != "At-risk customers":
            expect(panel.locator("[data-testid='stPlotlyChart'] .main-svg").first).to_be_visible()
        else:
            expect(panel.get_by_text("Hold-out AUC")).to_be_visible()
            expect(panel.locator("[data-testid='stDataFrame']").first).to_be_visible()
        screenshot(page, f"analyst_churn_{tab.lower().replace(' ', '_').replace('-', '_')}")


def test_clicking_a_cohort_cell_lists_its_customers(page: Page, server: str):
    log_in(page, server, "risk")
    open_page(page, "Churn & credit")
    panel = page.get_by_role("tabpanel", name="Cohorts")
    chart = panel.locator("[data-testid='stPlotlyChart']").first
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(2000)  # let plotly finish its first layout before aiming
    cell = chart.locator("g.trace.scatter path.point").nth(3)  # oldest cohort, month 3
    box = cell.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)  # plotly needs the hover before the click
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    which = panel.get_by_role("combobox", name="Which customers")
    expect(which).to_have_value("Left by the end of month 3", timeout=30_000)
    wait_idle(page)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    expect(panel.get_by_text(re.compile(r"Showing \d+ of [\d,]+ customers"))).to_be_visible()
    screenshot(page, "risk_churn_cohort_drill")


def test_a_link_with_the_activity_basis_opens_in_it(page: Page, server: str):
    """Issue 13: the churn definition is part of the view: a link carrying churn=activity
    opens the page on that definition, says so, and draws the activity cohort matrix."""
    log_in(page, server, "analyst")
    page.goto(f"{server}/churn?churn=activity&end=2026-09&months=6")
    wait_idle(page)
    expect(page.get_by_text(re.compile("lost = no purchase for 90 days")).first).to_be_visible(
        timeout=60_000
    )
    panel = page.get_by_role("tabpanel", name="Cohorts")
    panel.get_by_role("radio", name="Activity retention").click()
    wait_idle(page)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    expect(panel.get_by_text(re.compile("^Activity retention:"))).to_be_visible()
    screenshot(page, "analyst_churn_activity_cohorts")
    page.get_by_role("tab", name="At-risk customers").click()
    wait_idle(page)
    risk = page.get_by_role("tabpanel", name="At-risk customers")
    expect(risk.locator("[data-testid='stPlotlyChart'] .main-svg").first).to_be_visible()
    screenshot(page, "analyst_churn_activity_model")
    assert "churn=activity" in page.url
