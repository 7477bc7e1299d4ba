"""Presentation decks saved under a name: which dashboards to step through (in order) and the
filters and language of the link they were saved from. Anyone who may view the dashboards
saves and opens them; re-saving a name replaces the deck only for its creator; the creator or
an administrator deletes it. Saves and deletes are audited but change no data a dashboard
shows (audit.READ_ONLY_ACTIONS), so no cached view is recomputed. A deck holds no rows: the
opener's own role and region scope decide what each slide shows."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine, Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from data_access import audit
from data_access.filters import URL_KEYS
from data_access.models import SavedDeck
from data_access.security import ADMIN_USERS, VIEW_DASHBOARDS, Viewer

MAX_NAME = 60
MAX_VALUE = 500  # characters in one saved query parameter
# The slides a deck may hold, by page url path, in the default deck's order.
SLIDES = ("overview", "risk-register", "satisfaction", "churn", "data-quality")
LANGUAGE_KEY = "lang"
# The query parameters a deck keeps: the filters and the language; anything else is dropped.
PARAM_KEYS = (*URL_KEYS, LANGUAGE_KEY)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class DeckError(ValueError):
    """A deck that cannot be saved, opened or deleted. `reason` names the problem for the
    reader's language (the UI's text "deck.refused_<reason>" with `args`); the message says
    it in English for the log and the tests."""

    def __init__(self, reason: str, message: str, **args: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.args_for_text = args


@dataclass(frozen=True)
class Deck:
    name: str
    slides: tuple[str, ...]
    params: dict[str, str] = field(default_factory=dict)
    created_by: str = ""
    updated_at: datetime | None = None


def _require_presenter(viewer: Viewer) -> None:
    if not viewer.can(VIEW_DASHBOARDS):
        raise PermissionError("saved decks")


def clean_name(name: str) -> str:
    """The deck name as stored (trimmed); DeckError when empty, too long or multi-line."""
    clean = (name or "").strip()
    if not clean:
        raise DeckError("name_empty", "name: give the deck a name")
    if len(clean) > MAX_NAME or _CONTROL.search(clean):
        raise DeckError(
            "name_long", f"name: at most {MAX_NAME} characters, on one line", max=MAX_NAME
        )
    return clean


def clean_slides(slides: Sequence[str]) -> tuple[str, ...]:
    """The slides in the order given, each once; DeckError for none or an unknown one."""
    chosen = tuple(dict.fromkeys(slides))
    unknown = [s for s in chosen if s not in SLIDES]
    if unknown:
        raise DeckError(
            "unknown_slide",
            f"slides: {unknown[0]!r} is not a dashboard of the deck ({', '.join(SLIDES)})",
            slide=unknown[0],
        )
    if not chosen:
        raise DeckError("no_slides", "slides: choose at least one dashboard")
    return chosen


def clean_params(params: Mapping[str, object]) -> dict[str, str]:
    """The filters and language of a link (PARAM_KEYS); other parameters (presentation,
    page state) are dropped. DeckError for a value that is not short text."""
    kept: dict[str, str] = {}
    for key in PARAM_KEYS:
        if key not in params:
            continue
        value = params[key]
        if not isinstance(value, str) or len(value) > MAX_VALUE or _CONTROL.search(value):
            message = f"params: {key} must be text of at most {MAX_VALUE} characters"
            raise DeckError("bad_value", message, key=key)
        kept[key] = value
    return kept


def _deck(row: Row) -> Deck:
    """A stored row as the value callers get; a hand-edited row's unknown slides and
    parameters are left out."""
    slides = tuple(s for s in json.loads(row.slides) if s in SLIDES)
    stored = json.loads(row.params)
    params = {k: v for k, v in stored.items() if k in PARAM_KEYS and isinstance(v, str)}
    return Deck(row.name, slides, params, row.created_by, row.updated_at)


def list_decks(conn: Connection, viewer: Viewer) -> list[Deck]:
    """Every saved deck, by name."""
    _require_presenter(viewer)
    rows = conn.execute(select(SavedDeck).order_by(SavedDeck.name)).all()
    return [_deck(row) for row in rows]


def get_deck(conn: Connection, viewer: Viewer, name: str) -> Deck | None:
    """The deck saved as `name` (trimmed), or None."""
    _require_presenter(viewer)
    clean = (name or "").strip()
    if not clean or len(clean) > MAX_NAME:
        return None
    row = conn.execute(select(SavedDeck).where(SavedDeck.name == clean)).one_or_none()
    return None if row is None else _deck(row)


def save_deck(
    engine: Engine,
    viewer: Viewer,
    name: str,
    slides: Sequence[str],
    params: Mapping[str, object],
    now: datetime | None = None,
) -> Deck:
    """Save a deck under `name`: a new name, or replacing the viewer's own deck of that name.
    A name another user saved is refused (DeckError "taken") and nothing is written.
    Audited (deck_saved) with the old and new deck."""
    _require_presenter(viewer)
    name = clean_name(name)
    chosen = clean_slides(slides)
    kept = clean_params(params)
    now = now or datetime.now()
    values = {
        "slides": json.dumps(list(chosen)),
        "params": json.dumps(kept, ensure_ascii=False, sort_keys=True),
        "updated_at": now,
    }
    try:
        with engine.begin() as conn:
            stored = conn.execute(select(SavedDeck).where(SavedDeck.name == name)).one_or_none()
            if stored is not None and stored.created_by != viewer.username:
                raise _taken(name, stored.created_by)
            if stored is None:
                conn.execute(
                    insert(SavedDeck).values(
                        name=name, created_by=viewer.username, created_at=now, **values
                    )
                )
            else:
                conn.execute(
                    update(SavedDeck)
                    .where(SavedDeck.id == stored.id, SavedDeck.created_by == viewer.username)
                    .values(**values)
                )
            audit.record(
                conn,
                viewer.username,
                "deck_saved",
                "deck",
                name,
                {
                    "from": None if stored is None else asdict(_deck(stored)),
                    "slides": list(chosen),
                    "params": kept,
                },
            )
            return _deck(conn.execute(select(SavedDeck).where(SavedDeck.name == name)).one())
    except IntegrityError as exc:
        # Two first saves of one name at once: the unique constraint lets one through.
        raise _taken(name, "someone else") from exc


def _taken(name: str, owner: str) -> DeckError:
    return DeckError(
        "taken",
        f"a deck named {name!r} was saved by {owner}; only they can replace it. "
        "Choose another name; nothing was saved",
        name=name,
        owner=owner,
    )


def delete_deck(engine: Engine, viewer: Viewer, name: str) -> None:
    """Delete a deck: its creator or an administrator may; audited (deck_deleted)."""
    _require_presenter(viewer)
    with engine.begin() as conn:
        stored = conn.execute(
            select(SavedDeck).where(SavedDeck.name == (name or "").strip())
        ).one_or_none()
        if stored is None:
            raise DeckError("unknown", f"no saved deck called {name!r}", name=name)
        if stored.created_by != viewer.username and not viewer.can(ADMIN_USERS):
            raise DeckError(
                "not_yours",
                f"the deck {stored.name!r} was saved by {stored.created_by}; only they or an "
                "administrator can delete it",
                name=stored.name,
                owner=stored.created_by,
            )
        conn.execute(delete(SavedDeck).where(SavedDeck.id == stored.id))
        audit.record(
            conn, viewer.username, "deck_deleted", "deck", stored.name, asdict(_deck(stored))
        )
