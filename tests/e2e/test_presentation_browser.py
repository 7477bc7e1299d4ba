"""Presentation mode in Chromium at a projector's 1366×768 (issue 16): no sidebar, no header
band, no controls; the deck steps with the arrow keys; each slide's key chart is fully on
screen without scrolling; English and Chinese; leaving it brings the controls back."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import SCREENSHOTS, log_in, wait_idle

pytestmark = pytest.mark.e2e
PROJECTOR = {"width": 1366, "height": 768}


def _projector_page(browser: Browser) -> Page:
    context = browser.new_context(viewport=PROJECTOR, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def _shot(page: Page, name: str) -> None:
    """What the projector shows: the viewport only, not the page scrolled."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _fits(page: Page, key: str = "[data-testid='stPlotlyChart'] .main-svg") -> None:
    """The slide's key element (its first chart; the overview's tiles) is drawn and ends
    above the bottom of the screen."""
    element = page.locator(key).first if "Plotly" in key else page.locator(key).last
    expect(element).to_be_visible(timeout=60_000)
    box = element.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"], (
        box
    )


def test_a_presenter_steps_through_the_deck_with_the_arrow_keys(browser: Browser, server: str):
    page = _projector_page(browser)
    try:
        log_in(page, server, "exec")
        page.goto(f"{server}/?present=1&months=6")
        wait_idle(page)
        expect(page.get_by_text("Slide 1 of 5")).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("stSidebar")).to_be_hidden()
        expect(page.locator("header[data-testid='stHeader']")).to_be_hidden()
        expect(page.get_by_role("combobox")).to_have_count(0)  # no select box shown
        _fits(page, "[data-testid='stMetric']")  # all seven tiles
        _shot(page, "present_1_overview_en")
        for n, path, name in (
            (2, "risk-register", "register"),
            (3, "satisfaction", "satisfaction"),
            (4, "churn", "churn"),
            (5, "data-quality", "data_quality"),
        ):
            page.keyboard.press("ArrowRight")
            expect(page).to_have_url(re.compile(rf"/{path}\?.*present=1"))
            wait_idle(page)
            expect(page.get_by_text(f"Slide {n} of 5")).to_be_visible(timeout=60_000)
            assert "months=6" in page.url  # the filters travel with the deck
            expect(page.locator("[data-testid='stException']")).to_have_count(0)
            _fits(page)
            _shot(page, f"present_{n}_{name}_en")
        page.keyboard.press("ArrowRight")  # the deck wraps round
        expect(page.get_by_text("Slide 1 of 5")).to_be_visible(timeout=60_000)
        page.keyboard.press("ArrowLeft")
        expect(page.get_by_text("Slide 5 of 5")).to_be_visible(timeout=60_000)
        page.get_by_role("link", name="Leave presentation").click()
        wait_idle(page)
        expect(page.get_by_test_id("stSidebar")).to_be_visible()
        expect(page).not_to_have_url(re.compile(r"present=1"))
    finally:
        page.context.close()


def test_presentation_in_chinese(browser: Browser, server: str):
    page = _projector_page(browser)
    try:
        log_in(page, server, "exec")
        page.goto(f"{server}/satisfaction?present=1&lang=zh")
        wait_idle(page)
        expect(page.get_by_text("第 3 页，共 5 页")).to_be_visible(timeout=60_000)
        expect(page.locator("[data-testid='stException']")).to_have_count(0)
        _fits(page)
        _shot(page, "present_3_satisfaction_zh")
    finally:
        page.context.close()


def test_a_saved_deck_opens_by_its_link_for_someone_else(browser: Browser, server: str):
    presenter = _projector_page(browser)
    try:
        log_in(presenter, server, "risk")
        presenter.goto(f"{server}/?months=6")
        wait_idle(presenter)
        presenter.get_by_text("Saved decks", exact=True).click()
        name = presenter.get_by_label("Deck name", exact=True)
        name.fill("Quarterly board")
        name.press("Enter")  # a text box says its value on Enter (or leaving it)
        wait_idle(presenter)
        sidebar = presenter.get_by_test_id("stSidebar")
        for slide in ("Satisfaction & complaints", "Data quality"):  # keep three of five
            sidebar.get_by_role("button", name=re.compile(f"^Remove {re.escape(slide)}")).click()
            wait_idle(presenter)
        saved = presenter.get_by_text("Saved the deck “Quarterly board” with 3 slides")
        for _ in range(3):  # a click that lands while the last removal's rerun ends is lost
            presenter.get_by_role("button", name="Save deck").click()
            wait_idle(presenter)
            if saved.is_visible():
                break
        expect(saved).to_be_visible()
    finally:
        presenter.context.close()
    viewer = _projector_page(browser)
    try:
        log_in(viewer, server, "exec")
        viewer.goto(f"{server}/?deck=Quarterly%20board")
        wait_idle(viewer)
        expect(viewer.get_by_text(re.compile(r"Quarterly board · Slide 1 of 3"))).to_be_visible(
            timeout=60_000
        )
        assert "months=6" in viewer.url or "months" not in viewer.url  # the deck's filters
        viewer.keyboard.press("ArrowRight")
        expect(viewer).to_have_url(re.compile(r"/risk-register\?.*deck=Quarterly"))
        expect(viewer.get_by_text(re.compile(r"Slide 2 of 3"))).to_be_visible(timeout=60_000)
        viewer.keyboard.press("ArrowRight")
        expect(viewer).to_have_url(re.compile(r"/churn\?"))  # satisfaction left out
        expect(viewer.locator("[data-testid='stException']")).to_have_count(0)
    finally:
        viewer.context.close()
