"""Issue 11 in a real browser: two browsers saving the same risk, cookies that must stop
working (captured before a password reset or a logout, or forged with alg 'none'), user text
that must not make the browser fetch anything, and table downloads that carry no formula."""

import base64
import csv
import io
import json
import re
import time

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from data_access import user_admin
from data_access.models import AuditLog, Risk, User
from data_access.security import Viewer
from data_access.users import create_user
from tests.e2e.conftest import (
    BEACON_TITLE,
    FORMULA_TITLE,
    PASSWORD,
    TWO_EDITORS_TITLE,
    log_in,
    open_page,
    screenshot,
    wait_idle,
)

pytestmark = pytest.mark.e2e

ADMIN = Viewer("admin", "admin")
COOKIE = "crm_risk_auth"


def _context_page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def _code(engine, title: str) -> str:
    """The code of a risk the server fixture recorded before the server started."""
    with engine.connect() as conn:
        return conn.execute(select(Risk.code).where(Risk.title == title)).scalar_one()


def _open_risk(page: Page, server: str, user: str, code: str) -> None:
    log_in(page, server, user)
    open_page(page, "Risk register")
    page.get_by_label("Open a risk").click()
    page.keyboard.type(code)
    page.get_by_role("option", name=re.compile(f"^{code} ")).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=re.compile(code))).to_be_visible()


def _edit_title(page: Page):
    """The title box of the Edit tab (hidden boxes of other tabs and the collapsed new-risk
    form do not count: role locators see only what is shown)."""
    page.get_by_role("tab", name="Edit", exact=True).click()
    wait_idle(page)  # the tabs rerun the page to remember the open one
    return page.get_by_role("textbox", name="Risk", exact=True)


def _save(page: Page) -> None:
    page.get_by_role("button", name="Save", exact=True).click()
    wait_idle(page)


def test_two_browsers_saving_one_risk_the_second_is_refused(
    browser: Browser, server: str, server_engine
):
    code = _code(server_engine, TWO_EDITORS_TITLE)
    first, second = _context_page(browser), _context_page(browser)
    try:
        _open_risk(first, server, "risk", code)
        _open_risk(second, server, "risk", code)
        _edit_title(first).fill("Saved in the first browser")
        _save(first)
        expect(first.get_by_text("Saved.")).to_be_visible()

        title = _edit_title(second)
        title.fill("Typed in the second browser")
        _save(second)
        refused = second.get_by_text(re.compile("Not saved: someone else changed this"))
        expect(refused).to_be_visible()
        expect(title).to_have_value("Typed in the second browser")
        expect(second.get_by_role("button", name="Load the latest version")).to_be_visible()
        screenshot(second, "register_stale_edit_refused")
        with server_engine.connect() as conn:
            title = conn.execute(select(Risk.title).where(Risk.code == code)).scalar_one()
        assert title == "Saved in the first browser"
    finally:
        first.context.close()
        second.context.close()


def _fresh_user(engine, username: str) -> None:
    with engine.begin() as conn:
        create_user(conn, username, username, f"{username}@example.com", PASSWORD, "analyst")


def _copy_cookie_into_new_browser(browser: Browser, page: Page, server: str) -> Page:
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE)
    other = _context_page(browser)
    other.context.add_cookies([cookie])
    other.goto(server)
    wait_idle(other)
    return other


def test_a_cookie_captured_before_a_password_reset_no_longer_logs_in(
    browser: Browser, page: Page, server: str, server_engine
):
    _fresh_user(server_engine, "cookie_reset")
    log_in(page, server, "cookie_reset")
    # The captured cookie works in another browser before the reset...
    copy = _copy_cookie_into_new_browser(browser, page, server)
    expect(copy.get_by_role("button", name="Log out")).to_be_visible()
    copy.context.close()
    with server_engine.connect() as conn:
        version = conn.execute(select(User.version).where(User.username == "cookie_reset")).scalar()
    user_admin.reset_password(server_engine, ADMIN, "cookie_reset", "a brand new secret", version)
    # ... and not after it.
    copy = _copy_cookie_into_new_browser(browser, page, server)
    try:
        expect(copy.get_by_label("Password", exact=True)).to_be_visible()
        expect(copy.locator("[data-testid='stMetric']")).to_have_count(0)
    finally:
        copy.context.close()
    # The tab that is still open ends at its next interaction, with a message.
    page.locator("[data-testid='stSidebarNavLink']", has_text="Data quality").click()
    wait_idle(page)
    expect(page.get_by_text("Your login has ended")).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    with server_engine.connect() as conn:
        actions = conn.execute(
            select(AuditLog.action).where(AuditLog.username == "cookie_reset")
        ).scalars()
        actions = list(actions)
    assert "login_cookie" in actions and "cookie_refused" in actions


