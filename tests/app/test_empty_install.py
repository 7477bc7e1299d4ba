"""An empty install (DEMO_DATA=0) through the real app: the first login must replace the
one-time password, then every page opens on a database without a single customer, with no
exception box."""

import os
from pathlib import Path

import pytest
import streamlit as st

from bootstrap import ADMIN_USERNAME, prepare_database
from components.cache import engine as cached_engine
from components.navigation import PAGES
from data_access.db import make_engine
from tests.app.conftest import login

NEW_PASSWORD = "correct horse battery staple"


@pytest.fixture
def empty_install(tmp_path: Path):
    """Point the app at a fresh empty install for one test, then back."""
    previous = os.environ["DATABASE_URL"]
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    said = prepare_database(engine, demo=False)
    engine.dispose()
    os.environ["DATABASE_URL"] = url
    cached_engine.clear()
    st.cache_data.clear()
    yield said.split("one-time password ")[1].split(" ")[0]
    os.environ["DATABASE_URL"] = previous
    cached_engine.clear()
    st.cache_data.clear()


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
