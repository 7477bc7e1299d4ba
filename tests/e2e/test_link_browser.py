"""The whole view in the link, in Chromium (issue 16): a view set up by clicks — filters,
tab, split, cohort drill — is copied from the address bar and opened in a fresh browser
context (no cookie: through the login form); the same view comes back. A region-scoped user
opening a link that names another region sees nothing of it and is told."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PASSWORD, log_in, open_page, screenshot, wait_idle

pytestmark = pytest.mark.e2e


def _selected_tab(page: Page) -> str:
    return page.locator("[role='tab'][aria-selected='true']").first.inner_text().strip()


def _fresh_page(browser: Browser, url: str, username: str) -> Page:
    """A new context (no cookie) opening `url`: the login form answers on it; logging in
    shows the linked view."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    fresh = context.new_page()
    fresh.set_default_timeout(30_000)
    fresh.goto(url)
    fresh.get_by_label("Username", exact=True).fill(username)
    fresh.get_by_label("Password", exact=True).fill(PASSWORD)
    fresh.get_by_role("button", name="Log in").click()
    expect(fresh.get_by_role("button", name="Log out")).to_be_visible(timeout=60_000)
    wait_idle(fresh)
    return fresh


def test_a_copied_churn_link_reopens_the_same_view(page: Page, server: str, browser: Browser):
    log_in(page, server, "analyst")
    open_page(page, "Churn & credit")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("radio", name="6 month(s)").click()
    wait_idle(page)
    page.get_by_role("radio", name="Segment", exact=True).first.click()
    wait_idle(page)
    page.get_by_role("tab", name="Survival").click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"churn_tab=Survival"))
    url = page.url
    assert "months=6" in url and "split=Segment" in url, url

    fresh = _fresh_page(browser, url, "analyst")
    try:
        expect(fresh).to_have_url(re.compile(r"/churn\?"))
        assert _selected_tab(fresh) == "Survival"
        expect(fresh.get_by_role("radio", name="Segment", exact=True).first).to_be_checked()
        sidebar = fresh.get_by_test_id("stSidebar")
        expect(sidebar.get_by_role("radio", name="6 month(s)")).to_be_checked()
        expect(fresh.locator("[data-testid='stException']")).to_have_count(0)
        screenshot(fresh, "link_churn_reopened")
    finally:
        fresh.context.close()


def test_a_scoped_user_opening_a_link_to_another_region_is_told(
    page: Page, server: str, browser: Browser
):
    fresh = _fresh_page(browser, f"{server}/risk-register?region=West&risk=R-027", "risk_east")
    try:
        expect(fresh.get_by_text(re.compile("outside your region scope")).first).to_be_visible()
        expect(fresh.get_by_text(re.compile("The linked risk R-027"))).to_have_count(1)
        expect(fresh).not_to_have_url(re.compile(r"region=West"))
        expect(fresh.locator("[data-testid='stException']")).to_have_count(0)
        screenshot(fresh, "link_scoped_other_region")
    finally:
        fresh.context.close()
