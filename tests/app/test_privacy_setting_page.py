"""The hash_national_id setting on the administration page: shown with what it does and does
not do, saved and audited, its key never shown; the next import hashes national IDs."""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

import importer
from bootstrap import prepare_database
from data_access.db import make_engine
from data_access.models import AuditLog, Customer
from data_access.security import Viewer
from data_access.settings import NATIONAL_ID_KEY, national_id_key
from data_access.users import create_user
from tests.app.conftest import DEMO_PASSWORD, app_on, login

ADMIN_PAGE = "app_pages/admin.py"
LABEL = "Store national IDs as a keyed hash"


@pytest.fixture
def own_database(tmp_path: Path):
    """An empty install with an administrator, for one test."""
    url = f"sqlite:///{tmp_path / 'privacy.db'}"
    engine = make_engine(url)
    prepare_database(engine, demo=False, admin_password="correct horse battery staple")
    with engine.begin() as conn:
        create_user(conn, "boss", "Bo Ss", "boss@example.com", DEMO_PASSWORD, "admin")
    with app_on(url):
        yield engine
    engine.dispose()


def test_an_admin_turns_on_hashing_and_the_next_import_hashes(own_database):
    at = login("boss")
    at.switch_page(ADMIN_PAGE).run()
    assert not at.exception, at.exception
    box = next(c for c in at.checkbox if c.label == LABEL)
    assert box.value is False
    assert "not rewritten" in box.help
    box.check()
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert next(c for c in at.checkbox if c.label == LABEL).value is True
    with own_database.connect() as conn:
        detail = conn.execute(
            select(AuditLog.detail).where(AuditLog.action == "settings_update")
        ).scalar_one()
    assert '"hash_national_id": true' in detail

    text = (
        "external_id,name,region,segment,tier,source_system,signup_date,national_id\n"
        "C-1,Wang Fang,East,SMB,normal,CRM,2025-03-14,ab 12-34\n"
    )
    report = importer.import_file(
        own_database,
        Viewer("boss", "admin"),
        "customers",
        io.BytesIO(text.encode()),
        "f.csv",
        today=date(2026, 11, 1),
    )
    assert report.ok, report.problems
    with own_database.connect() as conn:
        stored = conn.execute(select(Customer.national_id)).scalar_one()
    assert re.fullmatch(r"[0-9a-f]{64}", stored)

    # The key exists now, and neither the page (reloaded) nor the audit log shows it.
    key = national_id_key(own_database)
    assert key is not None and key.hex() not in detail
    at.switch_page(ADMIN_PAGE).run()
    shown = " ".join(str(e.value) for e in (*at.markdown, *at.caption, *at.text, *at.code))
    assert key.hex() not in shown and NATIONAL_ID_KEY not in shown
