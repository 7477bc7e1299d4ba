"""Administration in a real browser: an admin creates a scoped user who then sees only their
region; a locked-out user is unlocked by the admin."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    PASSWORD,
    log_in,
    open_page,
    screenshot,
    submit_login,
    wait_for_cookie,
    wait_idle,
)

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "west-manager-2026"


def _admin_page(page: Page, server: str) -> None:
    log_in(page, server, "admin")
    open_page(page, "Administration")
    expect(page.get_by_role("heading", name=re.compile("Who may see what"))).to_be_visible()


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    wait_idle(page)
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    wait_for_cookie(page, present=False)


def test_admin_creates_a_user_who_sees_only_their_region(page: Page, server: str):
    _admin_page(page, server)
    form = page.get_by_test_id("stForm").filter(has_text="Create a user")
    form.get_by_label("User name").fill("west_mgr")
    form.get_by_label("Full name").fill("Sun Li (West)")
    form.get_by_label("E-mail").fill("sun.li@example.com")
    form.get_by_label("Role").click()
    page.get_by_role("option", name="Risk manager").click()
    form.get_by_label("Region scope").click()
    page.get_by_role("option", name="West", exact=True).click()
    form.get_by_role("textbox", name="Initial password").fill("short")
    form.get_by_role("button", name="Create user").click()
    wait_idle(page)
    expect(page.get_by_text(re.compile("at least 12 characters"))).to_be_visible()
    form.get_by_role("textbox", name="Initial password").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Create user").click()
    expect(page.get_by_text("User west_mgr created.")).to_be_visible(timeout=30_000)
    screenshot(page, "admin_users")
    _log_out(page)
    log_in(page, server, "west_mgr", NEW_PASSWORD)
    expect(page.get_by_text("Region scope: West")).to_be_visible()
    # The sidebar scrolls to reach the filter (it is longer for a scoped user: the scope line,
    # the saved decks); a click made while it scrolls misses the box.
    region = page.get_by_label("Region", exact=True)
    region.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    region.click()
    options = page.get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_text("West")
    page.keyboard.press("Escape")
    expect(
        page.locator("[data-testid='stSidebarNavLink']", has_text="Administration")
    ).to_have_count(0)


def test_admin_unlocks_a_locked_account(page: Page, server: str):
    for _ in range(5):
        submit_login(page, server, "exec", "not the password")
        # wait for each refusal, so no submit is lost to a rerun
        expect(page.get_by_text("Not logged in:")).to_be_visible()
    submit_login(page, server, "exec", PASSWORD)  # locked: the right password is refused too
    expect(page.get_by_text("Not logged in:")).to_be_visible()
    _admin_page(page, server)
    page.get_by_label("User to manage", exact=True).click()
    page.keyboard.type("exec")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_text("exec is unlocked.")).to_be_visible(timeout=30_000)
    _log_out(page)
    log_in(page, server, "exec", PASSWORD)
    expect(page.get_by_role("heading", name="What needs attention today?")).to_be_visible()
