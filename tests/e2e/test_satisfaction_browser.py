"""The satisfaction page in a real browser: every section draws, a bar click focuses the whole
page (and the URL), a complaint-volume click opens those records, and a shared link with a
focus reproduces the view."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import log_in, open_page, screenshot, wait_idle

pytestmark = pytest.mark.e2e
TABS = ("Trends", "Breakdown", "Early warning", "Complaints", "Verbatims")


def _open(page: Page, server: str, user: str) -> None:
    log_in(page, server, user)
    open_page(page, "Satisfaction & complaints")
    expect(page.get_by_role("heading", name="Where is satisfaction falling?")).to_be_visible(
        timeout=60_000
    )
    wait_idle(page)


def _click_bar(page: Page, chart: Locator) -> None:
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(2000)  # let plotly finish its first layout before aiming
    bar = chart.locator("g.trace.bars g.point path").first
    box = bar.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)  # plotly needs the hover before the click
    page.wait_for_timeout(300)
    page.mouse.click(x, y)


def test_every_section_draws_for_a_risk_manager(page: Page, server: str):
    _open(page, server, "risk")
    for tab in TABS:
        page.get_by_role("tab", name=tab).click()
        wait_idle(page)
        expect(page.locator("[data-testid='stException']")).to_have_count(0)
        panel = page.get_by_role("tabpanel", name=tab)
        if tab in ("Trends", "Breakdown", "Complaints"):
            expect(panel.locator("[data-testid='stPlotlyChart']").first).to_be_visible()
            expect(panel.locator(".main-svg").first).to_be_visible()
        if tab in ("Early warning", "Verbatims"):
            expect(panel.locator("[data-testid='stDataFrame']").first).to_be_visible()
        screenshot(page, f"risk_satisfaction_{tab.lower().replace(' ', '_')}")


def test_clicking_a_breakdown_bar_focuses_the_page_and_the_url(page: Page, server: str):
    _open(page, server, "exec")
    page.get_by_role("tab", name="Breakdown").click()
    wait_idle(page)
    chart = page.get_by_role("tabpanel", name="Breakdown").locator("[data-testid='stPlotlyChart']")
    _click_bar(page, chart.first)
    expect(page.get_by_text(re.compile(r"Focused on Region: \w+"))).to_be_visible(timeout=30_000)
    wait_idle(page)
    assert re.search(r"focus=region(%3A|:)\w+", page.url), page.url
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    screenshot(page, "exec_satisfaction_focused")
    page.get_by_role("button", name="Show all").click()
    expect(page.get_by_text(re.compile(r"Focused on"))).to_have_count(0, timeout=30_000)
    assert "focus=" not in page.url


def test_a_shared_link_with_a_focus_opens_the_focused_view(page: Page, server: str):
    log_in(page, server, "risk")
    page.goto(f"{server}/satisfaction?focus=tier:VIP&months=6")
    wait_idle(page)
    expect(page.get_by_text("Focused on Tier: VIP")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="Where is satisfaction falling?")).to_be_visible()


def _listed(panel: Locator) -> int:
    text = panel.get_by_text(re.compile(r"Showing \d+ of [\d,]+ complaints")).inner_text()
    return int(re.search(r"of ([\d,]+) complaints", text).group(1).replace(",", ""))


def test_clicking_complaint_volume_lists_those_complaints(page: Page, server: str):
    _open(page, server, "risk")
    page.get_by_role("tab", name="Complaints").click()
    wait_idle(page)
    panel = page.get_by_role("tabpanel", name="Complaints")
    everything = _listed(panel)
    _click_bar(page, panel.locator("[data-testid='stPlotlyChart']").first)
    expect(panel.get_by_text(f"of {everything:,} complaints")).to_have_count(0, timeout=30_000)
    wait_idle(page)
    assert 0 < _listed(panel) < everything
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    screenshot(page, "risk_satisfaction_complaint_drill")
