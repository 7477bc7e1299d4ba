"""The churn and credit page in a real browser: every section draws, screenshots."""

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
