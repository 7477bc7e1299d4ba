"""The risk register in a real browser: matrix click filters the table, an edit end to end,
and a screenshot of each view."""

import re

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.conftest import log_in, open_page, screenshot, wait_idle

pytestmark = pytest.mark.e2e


def _open_register(page: Page, server: str, user: str) -> None:
    log_in(page, server, user)
    open_page(page, "Risk register")
    expect(page.get_by_role("heading", name="Which risks need action?")).to_be_visible(
        timeout=60_000
    )
    wait_idle(page)


def _counts(page: Page) -> tuple[int, int]:
    text = page.get_by_text(re.compile(r"of \d+ risks")).first.inner_text()
    shown, total = re.search(r"(\d+) of (\d+) risks", text).groups()
    return int(shown), int(total)


def test_clicking_a_matrix_cell_filters_the_register(page: Page, server: str):
    _open_register(page, server, "exec")
    shown, total = _counts(page)
    assert shown == total
    matrix = page.locator("[data-testid='stPlotlyChart']").first
    cell = matrix.locator("g.textpoint text").filter(has_text=re.compile(r"^\d+$")).first
    expected = int(cell.text_content())
    matrix.scroll_into_view_if_needed()
    page.wait_for_timeout(2000)  # let plotly finish its first layout before aiming
    box = cell.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)  # plotly needs the hover before the click
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    expect(page.get_by_text(re.compile("Showing current likelihood", re.IGNORECASE))).to_be_visible(
        timeout=20_000
    )
    wait_idle(page)
    assert _counts(page) == (expected, total)
    screenshot(page, "exec_register_cell_filter")
    page.get_by_role("tab", name="Appetite").click()  # nothing else on the page broke
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_trends_and_appetite_tabs_draw_charts(page: Page, server: str):
    _open_register(page, server, "risk")
    screenshot(page, "risk_register")
    page.get_by_role("tab", name="Trends").click()
    wait_idle(page)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    screenshot(page, "risk_register_trends")
    page.get_by_role("tab", name="Appetite").click()
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"Breaches: \d+ open risks above appetite"))).to_be_visible()
    screenshot(page, "risk_register_appetite")


def test_risk_manager_edits_a_risk_end_to_end(page: Page, server: str):
    _open_register(page, server, "risk")
    # Record a new risk through the form.
    page.get_by_text("Record a new risk").click()
    page.get_by_label("Risk", exact=True).fill("Partner portal leaks order history")
    page.get_by_label("Owner", exact=True).first.fill("Zhao Lei")
    page.keyboard.press("Tab")  # commit the field now: its rerun would close the dropdown
    wait_idle(page)
    category = page.locator("[data-testid='stExpander']").get_by_label("Category")
    option = page.get_by_role("option", name=re.compile("^SEC"))
    for _ in range(3):  # a late rerun can still close the list: open it again
        category.click()
        try:
            option.click(timeout=10_000)
            break
        except PlaywrightTimeoutError:
            wait_idle(page)
    else:
        raise AssertionError("the category list did not open")
    page.get_by_role("button", name="Record risk").click()
    wait_idle(page)
    expect(page.get_by_text("Risk recorded.")).to_be_visible()
    # Open it through the "Open a risk" picker.
    page.get_by_label("Open a risk").click()
    page.keyboard.type("Partner portal")
    page.get_by_role("option", name=re.compile("Partner portal leaks")).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=re.compile("Partner portal leaks"))).to_be_visible()
    # Record a review and close it.
    page.get_by_role("tab", name="Record review").click()
    page.get_by_label("Review note").fill("Pen test booked")
    page.get_by_role("button", name="Record review").click()
    wait_idle(page)
    expect(page.get_by_text("Saved.")).to_be_visible()
    page.get_by_role("tab", name="Incident / close").click()
    page.get_by_role("button", name="Close risk").click()
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"Status: \*?\*?Closed|Status: Closed"))).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    screenshot(page, "risk_register_detail_closed")
