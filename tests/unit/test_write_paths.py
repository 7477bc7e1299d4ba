"""Every write path keeps every row it should and changes none it may not (issue 11):
a save made on an older version is refused for every editable object, an edit changes only
the fields it names, a region-scoped user changes nothing outside the region, refused
passwords are audited."""

from datetime import datetime

import pytest
from sqlalchemy import select

from data_access import audit, dq_results, register, user_admin
from data_access.models import Risk, RiskAppetite, User
from data_access.register import RiskInput
from data_access.security import Viewer
from data_access.settings import (
    StaleSettingsError,
    all_settings,
    appetite,
    save_appetite,
    save_settings,
)
from data_access.users import attempt_login, create_user, session_version
from quality import records as dq_records

pytestmark = pytest.mark.db

RISK = Viewer("risk", "risk_manager")
EAST = Viewer("risk_east", "risk_manager", "East")
ADMIN = Viewer("boss", "admin")
EAST_ADMIN = Viewer("east_boss", "admin", "East")
ANALYST = Viewer("ana", "analyst")
EAST_ANALYST = Viewer("ana_east", "analyst", "East")
NOW = datetime(2026, 11, 2, 9, 0)
GOOD = "correct horse battery"


def _risk(engine, viewer=RISK, **fields):
    data = dict(title="Churn in call centre", category="CHN", owner="Li Na")
    data.update(fields)
    return register.create_risk(engine, viewer, RiskInput(**data), 4, 4, now=NOW)


def _stored_risk(engine, risk_id):
    with engine.connect() as conn:
        return conn.execute(select(Risk).where(Risk.id == risk_id)).one()


def _actions(engine):
    with engine.connect() as conn:
        return [r.action for r in audit.recent(conn, 200)]


# --- 1. lost updates ---------------------------------------------------------------------------


def test_a_detail_edit_on_an_older_version_is_refused(migrated_engine):
    rid = _risk(migrated_engine)
    register.update_details(migrated_engine, RISK, rid, 1, {"title": "First editor"})
    with pytest.raises(register.StaleEditError):
        register.update_details(migrated_engine, RISK, rid, 1, {"title": "Second editor"})
    stored = _stored_risk(migrated_engine, rid)
    assert (stored.title, stored.version) == ("First editor", 2)


def test_a_user_change_on_an_older_version_is_refused(migrated_engine):
    with migrated_engine.begin() as conn:
        create_user(conn, "boss", "Boss", "b@x.cn", GOOD, "admin")
        create_user(conn, "li", "Li", "li@x.cn", GOOD, "analyst")
    user_admin.change_role(migrated_engine, ADMIN, "li", "risk_manager", None, 1)
    with pytest.raises(user_admin.StaleUserError):  # opened at version 1, stored is 2
        user_admin.change_role(migrated_engine, ADMIN, "li", "analyst", "West", 1)
    for stale in (
        lambda: user_admin.set_active(migrated_engine, ADMIN, "li", False, 1),
        lambda: user_admin.unlock(migrated_engine, ADMIN, "li", 1),
        lambda: user_admin.reset_password(migrated_engine, ADMIN, "li", "x" * 14, 1),
    ):
        with pytest.raises(user_admin.StaleUserError):
            stale()
    with migrated_engine.connect() as conn:
        li = conn.execute(select(User).where(User.username == "li")).one()
    assert (li.role, li.region_scope, li.active, li.version) == ("risk_manager", None, True, 2)


def test_settings_and_appetite_saved_over_a_newer_value_are_refused(migrated_engine):
    with migrated_engine.begin() as conn:
        conn.execute(RiskAppetite.__table__.insert().values(category="CHN", max_score=12))
        conn.execute(RiskAppetite.__table__.insert().values(category="CRD", max_score=10))
        opened_settings = {"min_sample_size": all_settings(conn)["min_sample_size"]}
    save_settings(migrated_engine, ADMIN, {"min_sample_size": 50}, opened_settings)
    with pytest.raises(StaleSettingsError, match="min_sample_size"):
        save_settings(migrated_engine, ADMIN, {"min_sample_size": 80}, opened_settings)
    opened = {"CHN": 12, "CRD": 10}
    save_appetite(migrated_engine, ADMIN, {"CHN": 9, "CRD": 10}, opened)
    with pytest.raises(StaleSettingsError, match="CHN"):
        save_appetite(migrated_engine, ADMIN, {"CHN": 15, "CRD": 5}, opened)
    with migrated_engine.connect() as conn:
        assert all_settings(conn)["min_sample_size"] == 50
        assert appetite(conn) == {"CHN": 9, "CRD": 10}  # CRD not half-written either


