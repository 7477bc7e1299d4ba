"""The data version that keys every cached view: it moves with a change of data and stays
put for logins, user administration, downloads and refused imports (which change nothing a
dashboard shows)."""

import io

import pytest

import importer
from data_access import audit
from data_access.security import Viewer

pytestmark = pytest.mark.db


def version(engine) -> int:
    with engine.connect() as conn:
        return audit.data_version(conn)


def test_the_version_moves_with_data_not_with_logins_or_downloads(migrated_engine):
    start = version(migrated_engine)
    with migrated_engine.begin() as conn:
        audit.record(conn, "ann", "login", "user", "ann")
        audit.record(conn, "ann", "password_changed", "user", "ann")
    audit.record_export(migrated_engine, "ann", "churn_risk", 10, {})
    assert version(migrated_engine) == start
    customers = (
        "external_id,name,region,segment,tier,source_system,signup_date,contract_type\n"
        "C-1,Ann,East,SMB,normal,CRM,2025-01-01,monthly\n"
    )
    report = importer.import_file(
        migrated_engine,
        Viewer("cli", "admin"),
        "customers",
        io.BytesIO(customers.encode()),
        "c.csv",
    )
    assert report.ok
    moved = version(migrated_engine)
    assert moved > start
    refused = importer.import_file(
        migrated_engine,
        Viewer("cli", "admin"),
        "customers",
        io.BytesIO(customers.encode()),
        "c.csv",
    )
    assert not refused.ok  # a refused import is audited but wrote nothing a page shows
    assert version(migrated_engine) == moved
