"""Issue 11 through the real pages (AppTest, one shared server-side cache like a real server):
two sessions editing the same object, an edit that changes only what was typed, all-region
risks read-only for a scoped user, logins ended elsewhere, user text shown literally, records
hidden from executives, an over-long password at the login form."""

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from components import state
from components.cache import clear_register_caches
from data_access import register
from data_access.db import get_engine
from data_access.models import Risk
from data_access.register import RiskInput
from data_access.security import Viewer
from data_access.users import record_logout
from tests.app.conftest import as_read, login

REGISTER = "app_pages/register.py"
RISK = Viewer("risk", "risk_manager")


def _new_risk(title: str, **fields) -> str:
    data = dict(title=title, category="CHN", owner="Li Na", **fields)
    risk_id = register.create_risk(get_engine(), RISK, RiskInput(**data), 3, 4)
    clear_register_caches()  # written behind the app's back, as another server would
    return _stored(risk_id).code


def _stored(risk_id: int | None = None, code: str | None = None):
    with get_engine().connect() as conn:
        where = Risk.id == risk_id if risk_id is not None else Risk.code == code
        return conn.execute(select(Risk).where(where)).one()


def _open_risk(username: str, code: str) -> AppTest:
    at = login(username)
    at.switch_page(REGISTER).run()
    row = list(at.dataframe[0].value["code"]).index(code)
    at.session_state[state.REGISTER_TABLE] = {
        "selection": {"rows": [row], "columns": [], "cells": []}
    }
    at.run()
    assert not at.exception, at.exception
    return at


def _edit_title(at: AppTest, code: str):
    risk_id = _stored(code=code).id
    return next(
        w
        for w in at.text_input
        if w.key and w.key.startswith(f"edit_{risk_id}_") and w.key.endswith("_title")
    )


def _save_edit(at: AppTest) -> AppTest:
    next(b for b in at.button if b.proto.form_id.startswith("edit_")).click()
    return at.run()


def test_the_second_of_two_sessions_is_refused_and_keeps_what_it_typed():
    """Issue 11 #1: both open the risk; the first saves; the second's save is refused."""
    code = _new_risk("Lost update target")
    first, second = _open_risk("risk", code), _open_risk("risk", code)
    _edit_title(first, code).input("Saved by the first session")
    _save_edit(first)
    assert any("Saved" in s.value for s in first.success)
    _edit_title(second, code).input("Typed by the second session")
    _save_edit(second)
    assert not second.exception
    assert any("someone else changed this after you opened it" in e.value for e in second.error)
    assert _stored(code=code).title == "Saved by the first session"
    assert _edit_title(second, code).value == "Typed by the second session"  # kept
    # It says the risk changed, and loading the latest version shows the first's title.
    next(b for b in second.button if b.label == "Load the latest version").click().run()
    assert _edit_title(second, code).value == "Saved by the first session"


def test_a_title_only_edit_in_the_form_keeps_segment_and_tier():
    """Issue 11 #2: the form used to send segment and tier as 'all'."""
    code = _new_risk("Segmented risk", region="East", segment="SMB", tier="VIP")
    at = _open_risk("risk", code)
    _edit_title(at, code).input("Segmented risk, renamed")
    _save_edit(at)
    stored = _stored(code=code)
    assert (stored.title, stored.region, stored.segment, stored.tier) == (
        "Segmented risk, renamed",
        "East",
        "SMB",
        "VIP",
    )


def test_a_scoped_risk_manager_reads_an_all_regions_risk_without_forms():
    code = _new_risk("Applies everywhere")
    at = _open_risk("risk_east", code)
    assert any("only a user without a region scope may change it" in c.value for c in at.caption)
    assert not any(b.proto.form_id.startswith("edit_") for b in at.button)


def test_user_text_is_shown_literally_not_as_markdown():
    """Issue 11 #8: an image in a title is text, never an <img> the browser fetches."""
    title = "![beacon](http://attacker.example/x.png) **bold**"
    code = _new_risk(title)
    at = _open_risk("exec", code)
    heading = next(s.value for s in at.subheader if code in s.value)
    assert "![" not in heading and "](" not in heading and "**" not in heading
    assert "://" not in heading  # no bare URL for the autolinker either
    assert as_read(heading) == f"{code} · {title}"


def test_a_login_ends_when_the_user_logs_out_elsewhere():
    """Issue 11 #7: the session is bound to the user's session version."""
    at = login("analyst")
    assert at.metric
    record_logout(get_engine(), "analyst")  # the same user logs out in another browser
    at.run()
    assert not at.exception and not at.metric
    assert any("Your login has ended" in e.value for e in at.error)
    assert len(at.text_input) == 2  # the login form


def test_an_over_long_password_gets_the_one_refusal_message():
    """Issue 11 #5 and #6: no exception box, no 'attempts left', the same text as for an
    unknown user."""
    messages = []
    for username, password in (("exec", "x" * 100), ("nobody-here", "wrong-password")):
        at = login(username, password)
        assert not at.exception
        messages.append([e.value for e in at.error])
    assert messages[0] == messages[1] and "attempt" not in messages[0][0]


def test_executives_see_no_verbatim_comments():
    """Issue 11 #12: aggregates only."""
    at = login("exec")
    at.switch_page("app_pages/satisfaction.py").run()
    assert not at.exception
    assert any("Customers' own words are records" in i.value for i in at.info)
    assert not any("comment" in f.value.columns for f in at.dataframe)
