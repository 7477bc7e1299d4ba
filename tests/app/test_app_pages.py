"""Every page for every role through Streamlit's AppTest, with the real login form."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from components import state
from components.cache import engine
from components.navigation import PAGES
from data_access.security import can
from data_access.users import session_version
from demo.users import DEMO_USERS
from tests.app.conftest import app, login

ROLES = {username: role for username, _name, role, _scope in DEMO_USERS}


def _texts(at: AppTest) -> str:
    parts = (
        [m.value for m in at.markdown] + [e.value for e in at.error] + [w.value for w in at.warning]
    )
    parts += [t.value for t in at.title] + [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts)


def test_logged_out_visitor_sees_only_the_login_form():
    at = app()
    at.run()
    assert not at.exception
    assert len(at.text_input) == 2
    assert not at.metric
    assert "What needs attention" not in _texts(at)


def test_wrong_password_is_refused_with_a_message():
    at = login("exec", "not-the-password")
    assert not at.exception
    assert any("the username or password is wrong" in e.value for e in at.error)
    assert not at.metric


@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_sees_its_pages_and_the_overview_renders(username):
    at = login(username)
    assert not at.exception, at.exception
    assert at.session_state["authentication_status"] is True
    allowed = [p for p in PAGES if can(ROLES[username], p.permission)]
    for page in allowed:
        at.switch_page(page.path).run()
        assert not at.exception, (page.path, at.exception)
    # The overview is every role's landing page: seven KPI tiles and two charts.
    at.switch_page("app_pages/overview.py").run()
    assert len(at.metric) == 7
    assert len(at.get("plotly_chart")) == 2
    assert any(
        b.label == "Log out" for b in at.button
    )  # the router (app.py) ran, not just the page
    assert "What needs attention today?" in _texts(at)


def test_region_scoped_user_cannot_widen_scope_through_the_filter():
    at = login("risk_east")
    region = next(m for m in at.multiselect if m.label == "Region")
    assert list(region.options) == ["East"]
    assert "Region scope: East" in _texts(at)


def test_page_guard_refuses_when_opened_directly_without_login():
    at = app("app_pages/overview.py")
    at.run()
    assert not at.exception
    assert any("log in" in w.value for w in at.warning)
    assert not at.metric and not at.get("plotly_chart")


def test_language_switch_translates_the_overview():
    at = login("exec")
    at.selectbox(key=state.LANGUAGE).select("zh").run()
    assert not at.exception
    assert "今天需要关注什么？" in _texts(at)
    assert any("净推荐值" in m.label for m in at.metric)


def test_logout_returns_to_the_login_form():
    at = login("analyst")
    logout = next(b for b in at.button if b.label == "Log out")
    logout.click().run()
    assert not at.exception
    assert not at.metric
    assert len(at.text_input) == 2


@pytest.mark.parametrize("username", [u for u, r in ROLES.items() if r != "admin"])
def test_forbidden_pages_are_not_served_through_navigation(username):
    at = login(username)
    forbidden = [p for p in PAGES if not can(ROLES[username], p.permission)]
    assert forbidden
    for page in forbidden:
        # Not registered in this role's navigation, so it cannot be switched to at all.
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page.path)
    # The URL path of a forbidden page falls back to the role's default page.
    at.query_params.clear()
    at.run()
    assert not at.exception
    assert "Who did what" not in _texts(at)
    assert not at.dataframe


@pytest.mark.parametrize("username", ["exec", "risk", "analyst", "risk_east"])
def test_page_guard_refuses_a_logged_in_user_without_the_permission(username):
    at = app("app_pages/audit_log.py")
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    with engine().connect() as conn:  # a login is bound to the user's session version
        at.session_state[state.SESSION_VERSION] = session_version(conn, username)
    at.run()
    assert not at.exception
    assert any("not allowed" in e.value for e in at.error)
    assert not at.dataframe and not at.get("plotly_chart")


def test_admin_reads_the_audit_log_with_logins_in_it():
    at = login("admin")
    at.switch_page("app_pages/audit_log.py").run()
    assert not at.exception
    assert "Who did what, and when?" in _texts(at)
    assert "login" in set(at.dataframe[0].value["action"])  # the login just made
    assert len(at.get("plotly_chart")) == 1
    # Older rows, however many came since (the suites share one database): by their action.
    next(s for s in at.selectbox if s.label == "Action").set_value("user_created").run()
    assert set(at.dataframe[0].value["action"]) == {"user_created"}


def test_audit_log_filters_by_object_and_offers_an_export():
    at = login("admin")
    at.switch_page("app_pages/audit_log.py").run()
    objects = next(s for s in at.selectbox if s.label == "Object")
    assert "user" in objects.options
    objects.set_value("user").run()
    assert not at.exception
    assert set(at.dataframe[0].value["object_type"]) == {"user"}
    assert any(b.label.startswith("Export these") for b in at.get("download_button"))


def test_attention_items_below_the_first_seven_are_listed_on_request():
    """The overview ranks every item; the first seven show, the rest in an expander whose
    numbering goes on, none dropped."""
    at = login("risk")
    assert not at.exception, at.exception
    more = [e for e in at.expander if re.fullmatch(r"\d+ more items, lower in rank", e.label)]
    assert len(more) == 1  # the demo has more than seven items
    shown = int(more[0].label.split()[0])
    numbers = [
        int(m.group(1))
        for m in (re.match(r"\*\*(\d+)\. ", md.value) for md in at.main.markdown)
        if m is not None
    ]
    assert numbers == list(range(1, 8 + shown))
    inside = [md.value for md in more[0].markdown if md.value.startswith("**")]
    assert len(inside) == shown and inside[0].startswith("**8. ")
