"""Import from the UI in a real browser: a broken file is refused with the row and column,
a good one is imported and the data-quality run follows."""

import re

import pytest
from playwright.sync_api import Page, expect

from importer import template_csv
from tests.e2e.conftest import log_in, open_page, screenshot, wait_idle

pytestmark = pytest.mark.e2e


def _upload(page: Page, name: str, text: str) -> None:
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}]
    )
    wait_idle(page)
    page.get_by_role("button", name="Check and import").click()
    wait_idle(page)


def test_analyst_imports_customers_from_the_ui(page: Page, server: str):
    log_in(page, server, "analyst")
    open_page(page, "Import data")
    expect(page.get_by_role("heading", name="Bring in your own CRM export")).to_be_visible()
    header, example = template_csv("customers").splitlines()
    broken = "\n".join(
        [header, example.replace("CRM-0100001", "E2E-1").replace(",East,", ",Mars,")]
    )
    _upload(page, "broken.csv", broken + "\n")
    expect(page.get_by_text(re.compile(r"Nothing was imported: 1 problem"))).to_be_visible(
        timeout=30_000
    )
    expect(page.locator("[data-testid='stDataFrame']").last).to_be_visible()
    screenshot(page, "analyst_import_refused")
    good = "\n".join([header, example.replace("CRM-0100001", "E2E-2")])
    _upload(page, "good.csv", good + "\n")
    expect(page.get_by_text(re.compile(r"Imported 1 rows: 1 new, 0 updated"))).to_be_visible(
        timeout=60_000
    )
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    screenshot(page, "analyst_import_done")


def test_headers_as_exported_and_kept_columns(page: Page, server: str, server_engine):
    """Issue 13: a customer file with the export's own spellings and two columns the table
    does not know, kept as customer attributes."""
    from sqlalchemy import select

    from data_access.models import Customer, CustomerAttribute

    log_in(page, server, "analyst")
    open_page(page, "Import data")
    header, example = template_csv("customers").splitlines()
    spelled = header.replace("external_id", "Customer ID").replace("email", "E-mail Address")
    row = example.replace("CRM-0100001", "E2E-ATTR")
    page.get_by_text("Keep them as customer attributes").click()
    wait_idle(page)
    _upload(page, "export.csv", f"{spelled},Gender,Payment Method\n{row},Female,Card\n")
    expect(page.get_by_text(re.compile("Kept as customer attributes: Gender"))).to_be_visible(
        timeout=60_000
    )
    screenshot(page, "analyst_import_kept_columns")
    with server_engine.connect() as conn:
        stored = dict(
            conn.execute(
                select(CustomerAttribute.name, CustomerAttribute.value)
                .join(Customer, Customer.id == CustomerAttribute.customer_id)
                .where(Customer.external_id == "E2E-ATTR")
            ).all()
        )
    assert stored == {"Gender": "Female", "Payment Method": "Card"}
