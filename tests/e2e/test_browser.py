"""What only a browser shows: login and cookie, navigation, charts drawn, no exception box."""

import pytest
from playwright.sync_api import Page, expect

from components.i18n import CATALOG
from components.navigation import PAGES
from data_access.security import can
from demo.users import DEMO_USERS
from tests.e2e.conftest import (
    LOCKOUT_USER,
    log_in,
    open_page,
    screenshot,
    submit_login,
    wait_for_cookie,
    wait_idle,
)

pytestmark = pytest.mark.e2e

# Pages of forms and tables, without a chart (the incidents page draws one for an opened
# incident only: tests/e2e/test_incidents_browser.py).
FORM_PAGES = {"import", "admin", "incidents"}
ROLES = {username: role for username, _name, role, _scope in DEMO_USERS}


def _assert_healthy_page_with_chart(page: Page) -> None:
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    charts = page.locator("[data-testid='stPlotlyChart'] .js-plotly-plot")
    expect(charts.first).to_be_visible(timeout=30_000)
    # A drawn plotly chart has at least one trace in its SVG.
    expect(charts.first.locator("g.trace, g.hm").first).to_be_attached()  # hm = heatmap


@pytest.mark.parametrize("username", list(ROLES))
def test_each_user_visits_each_allowed_page(page: Page, server: str, username: str):
    log_in(page, server, username)
    expect(page.get_by_role("heading", name="What needs attention today?")).to_be_visible()
    nav = page.locator("[data-testid='stSidebarNavLink']")
    allowed = [p for p in PAGES if can(ROLES[username], p.permission)]
    # Streamlit hides the menu when a role has a single page.
    expect(nav).to_have_count(len(allowed) if len(allowed) > 1 else 0)
    for spec in allowed:
        if len(allowed) > 1:
            open_page(page, CATALOG[spec.title_key]["en"])
        if spec.url_path in FORM_PAGES:
            expect(page.locator("[data-testid='stException']")).to_have_count(0)
            expect(page.locator("h1").first).to_be_visible()
        else:
            _assert_healthy_page_with_chart(page)
        screenshot(page, f"{username}_{spec.url_path}")
    for spec in PAGES:
        if spec not in allowed:
            expect(nav.filter(has_text=CATALOG[spec.title_key]["en"])).to_have_count(0)


def test_cookie_keeps_the_user_logged_in_after_reload(page: Page, server: str):
    log_in(page, server, "exec")
    expect(page.get_by_role("heading", name="What needs attention today?")).to_be_visible()
    page.reload()
    wait_idle(page)
    expect(page.get_by_role("heading", name="What needs attention today?")).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_have_count(0)


def test_logout_clears_the_session(page: Page, server: str):
    log_in(page, server, "analyst")
    page.get_by_role("button", name="Log out").click()
    wait_idle(page)
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    wait_for_cookie(page, present=False)
    page.reload()
    wait_idle(page)
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    expect(page.locator("[data-testid='stMetric']")).to_have_count(0)


REFUSED = "Not logged in: the username or password is wrong"


def test_five_wrong_passwords_lock_the_account(page: Page, server: str):
    for _ in range(5):
        submit_login(page, server, LOCKOUT_USER, "wrong-password")
        # One message for every refusal: no count of attempts left, nothing that tells
        # an existing user name from an unknown one.
        expect(page.get_by_text(REFUSED)).to_be_visible()
        expect(page.get_by_text("attempt")).to_have_count(0)
    screenshot(page, "login_refused")
    # Even the right password is refused while the lock lasts.
    submit_login(page, server, LOCKOUT_USER)
    expect(page.get_by_text(REFUSED)).to_be_visible()
    expect(page.locator("[data-testid='stMetric']")).to_have_count(0)


@pytest.mark.parametrize("path", ["overview", "audit-log", "overview?region=West&months=12"])
def test_logged_out_direct_url_shows_login_and_no_data(page: Page, server: str, path: str):
    page.goto(f"{server}/{path}")
    wait_idle(page)
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    expect(page.locator("[data-testid='stMetric']")).to_have_count(0)
    expect(page.locator("[data-testid='stPlotlyChart']")).to_have_count(0)
    expect(page.locator("[data-testid='stDataFrame']")).to_have_count(0)


def test_non_admin_direct_url_to_audit_log_gets_no_audit_data(page: Page, server: str):
    log_in(page, server, "risk")
    page.goto(f"{server}/audit-log")
    wait_idle(page)
    expect(page.get_by_text("Signed in as")).to_be_visible()
    expect(page.get_by_text("Who did what")).to_have_count(0)
    expect(page.locator("[data-testid='stDataFrame']")).to_have_count(0)


def test_filters_round_trip_through_the_url(page: Page, server: str):
    log_in(page, server, "exec")
    page.goto(f"{server}/overview?end=2026-09&months=6&region=East&tier=VIP")
    wait_idle(page)
    expect(page.get_by_text("region East")).to_be_visible()
    expect(page.get_by_text("tier VIP")).to_be_visible()
    assert "region=East" in page.url and "months=6" in page.url
    screenshot(page, "exec_overview_east_vip")