def test_a_rule_change_on_an_older_copy_is_refused_and_scoped_users_may_not_edit_rules(
    migrated_engine,
):
    rule = {
        "code": "CUS_EMAIL_SET",
        "table_name": "customers",
        "column_name": "email",
        "dimension": "completeness",
        "rule_type": "not_null",
        "params": {},
        "threshold": 0.9,
        "weight": 1.0,
        "description": "",
    }
    rule_id = dq_records.create_rule(migrated_engine, ANALYST, rule)
    with migrated_engine.connect() as conn:
        opened = {k: dq_results.get_rule(conn, rule_id)[k] for k in dq_records.EDITABLE}
    dq_records.update_rule(migrated_engine, ANALYST, rule_id, opened, {"weight": 3.0})
    with pytest.raises(dq_records.StaleRuleError):
        dq_records.update_rule(migrated_engine, ANALYST, rule_id, opened, {"threshold": 0.5})
    with pytest.raises(PermissionError, match="region scope"):
        dq_records.create_rule(migrated_engine, EAST_ANALYST, {**rule, "code": "OTHER"})
    with migrated_engine.connect() as conn:
        fresh = {k: dq_results.get_rule(conn, rule_id)[k] for k in dq_records.EDITABLE}
    with pytest.raises(PermissionError):
        dq_records.update_rule(migrated_engine, EAST_ANALYST, rule_id, fresh, {"weight": 9.0})
    with migrated_engine.connect() as conn:
        stored = dq_results.get_rule(conn, rule_id)
    assert (stored["weight"], stored["threshold"]) == (3.0, 0.9)


# --- 2. an edit changes only what it names -------------------------------------------------------


def test_a_title_only_edit_keeps_every_other_field(migrated_engine):
    rid = _risk(migrated_engine, region="East", segment="SMB", tier="VIP", description="Keep me")
    register.update_details(migrated_engine, RISK, rid, 1, {"title": "Renamed"})
    stored = _stored_risk(migrated_engine, rid)
    assert (stored.title, stored.region, stored.segment, stored.tier, stored.description) == (
        "Renamed",
        "East",
        "SMB",
        "VIP",
        "Keep me",
    )
    with migrated_engine.connect() as conn:
        detail = register.risk_detail(conn, RISK, rid)
    assert set(detail["history"]["field"]) == {"status", "title"}


def test_an_edit_of_a_field_that_is_not_descriptive_is_refused(migrated_engine):
    rid = _risk(migrated_engine)
    with pytest.raises(register.ValidationError) as err:
        register.update_details(migrated_engine, RISK, rid, 1, {"status": "Closed"})
    assert "status" in err.value.errors
    assert _stored_risk(migrated_engine, rid).status == "Assessed"


# --- 4. region scope on every write --------------------------------------------------------------


def test_a_scoped_user_reads_but_does_not_change_an_all_regions_risk(migrated_engine):
    everywhere = _risk(migrated_engine)  # region None: applies to every region
    east = _risk(migrated_engine, EAST, region="East")
    with migrated_engine.connect() as conn:
        assert register.risk_detail(conn, EAST, everywhere) is not None
    for write in (
        lambda: register.update_details(migrated_engine, EAST, everywhere, 1, {"title": "x"}),
        lambda: register.assess(migrated_engine, EAST, everywhere, 1, "current", 1, 1),
        lambda: register.close_risk(migrated_engine, EAST, everywhere, 1),
    ):
        with pytest.raises(register.NotAllowedError, match="all regions"):
            write()
    # Their own region's risk: allowed, but not moved out of the region or made global.
    for region in ("West", None):
        with pytest.raises(register.ValidationError, match="region East"):
            register.update_details(migrated_engine, EAST, east, 1, {"region": region})
    register.update_details(migrated_engine, EAST, east, 1, {"title": "East only, renamed"})
    assert _stored_risk(migrated_engine, everywhere).version == 1
    assert _stored_risk(migrated_engine, east).region == "East"
    assert not register.may_change(EAST, None) and register.may_change(EAST, "East")


