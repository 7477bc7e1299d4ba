"""First start: the demo on a brand-new database, or (DEMO_DATA=0) an empty install that holds
only the default rules and one administrator, never with a fixed password; the demo never
lands on top of an existing install."""

import pytest
from sqlalchemy import func, select

from bootstrap import ADMIN_USERNAME, prepare_database
from data_access import user_admin
from data_access.models import AuditLog, Customer, DqRule, Setting, User
from data_access.users import attempt_login, must_change_password
from quality.rule_set import DEFAULT_RULES

pytestmark = pytest.mark.db
STRONG = "correct horse battery staple"


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_an_empty_install_holds_rules_and_one_administrator_with_a_one_time_password(
    migrated_engine,
):
    said = prepare_database(migrated_engine, demo=False)
    one_time = said.split("one-time password ")[1].split(" ")[0]
    assert len(one_time) >= 12
    assert _count(migrated_engine, Customer) == 0
    assert _count(migrated_engine, DqRule) == len(DEFAULT_RULES)
    assert _count(migrated_engine, Setting) == 0  # the defaults in code apply
    with migrated_engine.connect() as conn:
        assert list(conn.execute(select(User.username)).scalars()) == [ADMIN_USERNAME]
        assert must_change_password(conn, ADMIN_USERNAME)
    assert attempt_login(migrated_engine, ADMIN_USERNAME, one_time).ok
    assert not attempt_login(migrated_engine, ADMIN_USERNAME, "crm-risk-demo").ok


def test_admin_password_from_the_environment_needs_no_change_and_follows_the_policy(
    migrated_engine,
):
    with pytest.raises(ValueError, match="ADMIN_PASSWORD: password: at least 12"):
        prepare_database(migrated_engine, demo=False, admin_password="short")
    assert _count(migrated_engine, User) == 0  # nothing half-created
    said = prepare_database(migrated_engine, demo=False, admin_password=STRONG)
    assert "one-time" not in said
    with migrated_engine.connect() as conn:
        assert not must_change_password(conn, ADMIN_USERNAME)
    assert attempt_login(migrated_engine, ADMIN_USERNAME, STRONG).ok


def test_the_demo_never_lands_on_an_existing_install(migrated_engine):
    prepare_database(migrated_engine, demo=False, admin_password=STRONG)
    assert prepare_database(migrated_engine, demo=True, customers=60, months=6) == "up to date"
    assert _count(migrated_engine, Customer) == 0
    assert _count(migrated_engine, User) == 1


def test_the_first_login_replaces_the_one_time_password(migrated_engine):
    said = prepare_database(migrated_engine, demo=False)
    one_time = said.split("one-time password ")[1].split(" ")[0]
    with pytest.raises(user_admin.AdminError, match="current password: not correct"):
        user_admin.change_own_password(migrated_engine, ADMIN_USERNAME, "wrong", STRONG)
    with pytest.raises(user_admin.AdminError, match="must differ"):
        user_admin.change_own_password(migrated_engine, ADMIN_USERNAME, one_time, one_time)
    version = user_admin.change_own_password(migrated_engine, ADMIN_USERNAME, one_time, STRONG)
    assert version == 2
    with migrated_engine.connect() as conn:
        assert not must_change_password(conn, ADMIN_USERNAME)
        actions = list(conn.execute(select(AuditLog.action)).scalars())
    assert actions.count("password_refused") == 2 and "password_changed" in actions
    assert attempt_login(migrated_engine, ADMIN_USERNAME, STRONG).ok
    assert not attempt_login(migrated_engine, ADMIN_USERNAME, one_time).ok
