"""Presentation decks saved under a name: save, replace by the creator, refusal for anyone
else, validation, the parameters a deck keeps, listing, deleting, and that a save leaves the
dashboards' cached views alone."""

import json

import pytest
from sqlalchemy import update

from data_access import audit
from data_access.decks import (
    MAX_NAME,
    SLIDES,
    DeckError,
    delete_deck,
    get_deck,
    list_decks,
    save_deck,
)
from data_access.models import SavedDeck
from data_access.security import Viewer

pytestmark = pytest.mark.db

EXEC = Viewer("exec", "executive")
RISK = Viewer("risk", "risk_manager")
EAST = Viewer("risk_east", "risk_manager", "East")
ADMIN = Viewer("admin", "admin")
LINK = {"region": "East", "months": "6", "end": "2026-10", "lang": "zh", "churn": "contract"}


def _get(engine, name, viewer=EXEC):
    with engine.connect() as conn:
        return get_deck(conn, viewer, name)


def _actions(engine):
    with engine.connect() as conn:
        return [(r.action, r.object_id) for r in audit.recent(conn, 20)][::-1]


def test_a_saved_deck_opens_by_name_with_its_slides_and_filters(migrated_engine):
    saved = save_deck(migrated_engine, EXEC, "  Board pack  ", ["churn", "overview", "churn"], LINK)
    assert saved.name == "Board pack"  # trimmed
    assert saved.slides == ("churn", "overview")  # the presenter's order, each once
    assert saved.params == LINK and saved.created_by == "exec"
    opened = _get(migrated_engine, "Board pack", RISK)
    assert opened == saved
    assert _get(migrated_engine, "board pack") is None  # names are exact
    assert _get(migrated_engine, "No such deck") is None
    assert ("deck_saved", "Board pack") in _actions(migrated_engine)


def test_the_creator_replaces_their_deck_by_saving_the_name_again(migrated_engine):
    save_deck(migrated_engine, EXEC, "Weekly", list(SLIDES), LINK)
    again = save_deck(migrated_engine, EXEC, "Weekly", ["satisfaction"], {"months": "12"})
    assert again.slides == ("satisfaction",) and again.params == {"months": "12"}
    with migrated_engine.connect() as conn:
        assert [d.name for d in list_decks(conn, RISK)] == ["Weekly"]
        detail = json.loads(audit.recent(conn, 1)[0].detail)
    assert detail["from"]["slides"] == list(SLIDES) and detail["slides"] == ["satisfaction"]


def test_someone_elses_deck_name_is_refused_and_nothing_changes(migrated_engine):
    save_deck(migrated_engine, EXEC, "Weekly", ["overview", "churn"], LINK)
    with pytest.raises(DeckError, match="saved by exec; only they can replace it") as refused:
        save_deck(migrated_engine, RISK, "Weekly", ["churn"], {})
    assert refused.value.reason == "taken"
    assert refused.value.args_for_text == {"name": "Weekly", "owner": "exec"}
    assert _get(migrated_engine, "Weekly").slides == ("overview", "churn")


@pytest.mark.parametrize(
    ("name", "slides", "params", "reason", "message"),
    [
        ("   ", ["overview"], {}, "name_empty", "name: give the deck a name"),
        ("x" * (MAX_NAME + 1), ["overview"], {}, "name_long", "at most 60 characters"),
        ("two\nlines", ["overview"], {}, "name_long", "on one line"),
        ("Deck", [], {}, "no_slides", "choose at least one dashboard"),
        ("Deck", ["overview", "admin"], {}, "unknown_slide", "'admin' is not a dashboard"),
        ("Deck", ["overview"], {"region": ["East"]}, "bad_value", "region must be text"),
        ("Deck", ["overview"], {"tier": "v" * 501}, "bad_value", "tier must be text"),
    ],
)
def test_a_deck_that_cannot_be_saved_says_why(
    migrated_engine, name, slides, params, reason, message
):
    with pytest.raises(DeckError, match=message) as refused:
        save_deck(migrated_engine, EXEC, name, slides, params)
    assert refused.value.reason == reason
    with migrated_engine.connect() as conn:
        assert list_decks(conn, EXEC) == []


def test_a_deck_keeps_only_the_filters_and_the_language(migrated_engine):
    link = {**LINK, "present": "1", "advance": "30", "risk": "R-001", "deck": "Old"}
    saved = save_deck(migrated_engine, EXEC, "Filters only", ["overview"], link)
    assert saved.params == LINK
    # a row edited by hand: unknown slides and parameters are left out when it is read
    with migrated_engine.begin() as conn:
        conn.execute(
            update(SavedDeck).values(
                slides=json.dumps(["admin", "churn"]),
                params=json.dumps({"months": "6", "present": "1", "region": 7}),
            )
        )
    opened = _get(migrated_engine, "Filters only")
    assert opened.slides == ("churn",) and opened.params == {"months": "6"}


def test_decks_are_listed_by_name_for_everyone_who_presents(migrated_engine):
    for viewer, name in ((RISK, "b-risk"), (EXEC, "A exec"), (EAST, "c east")):
        save_deck(migrated_engine, viewer, name, ["overview"], {})
    with migrated_engine.connect() as conn:
        assert [d.name for d in list_decks(conn, EAST)] == ["A exec", "b-risk", "c east"]
        with pytest.raises(PermissionError):
            list_decks(conn, Viewer("nobody", "guest"))
    with pytest.raises(PermissionError):
        save_deck(migrated_engine, Viewer("nobody", "guest"), "x", ["overview"], {})


def test_only_the_creator_or_an_administrator_deletes_a_deck(migrated_engine):
    save_deck(migrated_engine, EXEC, "Mine", ["overview"], {})
    save_deck(migrated_engine, EXEC, "Also mine", ["overview"], {})
    with pytest.raises(DeckError, match="only they or an administrator") as refused:
        delete_deck(migrated_engine, RISK, "Mine")
    assert refused.value.reason == "not_yours"
    delete_deck(migrated_engine, EXEC, "Mine")
    delete_deck(migrated_engine, ADMIN, "Also mine")
    assert _get(migrated_engine, "Mine") is None and _get(migrated_engine, "Also mine") is None
    with pytest.raises(DeckError, match="no saved deck called 'Mine'"):
        delete_deck(migrated_engine, EXEC, "Mine")
    assert [a for a, _ in _actions(migrated_engine)].count("deck_deleted") == 2


def test_saving_a_deck_leaves_the_dashboards_cached_views_alone(migrated_engine):
    with migrated_engine.begin() as conn:
        audit.record(conn, "analyst", "dq_run", "dq_run", 1)
        before = audit.data_version(conn)
    save_deck(migrated_engine, EXEC, "Cached", ["overview"], LINK)
    delete_deck(migrated_engine, EXEC, "Cached")
    with migrated_engine.connect() as conn:
        assert audit.data_version(conn) == before
