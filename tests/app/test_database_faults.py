"""A locked or unreachable database shows a friendly message, never a trace, and the app
recovers by itself when the database is back. The lock is real: another connection holds
SQLite's exclusive lock, so every read of the app times out."""

import gc
import os
import sqlite3
from contextlib import contextmanager

from streamlit.testing.v1 import AppTest

from components.cache import engine
from tests.app.conftest import app, login

# A held lock is "busy" (the database works, another transaction is writing).
UNAVAILABLE = "The database is busy right now"


@contextmanager
def database_locked():
    path = os.environ["DATABASE_URL"].removeprefix("sqlite:///")
    engine().dispose()  # close the app's idle pooled connections so the lock can be taken
    # Engines other tests dropped (another database, then back) may still hold this file open
    # until the cycle collector frees their pools: free them now.
    gc.collect()
    # Wait for a reader still finishing (a previous test's script thread) rather than fail.
    holder = sqlite3.connect(path, isolation_level=None, timeout=60)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE settings SET key = key")  # take the write lock now
    try:
        yield
    finally:
        holder.execute("COMMIT")
        holder.execute("PRAGMA locking_mode=NORMAL")
        holder.execute("SELECT 1").fetchall()  # releases the exclusive file lock
        holder.close()


def _unavailable(at: AppTest) -> bool:
    return any(UNAVAILABLE in e.value for e in at.error)


def test_a_locked_database_gives_a_message_and_the_app_recovers():
    at = login("analyst")
    assert not _unavailable(at)
    with database_locked():
        at.run()
        assert not at.exception
        assert _unavailable(at)
        assert not at.metric  # no half-drawn page
    at.run()
    assert not at.exception and not _unavailable(at)
    assert at.metric


def test_the_login_form_survives_a_locked_database():
    at = app()
    at.run()
    at.text_input[0].input("exec")
    at.text_input[1].input("whatever-password")
    with database_locked():
        at.button[0].click().run()
        assert not at.exception
        assert _unavailable(at)
