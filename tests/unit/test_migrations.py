"""The Alembic migration and the SQLAlchemy models describe the same schema."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, text
from sqlalchemy.exc import DBAPIError

from data_access.models import AuditLog, Base
from data_access.schema import ALEMBIC_INI

pytestmark = pytest.mark.db


def test_models_match_the_migrated_schema(migrated_engine):
    with migrated_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_every_domain_table_exists(migrated_engine):
    tables = set(inspect(migrated_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert {
        "customers",
        "invoices",
        "survey_responses",
        "complaints",
        "risks",
        "kris",
        "dq_rules",
        "users",
        "audit_log",
    } <= tables


def test_downgrade_and_upgrade_again(migrated_engine):
    cfg = Config(str(ALEMBIC_INI))
    with migrated_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "customers" not in inspect(migrated_engine).get_table_names()
    with migrated_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert "customers" in inspect(migrated_engine).get_table_names()


def test_audit_log_is_append_only_in_the_database(migrated_engine):
    from datetime import datetime

    with migrated_engine.begin() as conn:
        conn.execute(insert(AuditLog).values(at=datetime(2026, 1, 1), action="x"))
    for statement in ("update audit_log set action = 'y'", "delete from audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), migrated_engine.begin() as conn:
            conn.execute(text(statement))
