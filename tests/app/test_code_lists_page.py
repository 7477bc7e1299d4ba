"""Code lists through AppTest: an administrator adds a region on the Administration page and
the sidebar offers it (a link naming it is accepted); a scoped administrator cannot edit the
lists; on the Import page a file with codes the lists lack is refused, an analyst is told to
ask an administrator, and an unscoped administrator adds them and imports again with one
button. Runs on a database of its own, so the shared demo database is not changed."""

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from bootstrap import prepare_database
from data_access import audit, code_lists
from data_access.db import make_engine
from data_access.models import Customer
from data_access.security import Viewer
from data_access.users import create_user
from importer import template_csv
from tests.app.conftest import DEMO_PASSWORD, app_on, login

ADMIN_PAGE = "app_pages/admin.py"
IMPORT_PAGE = "app_pages/import_data.py"
HEADER, EXAMPLE = template_csv("customers").splitlines()


@pytest.fixture
def own_database(tmp_path: Path):
    """An empty install with an administrator, a scoped one and an analyst, for one test."""
    url = f"sqlite:///{tmp_path / 'codes.db'}"
    engine = make_engine(url)
    prepare_database(engine, demo=False, admin_password="correct horse battery staple")
    with engine.begin() as conn:
        create_user(conn, "boss", "Bo Ss", "boss@example.com", DEMO_PASSWORD, "admin")
        create_user(conn, "eastboss", "E B", "eb@example.com", DEMO_PASSWORD, "admin", "East")
        create_user(conn, "analyst", "Ana Lyst", "ana@example.com", DEMO_PASSWORD, "analyst")
    with app_on(url):
        yield engine
    engine.dispose()


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _region_filter(at: AppTest):
    return next(m for m in at.sidebar.multiselect if m.label == "Region")


def _regions(engine) -> tuple[str, ...]:
    with engine.connect() as conn:
        return code_lists.active_codes(conn, "region")


def test_an_admin_adds_a_region_and_the_filter_offers_and_accepts_it(own_database):
    at = login("boss")
    at.switch_page(ADMIN_PAGE).run()
    assert not at.exception, at.exception
    assert next(s for s in at.selectbox if s.label == "Code list").value == "region"
    assert "Nordics" not in _region_filter(at).options
    next(t for t in at.text_input if t.label == "Code").input("Nordics")
    next(t for t in at.text_input if t.label == "English label").input("Nordic countries")
    next(t for t in at.text_input if t.label == "Chinese label").input("北欧")
    _button(at, "Add").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("Code Nordics added" in s.value for s in at.success)
    assert _regions(own_database)[-1] == "Nordics"
    # The sidebar reads the list again (the cache was cleared) and shows the new label.
    assert "Nordic countries" in _region_filter(at).options

    # A copied link naming the new region opens with it chosen.
    linked = login("boss", link={"region": "Nordics,Atlantis"})
    assert not linked.exception, linked.exception
    assert _region_filter(linked).value == ["Nordics"]


def test_a_scoped_admin_sees_but_cannot_edit_the_lists(own_database):
    at = login("eastboss")
    at.switch_page(ADMIN_PAGE).run()
    assert not at.exception, at.exception
    assert any("only an administrator without a region scope" in i.value for i in at.info)
    assert not [t for t in at.text_input if t.label == "Code"]


def _upload_unknown_region(username: str) -> AppTest:
    at = login(username)
    at.switch_page(IMPORT_PAGE).run()
    row = EXAMPLE.replace("CRM-0100001", "NOR-1").replace(",East,", ",Nordics,")
    at.file_uploader[0].set_value(("nordics.csv", f"{HEADER}\n{row}\n".encode(), "text/csv"))
    at.run()
    _button(at, "Check and import").click().run()
    assert not at.exception, at.exception
    assert any("Nothing was imported" in e.value for e in at.error)
    assert any("1 code(s) in the file are not in" in m.value for m in at.markdown)
    return at


def test_an_analyst_is_told_to_ask_an_admin(own_database):
    at = _upload_unknown_region("analyst")
    assert any("Ask an administrator" in i.value for i in at.info)
    assert not [b for b in at.button if b.label.startswith("Add these")]
    assert "Nordics" not in _regions(own_database)


def test_an_admin_adds_the_unknown_codes_and_imports_again(own_database):
    at = _upload_unknown_region("boss")
    _button(at, "Add these 1 codes to the lists and import again").click().run()
    assert not at.exception, at.exception
    assert any("Imported 1 rows: 1 new" in s.value for s in at.success)
    assert "Nordics" in _regions(own_database)
    with own_database.connect() as conn:
        stored = conn.execute(select(Customer.external_id, Customer.region)).all()
        actions = [r.action for r in audit.recent(conn, username="boss")]
    assert [tuple(r) for r in stored] == [("NOR-1", "Nordics")]
    assert "code_add" in actions and "import" in actions


def test_a_code_deleted_in_another_browser_takes_no_click_meant_for_it(own_database):
    """The administrator has an unused code open; another administrator deletes it. The
    relabel typed for it is not applied to the code the pick would fall back to."""
    boss = Viewer("boss", "admin")
    code_lists.add_code(own_database, boss, "region", "Atlantis", "Atlantis")
    at = login("boss")
    at.switch_page(ADMIN_PAGE).run()
    pick = next(s for s in at.selectbox if s.label == "Edit a code")
    pick.set_value("Atlantis").run()
    next(t for t in at.text_input if t.label == "English label").input("Lost city")
    with own_database.connect() as conn:
        atlantis = next(e for e in code_lists.all_entries(conn)["region"] if e.code == "Atlantis")
        before = code_lists.all_entries(conn)["region"]
    code_lists.delete_code(
        own_database, Viewer("other", "admin"), "region", "Atlantis", atlantis.version
    )
    _button(at, "Save labels").click().run()
    assert not at.exception, at.exception
    assert any("no longer in this list" in w.value for w in at.warning)
    with own_database.connect() as conn:
        after = code_lists.all_entries(conn)["region"]
    assert after == tuple(e for e in before if e.code != "Atlantis")  # no other code relabelled
    assert not any(e.label_en == "Lost city" for e in after)