def test_a_cookie_copied_before_logout_no_longer_logs_in(
    browser: Browser, page: Page, server: str, server_engine
):
    _fresh_user(server_engine, "cookie_logout")
    log_in(page, server, "cookie_logout")
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE)
    page.get_by_role("button", name="Log out").click()
    wait_idle(page)
    other = _context_page(browser)
    try:
        other.context.add_cookies([cookie])
        other.goto(server)
        wait_idle(other)
        expect(other.get_by_label("Password", exact=True)).to_be_visible()
        expect(other.get_by_role("button", name="Log out")).to_have_count(0)
    finally:
        other.context.close()


def _unsigned_token(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.parametrize(
    "value",
    [
        _unsigned_token({"username": "admin", "exp_date": time.time() + 3600}),
        "not-a-token",
        "a.b.c",
    ],
    ids=["alg-none", "garbage", "three-dots"],
)
def test_a_forged_or_broken_cookie_is_dropped_and_the_form_shown(
    page: Page, server: str, value: str
):
    page.context.add_cookies([{"name": COOKIE, "value": value, "url": server}])
    page.goto(server)
    wait_idle(page)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    # And the form works: a real login still goes through.
    log_in(page, server, "exec")
    expect(page.get_by_role("heading", name="What needs attention today?")).to_be_visible()


def test_markdown_in_a_title_fetches_nothing(page: Page, server: str, server_engine):
    code = _code(server_engine, BEACON_TITLE)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    _open_risk(page, server, "exec", code)
    heading = page.get_by_role("heading", name=re.compile(code))
    # Shown as the text it is (the invisible joiners keep the autolinker off the URLs).
    assert heading.inner_text().replace("\u2060", "").endswith(BEACON_TITLE)
    expect(heading.locator("img")).to_have_count(0)
    expect(heading.locator("a[href^='http']")).to_have_count(0)  # only its own #anchor
    open_page(page, "Overview")
    page.wait_for_timeout(1000)
    assert not [url for url in requested if "beacon-e2e" in url]
    screenshot(page, "markdown_title_literal")


def test_tables_offer_only_the_audited_formula_safe_download(
    page: Page, server: str, server_engine
):
    code = _code(server_engine, FORMULA_TITLE)
    log_in(page, server, "risk")
    open_page(page, "Risk register")
    table = page.locator("[data-testid='stDataFrame']").first
    table.hover()
    page.wait_for_timeout(500)
    expect(page.locator("[data-testid='stElementToolbar']").first).to_be_attached()
    expect(page.get_by_role("button", name=re.compile("Download as CSV", re.I))).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile(r"Download these [\d,]+ rows")).click()
    stamp, text = download.value.path().read_text(encoding="utf-8-sig").split("\n", 1)
    assert stamp.startswith("# View: ") and "by risk" in stamp  # which view, when, who
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["code"] == code)
    assert row["title"] == "'" + FORMULA_TITLE
    wait_idle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Excel (XLSX)").first.click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert book.sheetnames == ["About", "risk_register"]
    assert book["About"]["A1"].value == "View"
    sheet = book["risk_register"]
    headers = [c.value for c in sheet[1]]
    titles = [r[headers.index("Title")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert FORMULA_TITLE in titles  # kept as text, not turned into a formula
    wait_idle(page)
    with server_engine.connect() as conn:
        exports = conn.execute(
            select(AuditLog.detail).where(
                AuditLog.action == "export",
                AuditLog.username == "risk",
                AuditLog.object_type == "risk_register",
            )
        ).scalars()
        formats = {json.loads(d)["format"] for d in exports}
    assert formats == {"csv", "xlsx"}
