"""The data-quality page in a real browser: every section draws, a check run from the UI."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in, open_page, screenshot, wait_idle

pytestmark = pytest.mark.e2e
TABS = ("Scorecard", "Trend", "Rules", "Duplicates", "Silos")


def test_every_section_draws_and_an_analyst_runs_the_checks(page: Page, server: str):
    log_in(page, server, "analyst")
    open_page(page, "Data quality")
    expect(page.get_by_role("heading", name="How good is our customer data?")).to_be_visible(
        timeout=60_000
    )
    for tab in TABS:
        page.get_by_role("tab", name=tab).click()
        wait_idle(page)
        expect(page.locator("[data-testid='stException']")).to_have_count(0)
        panel = page.get_by_role("tabpanel", name=tab)
        if tab in ("Scorecard", "Trend", "Silos"):
            expect(panel.locator("[data-testid='stPlotlyChart'] .main-svg").first).to_be_visible()
        elif tab == "Duplicates":  # no search has run on this database yet
            expect(panel.get_by_text("Search for duplicate customers")).to_be_visible()
        else:
            expect(panel.locator("[data-testid='stDataFrame']").first).to_be_visible()
        screenshot(page, f"analyst_dq_{tab.lower()}")
    silos = page.get_by_role("tabpanel", name="Silos")
    expect(silos.get_by_text(re.compile(r"Showing \d+ of [\d,]+ failing rows"))).to_be_visible()
    page.get_by_role("button", name="Run checks now").click()
    expect(page.get_by_text(re.compile(r"Check run #\d+ finished"))).to_be_visible(timeout=60_000)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_executive_sees_scores_without_records(page: Page, server: str):
    log_in(page, server, "exec")
    open_page(page, "Data quality")
    expect(page.get_by_text("Overall score")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name="Run checks now")).to_have_count(0)
    page.get_by_role("tab", name="Duplicates").click()
    wait_idle(page)
    expect(page.get_by_text("this view shows scores only").first).to_be_visible()


def test_an_analyst_searches_for_duplicates_and_compares_a_pair(page: Page, server: str):
    """Issue 15: the search runs from the page, the most likely pairs come first, and a
    selected pair opens side by side with each field's weight (no merge here: the shared
    database keeps its customers; the AppTest suite merges and undoes)."""
    log_in(page, server, "analyst")
    open_page(page, "Data quality")
    page.get_by_role("tab", name="Duplicates").click()
    wait_idle(page)
    panel = page.get_by_role("tabpanel", name="Duplicates")
    panel.get_by_text("Search for duplicate customers").click()
    panel.get_by_role("button", name="Search now").click()
    expect(page.get_by_text(re.compile(r"Duplicate search #\d+ finished"))).to_be_visible(
        timeout=180_000
    )
    wait_idle(page)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    grid = panel.locator("[data-testid='stDataFrame']").first
    expect(grid).to_be_visible()
    picker = panel.get_by_label("Compare a pair")
    picker.click()
    if not page.get_by_role("option").count():  # the first click only focused it
        picker.press("ArrowDown")
    page.get_by_role("option").first.click()
    wait_idle(page)
    expect(panel.get_by_text("The two records side by side")).to_be_visible()
    expect(panel.get_by_text(re.compile(r"match weight"))).to_be_visible()
    expect(panel.get_by_role("button", name="Same customer — merge")).to_be_visible()
    screenshot(page, "analyst_dq_duplicate_pair")
