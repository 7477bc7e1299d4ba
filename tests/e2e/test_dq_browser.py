"""The data-quality page in a real browser: every section draws, a check run from the UI."""

import re

import pandas as pd
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


def test_a_region_scoped_download_holds_only_that_region_with_masked_pii(page: Page, server: str):
    log_in(page, server, "risk_east")
    open_page(page, "Data quality")
    page.get_by_role("tab", name="Duplicates").click()
    wait_idle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile(r"Download these [\d,]+ rows")).click()
    rows = pd.read_csv(download.value.path(), encoding="utf-8-sig")
    assert len(rows) > 0
    assert set(rows["region"]) == {"East"}
    assert rows["email"].dropna().str.contains(r"\*\*\*@").all()  # masked for the role
