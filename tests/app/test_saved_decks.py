"""Saved decks and the remembered language (issue 16): a presenter saves the deck's slides and
the link's filters under a name in the sidebar; another user opens `?present=1&deck=<name>`
and steps through that deck, within their own scope; an unknown name says so and shows the
standard deck. A user's language choice opens their next session in it."""

import os
from contextlib import contextmanager

from streamlit.testing.v1 import AppTest

from components import state
from data_access import decks, users
from data_access.db import make_engine
from data_access.security import Viewer
from tests.app.conftest import as_read, login


@contextmanager
def _database():
    engine = make_engine(os.environ["DATABASE_URL"])
    try:
        yield engine
    finally:
        engine.dispose()


def _logged_in(username: str, link: dict[str, str] | None = None) -> AppTest:
    at = login(username, link=link)
    assert not at.exception, at.exception
    return at


def _captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def _param(at: AppTest, key: str) -> str | None:
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def _save(at: AppTest, name: str, slides: list[str]) -> AppTest:
    at.text_input(key=state.DECK_NAME).input(name)
    at.multiselect(key=state.DECK_CHOSEN).set_value(slides)
    at.button(key=state.DECK_SAVE).click().run()
    assert not at.exception, at.exception
    return at


def test_a_deck_saved_in_the_sidebar_opens_by_link_for_another_user():
    at = _logged_in("exec", {"months": "6", "region": "West", "lang": "en"})
    # the form starts with every deck page the role may open, in the deck's order
    assert at.multiselect(key=state.DECK_CHOSEN).value == list(decks.SLIDES)
    _save(at, "Board meeting", ["overview", "satisfaction", "churn"])
    assert any("Saved the deck" in as_read(s.value) for s in at.success)
    link = next(p for p in at.get("page_link") if as_read(p.label) == "Board meeting")
    assert "present=1" in link.proto.query_string and "deck=Board" in link.proto.query_string
    with _database() as engine, engine.connect() as conn:
        saved = decks.get_deck(conn, Viewer("exec", "executive"), "Board meeting")
    assert saved.slides == ("overview", "satisfaction", "churn")
    assert saved.params == {"months": "6", "region": "West", "lang": "en", **_rest(saved)}

    # another user opens the link: the deck's three slides and its filters
    other = _logged_in("risk", {"present": "1", "deck": "Board meeting"})
    assert "Slide 1 of 3" in _captions(other)
    assert "Next: Satisfaction & complaints" in {p.label for p in other.get("page_link")}
    assert other.session_state[state.FILTERS].months == 6
    assert other.session_state[state.FILTERS].regions == ("West",)
    other.switch_page("app_pages/churn.py").run()
    assert "Slide 3 of 3" in _captions(other)

    # someone else may not replace it
    risk = _logged_in("risk")
    _save(risk, "Board meeting", ["churn"])
    assert any("only they can replace it" in as_read(e.value) for e in risk.error)


def _rest(saved: decks.Deck) -> dict[str, str]:
    """The filters the page wrote into the link besides the ones the test chose."""
    return {k: v for k, v in saved.params.items() if k not in ("months", "region", "lang")}


def test_a_scoped_user_opening_a_deck_of_another_region_sees_only_their_scope():
    with _database() as engine:
        decks.save_deck(
            engine,
            Viewer("exec", "executive"),
            "West review",
            ["overview", "churn"],
            {"region": "West"},
        )
    at = _logged_in("risk_east", {"present": "1", "deck": "West review"})
    assert "Slide 1 of 2" in _captions(at)
    assert any("West" in w.value and "outside your region scope" in w.value for w in at.warning)
    assert at.session_state[state.FILTERS].regions == ()


def test_an_unknown_deck_says_so_and_shows_the_standard_deck():
    at = _logged_in("exec", {"present": "1", "deck": "No such deck"})
    assert any("No saved deck called “No such deck”" in as_read(w.value) for w in at.warning)
    assert "Slide 1 of 5" in _captions(at)
    assert _param(at, "deck") is None


def test_a_users_language_choice_opens_their_next_session_in_it():
    try:
        at = _logged_in("risk")
        assert at.session_state[state.LANGUAGE] == "en"
        at.selectbox(key=state.LANGUAGE).set_value("zh").run()
        assert not at.exception, at.exception
        again = _logged_in("risk")  # a new session, no language in the link
        assert again.session_state[state.LANGUAGE] == "zh"
        assert any("\u4e00" <= c <= "\u9fff" for c in again.title[0].value)
        linked = _logged_in("risk", {"lang": "en"})  # the link's language still wins
        assert linked.session_state[state.LANGUAGE] == "en"
    finally:
        with _database() as engine:
            users.set_language(engine, "risk", None)


def test_a_deck_link_without_present_opens_presentation_mode_and_its_creator_deletes_it():
    at = _logged_in("analyst")
    _save(at, "Analyst deck", ["data-quality", "churn"])
    assert at.selectbox(key=state.DECK_DELETE_CHOSEN).options == ["Analyst deck"]
    opened = _logged_in("exec", {"deck": "Analyst deck"})
    opened.switch_page("app_pages/data_quality.py").run()
    assert "Analyst deck · Slide 1 of 2" in _captions(opened)
    assert "Next: Churn & credit" in {p.label for p in opened.get("page_link")}
    at.selectbox(key=state.DECK_DELETE_CHOSEN).set_value("Analyst deck").run()
    at.button(key=state.DECK_DELETE).click().run()
    assert not at.exception, at.exception
    assert any("Deleted the deck" in as_read(s.value) for s in at.success)
    assert "Analyst deck" not in {as_read(p.label) for p in at.get("page_link")}


def test_a_deck_opened_from_the_sidebar_replaces_the_sessions_filters_with_its_own():
    with _database() as engine:
        decks.save_deck(
            engine,
            Viewer("exec", "executive"),
            "Six months",
            ["overview", "churn"],
            {"months": "6"},
        )
    at = _logged_in("risk", {"months": "12"})
    assert at.session_state[state.FILTERS].months == 12
    # what the sidebar's link does: the page, present=1 and the deck's name, nothing else
    for key in list(at.query_params):
        del at.query_params[key]
    at.query_params.update({"present": "1", "deck": "Six months"})
    at.switch_page("app_pages/churn.py").run()
    assert not at.exception, at.exception
    assert at.session_state[state.FILTERS].months == 6
    assert "Slide 2 of 2" in _captions(at)
    at.switch_page("app_pages/overview.py").run()  # stepping on keeps the deck and its filters
    assert at.session_state[state.FILTERS].months == 6
    assert "Slide 1 of 2" in _captions(at)
