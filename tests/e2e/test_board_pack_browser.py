"""The board pack and chart images as a user gets them in Chromium (issue 16): the PDF from the
overview opens with poppler, carries the view and the user on its pages, and a page of it is
kept as a screenshot; a chart's PNG is at print resolution and its SVG stamped; each download
is in the audit log with its format."""

import json
import subprocess

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from data_access.models import AuditLog
from tests.e2e.conftest import SCREENSHOTS, log_in, wait_idle

pytestmark = pytest.mark.e2e


def _formats(engine, username: str, what: str) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditLog.detail).where(
                AuditLog.action == "export",
                AuditLog.username == username,
                AuditLog.object_type == what,
            )
        ).scalars()
        return {json.loads(d)["format"] for d in rows}


def test_the_board_pack_pdf_from_the_overview(page: Page, server: str, server_engine, tmp_path):
    log_in(page, server, "exec")
    page.goto(f"{server}/?months=6&region=East")
    wait_idle(page)
    page.get_by_text("Board pack", exact=True).click()
    button = page.get_by_role("button", name="Board pack (PDF)")
    expect(button).to_be_visible()
    with page.expect_download(timeout=120_000) as download:
        button.click()
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(download.value.path().read_bytes())
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 4
    assert all("region East" in p and "by exec" in p for p in pages)  # every page stamped
    assert "Open risks by category and level" in text and "NPS per month" in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "3", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    for number in (1, 3):
        shot = next(tmp_path.glob(f"p-*{number}.png"))
        Image.open(shot).save(SCREENSHOTS / f"board_pack_page{number}.png")
    wait_idle(page)
    assert "pdf" in _formats(server_engine, "exec", "board_pack")


def test_a_chart_as_png_at_print_resolution_and_as_stamped_svg(
    page: Page, server: str, server_engine
):
    log_in(page, server, "risk")
    page.goto(f"{server}/?months=3")
    wait_idle(page)
    page.get_by_role("button", name="Chart image").first.click()
    with page.expect_download(timeout=120_000) as download:
        page.get_by_test_id("stPopoverBody").get_by_role("button", name="PNG").click()
    png = download.value.path().read_bytes()
    assert png.startswith(b"\x89PNG")
    # Plotly's own camera button (no stamp, no audit row) is gone.
    expect(page.get_by_role("button", name="Download plot as a PNG")).to_have_count(0)
    width = int.from_bytes(png[16:20], "big")
    assert width == 3600  # 1200 px at scale 3: 300 dpi over 12 inches
    wait_idle(page)
    if not page.get_by_test_id("stPopoverBody").is_visible():  # the audit's rerun closed it
        page.get_by_role("button", name="Chart image").first.click()
    with page.expect_download(timeout=120_000) as download:
        page.get_by_test_id("stPopoverBody").get_by_role("button", name="SVG").click()
    svg = download.value.path().read_text("utf-8")
    assert svg.lstrip().startswith("<svg") and "View: " in svg and "by risk" in svg
    wait_idle(page)
    assert _formats(server_engine, "risk", "risks_by_level") == {"png", "svg"}
