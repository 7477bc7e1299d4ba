"""Password checks, the database-held lockout and its audit trail."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from data_access import audit
from data_access.db import make_engine
from data_access.models import AuditLog, User
from data_access.users import (
    LoginResult,
    attempt_login,
    cookie_login,
    credentials,
    get_viewer,
    hash_password,
    record_logout,
)
from demo.users import ensure_demo_users

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


def _user(engine, username):
    with engine.connect() as conn:
        return conn.execute(select(User).where(User.username == username)).one()


def _last_detail(engine, username):
    with engine.connect() as conn:
        return audit.recent(conn, 1, username)[0].detail


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
        assert attempt_login(engine, "risk", "wrong", now=t0) == LoginResult(False)
        assert _user(engine, "risk").failed_attempts == i + 1
    assert attempt_login(engine, "risk", "wrong", now=t0) == LoginResult(False)
    assert _user(engine, "risk").locked_until == t0 + timedelta(minutes=15)

    # A new engine stands for a restarted server: the lock lives in the database.
    restarted = make_engine(str(engine.url.render_as_string(hide_password=False)))
    r = attempt_login(restarted, "risk", PASSWORD, now=t0 + timedelta(minutes=14))
    assert not r.ok and '"locked"' in _last_detail(engine, "risk")
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
    attempt_login(engine, "analyst", "wrong")
    assert _user(engine, "analyst").failed_attempts == 1


def test_unknown_user_and_inactive_user(engine):
    assert not attempt_login(engine, "nobody", "x").ok
    assert '"unknown user"' in _last_detail(engine, "nobody")
    with engine.begin() as conn:
        conn.execute(update(User).where(User.username == "exec").values(active=False))
    assert not attempt_login(engine, "exec", PASSWORD).ok
    assert '"inactive"' in _last_detail(engine, "exec")
    with engine.connect() as conn:
        assert get_viewer(conn, "exec") is None
        assert "exec" not in credentials(conn)["usernames"]
        assert get_viewer(conn, "risk_east").region_scope == "East"


def test_refusals_cannot_tell_which_user_names_exist(engine):
    """Issue 11 #5: an unknown user, a wrong password, a locked and an inactive account get
    the same answer (no attempts left, no reason); only the audit log knows why."""
    now = datetime(2026, 11, 24, 10, 0)
    with engine.begin() as conn:
        conn.execute(update(User).where(User.username == "exec").values(active=False))
        until = now + timedelta(minutes=5)
        conn.execute(update(User).where(User.username == "risk").values(locked_until=until))
    answers = {
        attempt_login(engine, "nobody", "wrong", now),
        attempt_login(engine, "analyst", "wrong", now),
        attempt_login(engine, "risk", PASSWORD, now),
        attempt_login(engine, "exec", PASSWORD, now),
    }
    assert answers == {LoginResult(False)}


def test_a_password_over_72_bytes_is_a_failed_login_not_a_crash(engine):
    """Issue 11 #6: bcrypt cannot take more than 72 bytes; the login fails and is audited."""
    long = "密" * 25  # 75 bytes in UTF-8
    assert attempt_login(engine, "analyst", long) == LoginResult(False)
    assert attempt_login(engine, "nobody", "x" * 100) == LoginResult(False)
    assert '"password_over_72_bytes": true' in _last_detail(engine, "analyst")
    with pytest.raises(ValueError, match="72 bytes"):
        hash_password(long)


def test_logout_ends_every_login_of_that_user(engine):
    """Issue 11 #7: a session (or cookie) bound to the version before the logout no longer
    gets a viewer; a fresh login gets the new version."""
    first = attempt_login(engine, "risk", PASSWORD)
    assert cookie_login(engine, "risk", first.session_version) == first.session_version
    record_logout(engine, "risk")
    with engine.connect() as conn:
        assert get_viewer(conn, "risk", first.session_version) is None
    assert cookie_login(engine, "risk", first.session_version) is None
    assert _actions(engine, "risk")[-1] == "cookie_refused"
    again = attempt_login(engine, "risk", PASSWORD)
    assert again.session_version == first.session_version + 1
    with engine.connect() as conn:
        assert get_viewer(conn, "risk", again.session_version).username == "risk"


def test_a_cookie_for_a_locked_inactive_or_unknown_user_is_refused(engine):
    version = attempt_login(engine, "analyst", PASSWORD).session_version
    assert "login_cookie" not in _actions(engine, "analyst")
    assert cookie_login(engine, "analyst", version) == version
    assert _actions(engine, "analyst")[-1] == "login_cookie"
    assert cookie_login(engine, "analyst", "1") is None  # only the exact integer
    assert cookie_login(engine, "ghost", 1) is None
    with engine.begin() as conn:
        until = datetime.now() + timedelta(minutes=5)
        conn.execute(update(User).where(User.username == "analyst").values(locked_until=until))
    assert cookie_login(engine, "analyst", version) is None


def test_sql_metacharacters_in_username_are_just_text(engine):
    r = attempt_login(engine, "' OR '1'='1", "' OR '1'='1")
    assert not r.ok
    with engine.connect() as conn:
        assert conn.execute(select(AuditLog.object_id).order_by(AuditLog.id.desc())).first()[0] == (
            "' or '1'='1"
        )
