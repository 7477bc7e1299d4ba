"""An empty install (DEMO_DATA=0) through the real app: the first login must replace the
one-time password, then every page opens on a database without a single customer, with no
exception box."""

import os
from pathlib import Path

import pytest

from bootstrap import ADMIN_USERNAME, prepare_database
from components.navigation import PAGES
from data_access.db import make_engine
from tests.app.conftest import app_on, login

NEW_PASSWORD = "correct horse battery staple"


@pytest.fixture
def empty_install(tmp_path: Path):
    """Point the app at a fresh empty install for one test, then back."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    said = prepare_database(engine, demo=False)
    engine.dispose()
    with app_on(url):
        yield said.split("one-time password ")[1].split(" ")[0]


def test_first_login_sets_a_password_then_every_page_opens_empty(empty_install):
    at = login(ADMIN_USERNAME, empty_install)
    assert not at.exception, at.exception
    assert any("one-time password" in i.value for i in at.info)
    assert not at.metric  # nothing but the form until the password is replaced
    at.text_input[0].input(empty_install)
    at.text_input[1].input(NEW_PASSWORD)
    at.text_input[2].input(NEW_PASSWORD + "!")
    at.button[0].click().run()
    assert any("differ" in e.value for e in at.error)
    at.text_input[2].input(NEW_PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any(b.label == "Log out" for b in at.button)
    assert any("this install starts empty" in i.value for i in at.info)  # the overview says so
    for page in PAGES:
        at.switch_page(page.path).run()
        assert not at.exception, (page.path, at.exception)
    again = login(ADMIN_USERNAME, NEW_PASSWORD)
    assert not at.exception and not any("one-time" in i.value for i in again.info)


def test_data_imported_outside_the_app_shows_on_the_next_rerun(empty_install):
    """Issue 14: cached views live until the data changes, not on a timer, and a change made
    outside this server process (the command-line importer) is seen at once: the churn page of
    an empty install says there is nothing to analyse; after an import that does not clear this
    process's caches, the next rerun shows the imported customers."""
    import io

    import importer
    from data_access.security import Viewer

    at = login(ADMIN_USERNAME, empty_install)
    at.text_input[0].input(empty_install)
    at.text_input[1].input(NEW_PASSWORD)
    at.text_input[2].input(NEW_PASSWORD)
    at.button[0].click().run()
    at.switch_page("app_pages/churn.py").run()
    assert not at.exception and not at.metric
    customers = (
        "external_id,name,region,segment,tier,source_system,signup_date,churn_date,contract_type\n"
        + "".join(
            f"C-{i},Person {i},East,SMB,normal,CRM,2025-0{1 + i % 9}-01,"
            + ("2026-05-10" if i % 4 == 0 else "")
            + ",monthly\n"
            for i in range(60)
        )
    )
    report = importer.import_file(
        make_engine(os.environ["DATABASE_URL"]),
        Viewer("cli-import", "admin"),
        "customers",
        io.BytesIO(customers.encode()),
        "customers.csv",
    )
    assert report.ok, report.problems[:3]
    at.run()
    assert not at.exception, at.exception
    assert [m.label for m in at.metric][:1] == ["Logo churn"]
