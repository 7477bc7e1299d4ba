"""The Import page's "Map columns" step through AppTest: an analyst uploads an export whose
customer number column is called "Kundennummer", maps it to external_id, saves the mapping
under a name and imports; a later session loads the saved mapping and imports again. Runs on
a database of its own, so the shared demo database of the app suite is not changed."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from bootstrap import prepare_database
from data_access.db import make_engine
from data_access.models import Customer, ImportMapping
from data_access.users import create_user
from importer import template_csv
from tests.app.conftest import DEMO_PASSWORD, app_on, login

PAGE = "app_pages/import_data.py"
HEADER, EXAMPLE = template_csv("customers").splitlines()
EXPORT_HEADER = HEADER.replace("external_id", "Kundennummer")


@pytest.fixture
def own_database(tmp_path: Path):
    """An empty install with one analyst, for one test; the app is pointed back after."""
    url = f"sqlite:///{tmp_path / 'mapping.db'}"
    engine = make_engine(url)
    prepare_database(engine, demo=False, admin_password="correct horse battery staple")
    with engine.begin() as conn:
        create_user(conn, "analyst", "Ana Lyst", "ana@example.com", DEMO_PASSWORD, "analyst")
    with app_on(url):
        yield engine
    engine.dispose()


def _export(external_id: str) -> bytes:
    return f"{EXPORT_HEADER}\n{EXAMPLE.replace('CRM-0100001', external_id)}\n".encode()


def _open_with_upload(external_id: str) -> AppTest:
    at = login("analyst")
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    at.file_uploader[0].set_value(("erp.csv", _export(external_id), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert any(s.value == "Map columns" for s in at.subheader)
    return at


def _cell_choice(at: AppTest, cell: str):
    return next(s for s in at.selectbox if s.label == f"{cell}: import as")


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _external_ids(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(Customer.external_id).order_by(Customer.id)).scalars())


def test_map_a_column_save_the_mapping_and_import(own_database):
    at = _open_with_upload("MAP-1")
    choice = _cell_choice(at, "Kundennummer")
    assert choice.value == "skip"  # nothing like a field name
    assert _cell_choice(at, "region").value == "region"  # matched by name
    assert not [t for t in at.text_input if t.label == "Save this mapping as"]  # nothing changed

    choice.set_value("external_id").run()
    assert not at.exception, at.exception
    next(t for t in at.text_input if t.label == "Save this mapping as").input("ERP export")
    _button(at, "Save mapping").click().run()
    assert not at.exception, at.exception
    assert any("Mapping ERP export saved" in s.value for s in at.success)
    with own_database.connect() as conn:
        stored = conn.execute(
            select(ImportMapping.table_name, ImportMapping.name, ImportMapping.mapping)
        ).all()
    assert [(t, n, json.loads(m)) for t, n, m in stored] == [
        ("customers", "ERP export", {"Kundennummer": "external_id"})
    ]
    # The saved mapping is loaded, so the choice stays and no save is offered again.
    assert next(s for s in at.selectbox if s.label == "Saved mapping").value == "ERP export"
    assert _cell_choice(at, "Kundennummer").value == "external_id"

    _button(at, "Check and import").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("Imported 1 rows: 1 new" in s.value for s in at.success)
    assert _external_ids(own_database) == ["MAP-1"]


def test_a_later_session_loads_the_saved_mapping_and_imports(own_database):
    from data_access.import_mappings import save_mapping
    from data_access.security import Viewer

    save_mapping(
        own_database,
        Viewer("analyst", "analyst"),
        "customers",
        "ERP export",
        {"Kundennummer": "external_id", "email": "skip"},
        None,
    )
    at = _open_with_upload("MAP-2")
    # Without the mapping the file lacks external_id and is refused, naming the column.
    _button(at, "Check and import").click().run()
    assert any("Nothing was imported" in e.value for e in at.error)
    assert _external_ids(own_database) == []

    next(s for s in at.selectbox if s.label == "Saved mapping").set_value("ERP export").run()
    assert not at.exception, at.exception
    assert _cell_choice(at, "Kundennummer").value == "external_id"
    assert _cell_choice(at, "email").value == "skip"
    _button(at, "Check and import").click().run()
    assert not at.exception, at.exception
    assert any("Imported 1 rows: 1 new" in s.value for s in at.success)
    with own_database.connect() as conn:
        stored = conn.execute(select(Customer.external_id, Customer.email, Customer.region)).all()
    assert [tuple(r) for r in stored] == [("MAP-2", None, "East")]


def test_saving_over_a_mapping_changed_since_it_was_loaded_is_refused(own_database):
    from data_access.import_mappings import save_mapping
    from data_access.security import Viewer

    colleague = Viewer("colleague", "analyst")
    save_mapping(
        own_database, colleague, "customers", "ERP export", {"Kundennummer": "external_id"}, None
    )
    at = _open_with_upload("MAP-3")
    next(s for s in at.selectbox if s.label == "Saved mapping").set_value("ERP export").run()
    # The colleague saves a new version while this session has version 1 open.
    save_mapping(
        own_database,
        colleague,
        "customers",
        "ERP export",
        {"Kundennummer": "external_id", "phone": "skip"},
        1,
    )
    _cell_choice(at, "company").set_value("skip").run()
    assert any("Someone else has saved a change" in w.value for w in at.warning)
    _button(at, "Save mapping").click().run()
    assert not at.exception, at.exception
    assert any("changed or deleted by someone else" in e.value for e in at.error)
    with own_database.connect() as conn:
        stored = conn.execute(select(ImportMapping.mapping, ImportMapping.version)).one()
    assert (json.loads(stored.mapping), stored.version) == (
        {"Kundennummer": "external_id", "phone": "skip"},
        2,
    )
    assert _cell_choice(at, "company").value == "skip"  # what the user chose stays
    _button(at, "Load the latest version").click().run()
    assert not at.exception, at.exception
    assert _cell_choice(at, "phone").value == "skip"  # the colleague's version
    assert _cell_choice(at, "company").value == "company"
