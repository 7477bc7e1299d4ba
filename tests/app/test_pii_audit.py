"""Every view of unmasked personal data is written to the audit log (issue 16): an analyst
(who sees personal data) opening the churn page leaves a pii_view row per list shown, a rerun
of the same screen leaves none more, and a risk manager (who sees it masked) leaves none.
Such rows are not data changes: they do not drop the cached views."""

import json
import os

from sqlalchemy import select

from data_access.audit import data_version
from data_access.db import make_engine
from data_access.models import AuditLog
from tests.app.conftest import login

PAGE = "app_pages/churn.py"


def _pii_views(username: str) -> list[dict]:
    engine = make_engine(os.environ["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(AuditLog.object_type, AuditLog.detail).where(
                    AuditLog.action == "pii_view", AuditLog.username == username
                )
            ).all()
    finally:
        engine.dispose()
    return [{"what": r.object_type, **json.loads(r.detail)} for r in rows]


def _version() -> int:
    engine = make_engine(os.environ["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return data_version(conn)
    finally:
        engine.dispose()


def test_an_analysts_view_of_named_customers_is_audited_once_per_view():
    before = len(_pii_views("analyst"))
    version = _version()
    at = login("analyst")
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    views = _pii_views("analyst")[before:]
    assert views, "no pii_view audited"
    assert all(v["rows"] > 0 and "customer" in v["columns"] for v in views)
    at.run()  # the same screen again: not a new view
    assert len(_pii_views("analyst")) == before + len(views)
    assert _version() == version  # reading is not a change of data


def test_a_masked_view_is_not_a_view_of_personal_data():
    before = len(_pii_views("risk"))
    at = login("risk")
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert len(_pii_views("risk")) == before