def test_a_scoped_admin_manages_only_their_region(migrated_engine):
    with migrated_engine.begin() as conn:
        create_user(conn, "east_boss", "East boss", "e@x.cn", GOOD, "admin", "East")
        create_user(conn, "west_user", "West", "w@x.cn", GOOD, "analyst", "West")
        create_user(conn, "east_user", "East", "e2@x.cn", GOOD, "analyst", "East")
    with pytest.raises(user_admin.AdminError, match="scoped to East"):
        user_admin.add_user(
            migrated_engine, EAST_ADMIN, "new_one", "N", "n@x.cn", GOOD, "admin", None
        )
    with pytest.raises(user_admin.AdminError, match="scoped to East"):
        user_admin.change_role(migrated_engine, EAST_ADMIN, "west_user", "analyst", "East", 1)
    with pytest.raises(user_admin.AdminError, match="scoped to East"):
        user_admin.change_role(migrated_engine, EAST_ADMIN, "east_user", "analyst", None, 1)
    with pytest.raises(PermissionError):
        save_settings(migrated_engine, EAST_ADMIN, {"min_sample_size": 40}, {"min_sample_size": 30})
    user_admin.change_role(migrated_engine, EAST_ADMIN, "east_user", "risk_manager", "East", 1)
    with migrated_engine.connect() as conn:
        listed = set(user_admin.list_users(conn, EAST_ADMIN)["username"])
    assert listed == {"east_boss", "east_user"}


# --- 6, 7. passwords and the end of logins -------------------------------------------------------


def test_a_password_over_72_bytes_is_refused_at_set_and_reset_and_audited(migrated_engine):
    with migrated_engine.begin() as conn:
        create_user(conn, "boss", "Boss", "b@x.cn", GOOD, "admin")
    long = "correct horse battery staple " * 3  # 87 bytes
    with pytest.raises(user_admin.AdminError, match="at most 72 bytes"):
        user_admin.add_user(migrated_engine, ADMIN, "li", "Li", "li@x.cn", long, "analyst", None)
    with pytest.raises(user_admin.AdminError, match="at most 72 bytes"):
        user_admin.reset_password(migrated_engine, ADMIN, "boss", "密码" * 13, 1)  # 78 bytes
    with pytest.raises(user_admin.AdminError, match="start or end"):
        user_admin.reset_password(migrated_engine, ADMIN, "boss", " spaced password ", 1)
    assert _actions(migrated_engine).count("password_refused") == 3
    with migrated_engine.connect() as conn:
        assert conn.execute(select(User.username).where(User.username == "li")).first() is None
    assert attempt_login(migrated_engine, "boss", GOOD).ok  # the old password still works


@pytest.mark.parametrize(
    ("change", "ends_logins"),
    [
        (lambda e: user_admin.reset_password(e, ADMIN, "li", "a new long secret", 1), True),
        (lambda e: user_admin.set_active(e, ADMIN, "li", False, 1), True),
        (lambda e: user_admin.change_role(e, ADMIN, "li", "analyst", "West", 1), True),
        (lambda e: user_admin.change_role(e, ADMIN, "li", "analyst", None, 1), False),
        (lambda e: user_admin.unlock(e, ADMIN, "li", 1), False),
    ],
)
def test_changes_to_what_a_login_may_do_end_the_logins(migrated_engine, change, ends_logins):
    with migrated_engine.begin() as conn:
        create_user(conn, "boss", "Boss", "b@x.cn", GOOD, "admin")
        create_user(conn, "li", "Li", "li@x.cn", GOOD, "analyst")
    before = attempt_login(migrated_engine, "li", GOOD).session_version
    change(migrated_engine)
    with migrated_engine.connect() as conn:
        assert (session_version(conn, "li") != before) == ends_logins
