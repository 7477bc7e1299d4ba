"""Shared fixtures. Set TEST_DATABASE_URL to a PostgreSQL server URL to run the data-access
suites against PostgreSQL: each fixture then creates (and drops) a database of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from data_access.db import make_engine
from data_access.schema import upgrade_schema

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture(scope="session", autouse=True)
def analytics_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Snapshots of server databases go to a temporary folder, not the project's data/."""
    previous = os.environ.get("ANALYTICS_DIR")
    os.environ["ANALYTICS_DIR"] = str(tmp_path_factory.mktemp("analytics"))
    yield
    if previous is None:
        os.environ.pop("ANALYTICS_DIR", None)
    else:
        os.environ["ANALYTICS_DIR"] = previous


def _new_database_url(tmp_path: Path) -> Iterator[str]:
    if not PG_ADMIN_URL:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def migrated_engine(tmp_path: Path) -> Iterator[Engine]:
    """An empty database at Alembic head, fresh for each test."""
    for url in _new_database_url(tmp_path):
        engine = make_engine(url)
        upgrade_schema(engine)
        yield engine
        engine.dispose()


def _seeded(tmp_path_factory: pytest.TempPathFactory, customers: int) -> Iterator[Engine]:
    from datetime import date

    from demo.seed import finish_seed, seed_demo

    for url in _new_database_url(tmp_path_factory.mktemp("seeded")):
        engine = make_engine(url)
        upgrade_schema(engine)
        seed_demo(engine, customers=customers, months=24, seed=7, as_of=date(2026, 11, 1))
        finish_seed(engine, as_of=date(2026, 11, 1))
        yield engine
        engine.dispose()


@pytest.fixture(scope="session")
def seeded_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A small demo database (2,000 customers, 24 months) shared read-only by a session."""
    yield from _seeded(tmp_path_factory, 2000)


@pytest.fixture(scope="session")
def larger_seeded_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """6,000 customers: enough answers per region for the planted signals to be detectable."""
    yield from _seeded(tmp_path_factory, 6000)
