"""AppTest fixtures: one small seeded SQLite database for the whole app suite."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from components.cache import engine as cached_engine
from data_access.db import make_engine
from data_access.models import User
from data_access.schema import upgrade_schema
from demo.seed import finish_seed, seed_demo

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "app-test-password"
TIMEOUT = 60


@pytest.fixture(scope="session", autouse=True)
def app_database(tmp_path_factory: pytest.TempPathFactory):
    url = f"sqlite:///{tmp_path_factory.mktemp('appdb') / 'app.db'}"
    os.environ["DATABASE_URL"] = url
    os.environ["DEMO_PASSWORD"] = DEMO_PASSWORD
    os.environ.setdefault("COOKIE_KEY", "app-test-cookie-key-of-at-least-32-bytes")
    engine = make_engine(url)
    upgrade_schema(engine)
    seed_demo(engine, customers=3000, months=24, seed=11, as_of=date(2026, 11, 1))
    finish_seed(engine, as_of=date(2026, 11, 1))
    engine.dispose()
    yield url
    os.environ.pop("DATABASE_URL", None)


@pytest.fixture(autouse=True)
def no_remembered_language(app_database: str) -> Iterator[None]:
    """Each test starts with no user's language remembered: a test that switches a demo user
    to Chinese must not turn the next test's screens Chinese (tests of the memory itself set
    it within the test)."""
    engine = make_engine(os.environ.get("DATABASE_URL", app_database))
    try:
        with engine.begin() as conn:
            conn.execute(update(User).values(language=None))
    finally:
        engine.dispose()
    yield


@contextmanager
def app_on(url: str) -> Iterator[None]:
    """Point the app at the database at `url` for one test (its engine and every cached
    view dropped), and back to the suite's database after."""
    previous = os.environ["DATABASE_URL"]
    _drop_engine()
    os.environ["DATABASE_URL"] = url
    try:
        yield
    finally:
        _drop_engine()
        os.environ["DATABASE_URL"] = previous


def _drop_engine() -> None:
    """Close the app's pooled connections before forgetting its engine: an engine dropped
    without it keeps SQLite files open, and a later test that needs the database to itself
    (test_database_faults) cannot lock it."""
    cached_engine().dispose()
    cached_engine.clear()
    st.cache_data.clear()


def as_read(markdown: str) -> str:
    """Markdown source as a reader sees it: user text is shown with every punctuation
    character backslash-escaped and an invisible word joiner in autolink anchors
    (components.plain); the reader sees the text."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


def app(script: str = "app.py") -> AppTest:
    """An AppTest for a script given relative to the project root."""
    return AppTest.from_file(str(ROOT / script), default_timeout=TIMEOUT)


def login(
    username: str, password: str = DEMO_PASSWORD, link: dict[str, str] | None = None
) -> AppTest:
    """Run the app, fill the real login form and submit it. `link`: URL parameters there
    from the first run, as when a copied link opens the login form."""
    at = app()
    for key, value in (link or {}).items():
        at.query_params[key] = value
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    at.run()
    return at
