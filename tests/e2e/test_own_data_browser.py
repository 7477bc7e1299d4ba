"""An organisation's own data through the Import page of an empty install, in a real browser:
a customer file made from lifelines' Rossi set (extra columns kept as attributes), then an
order log with German headers mapped once and saved under a name; the churn page's figures on
both churn definitions equal pandas on the same files."""

import re
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from bootstrap import prepare_database
from data_access.db import make_engine
from tests.e2e.conftest import screenshot, streamlit_server, wait_idle
from tests.public_data import lost_on_activity, orders_for, period_churn, rossi_as_customers

pytestmark = pytest.mark.e2e
ADMIN_PASSWORD = "our own data, imported 2026"
ORDER_MAPPING = {
    "Kundennummer": "customer_id",
    "Bestellnummer": "invoice_number",
    "Bestelldatum": "issued_on",
    "Betrag": "amount",
}


@pytest.fixture(scope="module")
def own_data_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("own-data")
    url = f"sqlite:///{folder / 'own.db'}"
    engine = make_engine(url)
    prepare_database(engine, demo=False, admin_password=ADMIN_PASSWORD)
    engine.dispose()
    with streamlit_server(url, folder) as base:
        yield base


def _upload(page: Page, name: str, text: str) -> None:
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}]
    )
    wait_idle(page)


def _import(page: Page, rows: int) -> None:
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text(re.compile(rf"Imported {rows:,} rows: {rows:,} new"))).to_be_visible(
        timeout=120_000
    )
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def _choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a selectbox by typing it (the list is long for a field choice)."""
    wait_idle(page)
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def _churn_tile(page: Page, base: str, basis: str) -> str:
    page.goto(f"{base}/churn?end=2026-09&months=6&churn={basis}")
    wait_idle(page)
    tile = page.locator("[data-testid='stMetric']").filter(has_text="Logo churn")
    expect(tile).to_be_visible(timeout=60_000)
    return tile.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_customers_and_mapped_orders_through_the_page(browser: Browser, own_data_server):
    base = own_data_server
    _, customers = rossi_as_customers()
    orders = orders_for(customers)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(base)
        wait_idle(page)
        page.get_by_label("Username", exact=True).fill("admin")
        page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible(timeout=60_000)
        wait_idle(page)
        page.get_by_role("link", name="Import data").first.click()
        wait_idle(page)
        expect(page.get_by_role("heading", name="Bring in your own CRM export")).to_be_visible()

        page.get_by_text("Keep them as customer attributes").click()
        wait_idle(page)
        _upload(page, "rossi_customers.csv", customers.to_csv(index=False))
        _import(page, len(customers))

        _choose(page, "Table", "Invoices")
        _upload(page, "bestellungen.csv", orders.to_csv(index=False))
        expect(page.get_by_text("Map columns")).to_be_visible()
        for cell, field in ORDER_MAPPING.items():
            _choose(page, f"{cell}: import as", field)
        page.get_by_role("textbox", name="Save this mapping as").fill("ERP Bestellungen")
        screenshot(page, "admin_import_mapping_step")
        page.get_by_role("button", name="Save mapping").click()
        wait_idle(page)
        expect(page.get_by_text("Mapping ERP Bestellungen saved and loaded.")).to_be_visible()
        _import(page, len(orders))
        screenshot(page, "admin_import_mapped_orders_done")

        signup = customers.set_index("Customer Id")["Signup Date"]
        contract_lost = customers.set_index("Customer Id")["Churn Date"].replace("", None)
        activity_lost = lost_on_activity(customers, orders, 90).reindex(signup.index)
        for basis, lost in (("contract", contract_lost), ("activity", activity_lost)):
            churned, active = period_churn(signup, lost, date(2026, 4, 1), 6)
            assert _churn_tile(page, base, basis) == f"{churned / active:.1%}", basis
            screenshot(page, f"admin_own_data_churn_{basis}")

        # The mapping step in Chinese, with the saved mapping loaded for the next export.
        page.get_by_role("combobox", name="Language").click()
        page.get_by_role("option", name="简体中文").click()
        wait_idle(page)
        page.get_by_role("link", name="导入数据").first.click()
        wait_idle(page)
        _choose(page, "数据表", "账单")
        _upload(page, "bestellungen.csv", orders.head(20).to_csv(index=False))
        _choose(page, "已保存的映射", "ERP Bestellungen")
        expect(page.get_by_role("combobox", name="Kundennummer：导入为")).to_have_value(
            "customer_id"
        )
        screenshot(page, "admin_import_mapping_step_zh")
    finally:
        context.close()
