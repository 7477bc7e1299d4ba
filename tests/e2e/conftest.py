"""A real `streamlit run` server on a seeded SQLite database, and Debian's Chromium."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from components.i18n import CATALOG
from components.navigation import PAGES
from data_access import register
from data_access.db import make_engine
from data_access.register import RiskInput
from data_access.schema import upgrade_schema
from data_access.security import Viewer
from data_access.users import create_user
from demo.seed import finish_seed, seed_demo

ROOT = Path(__file__).resolve().parents[2]
# A page's first run on a loaded 2-core CI machine can take several seconds.
expect.set_options(timeout=20_000)
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "e2e-demo-password"
LOCKOUT_USER = "lockout_test"
# Risks recorded before the server starts (so no cache of the server misses them):
TWO_EDITORS_TITLE = "Two editors save this risk"
BEACON_TITLE = "![x](http://127.0.0.1:9/beacon-e2e.png) [click](http://127.0.0.1:9/beacon-e2e.png)"
FORMULA_TITLE = '=HYPERLINK("http://example.com/x","open me")'
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The seeded SQLite database the server runs on (its URL)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.db'}"
    os.environ["DEMO_PASSWORD"] = PASSWORD
    engine = make_engine(url)
    upgrade_schema(engine)
    seed_demo(engine, customers=3000, months=24, seed=5, as_of=date(2026, 11, 1))
    finish_seed(engine, as_of=date(2026, 11, 1))
    with engine.begin() as conn:  # locked by the lockout test, so no other test loses a user
        create_user(conn, LOCKOUT_USER, "Lockout test", "lock@example.com", PASSWORD, "analyst")
    author = Viewer("risk", "risk_manager")
    for title in (TWO_EDITORS_TITLE, BEACON_TITLE, FORMULA_TITLE):
        register.create_risk(engine, author, RiskInput(title, "CHN", "Li Na"), 3, 3)
    engine.dispose()
    return url


@pytest.fixture
def server_engine(server_database: str):
    """A connection pool on the server's database, for a test that acts behind its back (as
    another server or an administrator would)."""
    engine = make_engine(server_database)
    yield engine
    engine.dispose()


@contextmanager
def streamlit_server(url: str, log_dir: Path) -> Iterator[str]:
    """`streamlit run app.py` on the database at `url` on a free port; yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "COOKIE_KEY": "e2e-cookie-key-that-is-at-least-32-bytes",
        "PYTHONPATH": str(ROOT),
    }
    log = open(log_dir / "streamlit.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        raise RuntimeError("streamlit did not start")
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def server(server_database: str, tmp_path_factory: pytest.TempPathFactory):
    """Streamlit on the seeded database; yields its base URL."""
    with streamlit_server(server_database, tmp_path_factory.mktemp("e2e-log")) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def wait_idle(page: Page) -> None:
    """Wait until Streamlit has finished the current run."""
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000
    )
    page.wait_for_timeout(300)


def wait_for_cookie(page: Page, present: bool) -> None:
    """The cookie component writes (or deletes) the cookie asynchronously after a run."""
    for _ in range(120):
        if any(c["name"] == "crm_risk_auth" for c in page.context.cookies()) == present:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"auth cookie {'missing' if present else 'still present'}")


def submit_login(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(base)
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    wait_idle(page)


def log_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    """Log in and wait until the run that writes the cookie has finished, so that a click
    right after this is not swallowed by that rerun."""
    submit_login(page, base, username, password)
    expect(page.get_by_role("button", name="Log out")).to_be_visible(timeout=60_000)
    wait_for_cookie(page, present=True)
    wait_idle(page)


def open_page(page: Page, title: str) -> None:
    """Click a sidebar link and wait for its URL; click again if a rerun swallowed the click."""
    spec = next(p for p in PAGES if CATALOG[p.title_key]["en"] == title)
    # The first page is the default one and may be served at "/".
    paths = f"{spec.url_path}|" if spec == PAGES[0] else spec.url_path
    url = re.compile(rf"/({paths})(\?|$)")
    link = page.locator("[data-testid='stSidebarNavLink']", has_text=title)
    for _ in range(3):
        link.click()
        try:
            page.wait_for_url(url, timeout=15_000)
            break
        except PlaywrightTimeoutError:
            wait_idle(page)
    else:
        raise AssertionError(f"{title} did not open; the URL is {page.url}")
    wait_idle(page)
    wait_idle(page)


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Streamlit scrolls inside its own container, so grow the viewport to see the whole page.
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 2200})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def open_tab(page: Page, name: str) -> Locator:
    """Open a tab of the page and return its panel; click again if a rerun swallowed the
    click (the tab is not selected yet)."""
    tab = page.get_by_role("tab", name=name, exact=True)
    for _ in range(3):
        if tab.get_attribute("aria-selected") == "true":
            break
        tab.click()
        page.wait_for_timeout(500)
        wait_idle(page)
    expect(tab).to_have_attribute("aria-selected", "true")
    return page.get_by_role("tabpanel", name=name, exact=True)


def choose(page: Page, box: Locator, option: str | re.Pattern, typed: str = "") -> str:
    """Open a selectbox and click the option matching `option` (after typing `typed`, for a
    long list that shows only its first options); returns the option's text."""
    box.click()
    if typed:
        page.keyboard.type(typed)
    if not page.get_by_role("option").count():  # the first click only focused it
        box.press("ArrowDown")
    choice = page.get_by_role("option", name=option).first
    text = choice.inner_text()
    choice.click()
    wait_idle(page)
    return text
