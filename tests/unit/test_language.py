"""The UI language a session opens in: the link's, else the user's remembered choice, else
the browser's, else English; remembering a choice touches neither the user's versions nor
the dashboards' cached views."""

import pytest
from sqlalchemy import select

from components.i18n import initial_language
from data_access import audit
from data_access.models import User
from data_access.users import set_language, stored_language
from demo.users import ensure_demo_users


@pytest.mark.parametrize(
    ("link", "stored", "browser", "expected"),
    [
        ("zh", "en", "en-US", "zh"),  # the link wins
        ("en", "zh", "zh-CN", "en"),
        (None, "zh", "en-US", "zh"),  # then the user's remembered choice
        ("fr", "zh", "en-US", "zh"),  # a link's unknown language is no choice
        (None, None, "zh-CN", "zh"),  # then the browser's Accept-Language
        (None, "xx", "zh-TW", "zh"),  # an unknown stored value is ignored
        (None, None, "de-DE", "en"),  # else English
        (None, None, None, "en"),
    ],
)
def test_the_language_comes_from_the_link_then_the_user_then_the_browser(
    link, stored, browser, expected
):
    assert initial_language(link, browser, stored) == expected


def test_without_a_remembered_choice_the_old_two_argument_call_still_holds():
    assert initial_language(None, "zh-CN") == "zh" and initial_language("en", "zh-CN") == "en"


@pytest.mark.db
def test_a_users_language_is_remembered_without_touching_versions_or_caches(migrated_engine):
    with migrated_engine.begin() as conn:
        ensure_demo_users(conn, "correct-horse-battery")
        audit.record(conn, "analyst", "dq_run", "dq_run", 1)
        data_version = audit.data_version(conn)

    def user():
        with migrated_engine.connect() as conn:
            return conn.execute(select(User).where(User.username == "exec")).one()

    before = user()
    with migrated_engine.connect() as conn:
        assert stored_language(conn, "exec") is None
    set_language(migrated_engine, "exec", "zh")
    set_language(migrated_engine, "exec", "zh")  # no change: no second audit row
    after = user()
    assert after.language == "zh"
    assert (after.version, after.session_version) == (before.version, before.session_version)
    with migrated_engine.connect() as conn:
        assert stored_language(conn, "exec") == "zh"
        assert stored_language(conn, "nobody") is None
        assert audit.data_version(conn) == data_version
        rows = [r for r in audit.recent(conn, 10, "exec") if r.action == "language_set"]
    assert len(rows) == 1
    with pytest.raises(ValueError, match="language"):
        set_language(migrated_engine, "exec", "fr")
    set_language(migrated_engine, "exec", None)
    assert user().language is None
