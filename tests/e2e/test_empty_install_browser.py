"""An empty install (DEMO_DATA=0) in a real browser, in English and Chinese: the login form,
the forced replacement of the one-time password, and a first overview that says what to do."""

import pytest
from playwright.sync_api import Browser, expect

from bootstrap import prepare_database
from data_access.db import make_engine
from tests.e2e.conftest import screenshot, streamlit_server, wait_idle

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory):
    """A second server on a fresh empty install; yields (base URL, one-time password)."""
    folder = tmp_path_factory.mktemp("empty-install")
    url = f"sqlite:///{folder / 'empty.db'}"
    engine = make_engine(url)
    said = prepare_database(engine, demo=False)
    engine.dispose()
    with streamlit_server(url, folder) as base:
        yield base, said.split("one-time password ")[1].split(" ")[0]


@pytest.mark.parametrize(
    ("locale", "language", "texts"),
    [
        ("en-US", "English", ("Username", "Password", "Log in", "Set password", "New password")),
        ("zh-CN", "简体中文", ("用户名", "密码", "登录", "设置密码", "新密码")),
    ],
)
def test_first_login_of_an_empty_install(browser: Browser, empty_server, locale, language, texts):
    base, one_time = empty_server
    username, password, log_in, set_password, new_password = texts
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(base)
        wait_idle(page)
        # The first visit follows the browser's language (Accept-Language).
        expect(page.get_by_label(username, exact=True)).to_be_visible()
        screenshot(page, f"empty_install_login_{locale}")
        page.get_by_label(username, exact=True).fill("admin")
        page.get_by_label(password, exact=True).fill(
            one_time if language == "English" else NEW_PASSWORD
        )
        page.get_by_role("button", name=log_in).click()
        wait_idle(page)
        if language == "English":  # the first login replaces the one-time password
            expect(page.get_by_role("button", name=set_password)).to_be_visible()
            screenshot(page, f"empty_install_set_password_{locale}")
            page.get_by_label("Current (one-time) password").fill(one_time)
            page.get_by_label(new_password, exact=True).fill(NEW_PASSWORD)
            page.get_by_label("New password again").fill(NEW_PASSWORD)
            page.get_by_role("button", name=set_password).click()
            wait_idle(page)
        expect(page.locator("[data-testid='stException']")).to_have_count(0)
        expect(
            page.get_by_role("link", name="Import data")
            .or_(page.get_by_role("link", name="导入数据"))
            .last
        ).to_be_visible()
        screenshot(page, f"empty_install_first_overview_{locale}")
    finally:
        context.close()
