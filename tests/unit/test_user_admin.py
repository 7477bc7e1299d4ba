"""User administration and settings: policy, last-admin protection, unlock, audit, and
validation of settings and appetite, all enforced in the data layer."""

from datetime import datetime, timedelta

import pytest

from data_access import audit, user_admin
from data_access.security import Viewer
from data_access.settings import (
    appetite,
    get_setting,
    save_appetite,
    save_settings,
    settings_problems,
)
from data_access.users import attempt_login, create_user, get_viewer

pytestmark = pytest.mark.db

ADMIN = Viewer("boss", "admin")
ANALYST = Viewer("ana", "analyst")
GOOD = "correct horse battery"


@pytest.fixture
def engine(migrated_engine):
    with migrated_engine.begin() as conn:
        create_user(conn, "boss", "The Boss", "boss@example.com", GOOD, "admin")
    return migrated_engine


def test_password_policy():
    assert user_admin.password_problems("li", "short") == ["password: at least 12 characters"]
    assert user_admin.password_problems("zhaolei", "Zhaolei-2026-secret") == [
        "password: must not contain the user name"
    ]
    assert user_admin.password_problems("zhaolei", GOOD) == []


def test_admin_creates_a_scoped_user_who_can_log_in(engine):
    user_admin.add_user(engine, ADMIN, "Li.Wei", "Li Wei", "li@x.cn", GOOD, "risk_manager", "West")
    assert attempt_login(engine, "li.wei", GOOD).ok
    with engine.connect() as conn:
        assert get_viewer(conn, "li.wei") == Viewer("li.wei", "risk_manager", "West")
        assert "user_create" in [r.action for r in audit.recent(conn)]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("x", "X", "x@x.cn", GOOD, "admin", None), "username"),
        (("new_user", "", "x@x.cn", GOOD, "admin", None), "name"),
        (("new_user", "N", "not-an-email", GOOD, "admin", None), "email"),
        (("new_user", "N", "n@x.cn", GOOD, "superuser", None), "role"),
        (("new_user", "N", "n@x.cn", GOOD, "analyst", "Atlantis"), "region_scope"),
        (("new_user", "N", "n@x.cn", "new_user-pass-long", "analyst", None), "password"),
        (("boss", "N", "n@x.cn", GOOD, "analyst", None), "already exists"),
        (("robert'); drop table users;--", "N", "n@x.cn", GOOD, "analyst", None), "username"),
    ],
)
def test_bad_new_users_are_refused_with_the_reason(engine, args, problem):
    with pytest.raises(user_admin.AdminError, match=problem):
        user_admin.add_user(engine, ADMIN, *args)
    with engine.connect() as conn:
        assert len(user_admin.list_users(conn)) == 1


def _version(engine, username):
    with engine.connect() as conn:
        users = user_admin.list_users(conn)
    return int(users.set_index("username").loc[username, "version"])


def test_only_admins_administer(engine):
    with pytest.raises(PermissionError):
        user_admin.add_user(engine, ANALYST, "new_user", "N", "n@x.cn", GOOD, "admin", None)
    with pytest.raises(PermissionError):
        user_admin.unlock(engine, ANALYST, "boss", 1)
    with pytest.raises(PermissionError):
        save_settings(engine, ANALYST, {"min_sample_size": 50}, {"min_sample_size": 30})


def test_the_last_admin_cannot_be_removed(engine):
    with pytest.raises(user_admin.AdminError, match="last active administrator"):
        user_admin.set_active(engine, ADMIN, "boss", False, 1)
    with pytest.raises(user_admin.AdminError, match="last active administrator"):
        user_admin.change_role(engine, ADMIN, "boss", "analyst", None, 1)
    user_admin.add_user(engine, ADMIN, "second", "Second", "s@x.cn", GOOD, "admin", None)
    user_admin.set_active(engine, ADMIN, "boss", False, 1)  # now allowed: another admin exists
    assert not attempt_login(engine, "boss", GOOD).ok
    with pytest.raises(user_admin.AdminError, match="last active administrator"):
        user_admin.change_role(engine, Viewer("second", "admin"), "second", "analyst", None, 1)


def test_unlock_and_reset_lift_a_lockout(engine):
    now = datetime.now()
    for _ in range(5):
        attempt_login(engine, "boss", "wrong password!", now)
    assert not attempt_login(engine, "boss", GOOD, now).ok
    user_admin.unlock(engine, ADMIN, "boss", _version(engine, "boss"))
    assert attempt_login(engine, "boss", GOOD, now).ok
    for _ in range(5):
        attempt_login(engine, "boss", "wrong password!", now)
    user_admin.reset_password(
        engine, ADMIN, "boss", "another long secret", _version(engine, "boss")
    )
    assert attempt_login(engine, "boss", "another long secret", now + timedelta(seconds=1)).ok
    with engine.connect() as conn:
        actions = [r.action for r in audit.recent(conn)]
    assert "user_unlock" in actions and "password_reset" in actions


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"risk_level_bands": {"Low": 5, "Medium": 4, "High": 16, "Critical": 25}}, "Low <"),
        ({"risk_level_bands": {"Low": 4, "Medium": 9, "High": 16, "Critical": 20}}, "= 25"),
        ({"review_cadence_days": {"Critical": 90, "High": 60, "Medium": 90, "Low": 180}}, "often"),
        ({"min_sample_size": 2}, "min_sample_size"),
        ({"min_sample_size": "30; drop table settings"}, "min_sample_size"),
        ({"lockout_minutes": 0}, "cannot change"),
        ({"currency": "yuan"}, "ISO 4217"),
        ({"currency": "EU"}, "ISO 4217"),
        ({"currency": "CNY'; --"}, "ISO 4217"),
    ],
)
def test_settings_validation(values, problem):
    assert any(problem in p for p in settings_problems(values))


def test_a_currency_code_is_accepted():
    assert settings_problems({"currency": "EUR"}) == []


def test_settings_and_appetite_are_saved_and_audited(engine):
    save_settings(engine, ADMIN, {"min_sample_size": 50}, {"min_sample_size": 30})
    with engine.connect() as conn:
        assert get_setting(conn, "min_sample_size") == 50
    with engine.begin() as conn:
        from data_access.models import RiskAppetite

        conn.execute(RiskAppetite.__table__.insert().values(category="CHN", max_score=12))
    save_appetite(engine, ADMIN, {"CHN": 9}, {"CHN": 12})
    with pytest.raises(ValueError, match="1 to 25"):
        save_appetite(engine, ADMIN, {"CHN": 40}, {"CHN": 9})
    with pytest.raises(ValueError, match="unknown categories"):
        save_appetite(engine, ADMIN, {"XXX": 5}, {"XXX": 5})
    with engine.connect() as conn:
        assert appetite(conn) == {"CHN": 9}
        actions = [r.action for r in audit.recent(conn)]
    assert "settings_update" in actions and "appetite_update" in actions
