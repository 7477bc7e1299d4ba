"""Password checks, the database-held lockout and its audit trail."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from data_access import audit
from data_access.db import make_engine
from data_access.models import AuditLog, User
from data_access.users import attempt_login, credentials, ensure_demo_users, get_viewer

pytestmark = pytest.mark.db
PASSWORD = "correct-horse-battery"


@pytest.fixture
def engine(migrated_engine):
    with migrated_engine.begin() as conn:
        ensure_demo_users(conn, PASSWORD)
    return migrated_engine


def _actions(engine, username):
    with engine.connect() as conn:
        return [r.action for r in audit.recent(conn, 50, username)][::-1]


def test_demo_users_one_per_role_plus_scoped(engine):
    with engine.connect() as conn:
        rows = conn.execute(select(User.username, User.role, User.region_scope)).all()
    assert {(r.username, r.role, r.region_scope) for r in rows} == {
        ("exec", "executive", None),
        ("risk", "risk_manager", None),
        ("analyst", "analyst", None),
        ("admin", "admin", None),
        ("risk_east", "risk_manager", "East"),
    }
    with engine.connect() as conn:
        hashes = conn.execute(select(User.password_hash)).scalars().all()
    assert all(h.startswith("$2") and PASSWORD not in h for h in hashes)


def test_good_password_logs_in_and_is_audited(engine):
    result = attempt_login(engine, "Exec ", PASSWORD)  # normalised like the login form does
    assert result.ok
    assert _actions(engine, "exec")[-1] == "login"
    with engine.connect() as conn:
        assert conn.execute(select(User.last_login_at).where(User.username == "exec")).scalar()


def test_five_failures_lock_for_fifteen_minutes_across_restarts(engine):
    t0 = datetime(2026, 11, 24, 10, 0)
    for i in range(4):
        r = attempt_login(engine, "risk", "wrong", now=t0)
        assert not r.ok and r.reason == "bad_credentials" and r.attempts_left == 4 - i
    r = attempt_login(engine, "risk", "wrong", now=t0)
    assert r.reason == "locked" and r.locked_until == t0 + timedelta(minutes=15)

    # A new engine stands for a restarted server: the lock lives in the database.
    restarted = make_engine(str(engine.url.render_as_string(hide_password=False)))
    r = attempt_login(restarted, "risk", PASSWORD, now=t0 + timedelta(minutes=14))
    assert not r.ok and r.reason == "locked"
    with restarted.connect() as conn:
        assert "risk" not in credentials(conn, now=t0 + timedelta(minutes=14))["usernames"]
    r = attempt_login(restarted, "risk", PASSWORD, now=t0 + timedelta(minutes=15, seconds=1))
    assert r.ok
    restarted.dispose()
    actions = _actions(engine, "risk")
    assert actions.count("login_failed") == 5
    assert actions.count("account_locked") == 1
    assert "login_refused" in actions and actions[-1] == "login"


def test_success_resets_the_failure_count(engine):
    for _ in range(4):
        attempt_login(engine, "analyst", "wrong")
    assert attempt_login(engine, "analyst", PASSWORD).ok
    r = attempt_login(engine, "analyst", "wrong")
    assert r.attempts_left == 4


def test_unknown_user_and_inactive_user(engine):
    assert attempt_login(engine, "nobody", "x").reason == "bad_credentials"
    with engine.begin() as conn:
        conn.execute(update(User).where(User.username == "exec").values(active=False))
    assert attempt_login(engine, "exec", PASSWORD).reason == "inactive"
    with engine.connect() as conn:
        assert get_viewer(conn, "exec") is None
        assert "exec" not in credentials(conn)["usernames"]
        assert get_viewer(conn, "risk_east").region_scope == "East"


def test_sql_metacharacters_in_username_are_just_text(engine):
    r = attempt_login(engine, "' OR '1'='1", "' OR '1'='1")
    assert not r.ok
    with engine.connect() as conn:
        assert conn.execute(select(AuditLog.object_id).order_by(AuditLog.id.desc())).first()[0] == (
            "' or '1'='1"
        )
