"""The sidebar's saved decks, next to "Present": save the dashboards to step through and the
current link's filters and language under a name, and open any saved deck in presentation
mode by its link (`?present=1&deck=<name>`)."""

from __future__ import annotations

import streamlit as st

from components import presentation, state
from components.cache import engine
from components.i18n import t
from components.navigation import PageSpec
from components.plain import plain
from data_access import decks
from data_access.security import ADMIN_USERS, VIEW_DASHBOARDS, Viewer


def deck_menu(viewer: Viewer, pages: list[PageSpec]) -> None:
    """The "Saved decks" expander: the save form, then a link per saved deck."""
    deck_pages = presentation.slides(pages)
    if not viewer.can(VIEW_DASHBOARDS) or not deck_pages:
        return
    with st.expander(t("deck.menu"), icon=":material/playlist_play:"):
        message = st.session_state.pop(state.DECK_MESSAGE, None)
        if message:
            key, args = message
            st.success(t(key, **args))
        _save_form(viewer, deck_pages)
        with engine().connect() as conn:
            saved = decks.list_decks(conn, viewer)
        _deck_links(saved, pages)
        _delete_form(viewer, saved)


def _save_form(viewer: Viewer, deck_pages: list[PageSpec]) -> None:
    titles = {p.url_path: t(p.title_key) for p in deck_pages}
    chosen = st.session_state.get(state.DECK_CHOSEN)
    st.session_state[state.DECK_CHOSEN] = (
        list(titles) if chosen is None else [p for p in chosen if p in titles]
    )
    st.text_input(
        t("deck.name"), key=state.DECK_NAME, max_chars=decks.MAX_NAME, help=t("deck.name_help")
    )
    st.multiselect(
        t("deck.slides"),
        list(titles),
        format_func=titles.get,
        key=state.DECK_CHOSEN,
        help=t("deck.slides_help"),
    )
    if not st.button(t("deck.save"), key=state.DECK_SAVE, icon=":material/save:"):
        return
    link = {k: st.query_params[k] for k in decks.PARAM_KEYS if k in st.query_params}
    try:
        saved = decks.save_deck(
            engine(),
            viewer,
            st.session_state.get(state.DECK_NAME) or "",
            st.session_state[state.DECK_CHOSEN],
            link,
        )
    except decks.DeckError as exc:
        _refused(exc)
        return
    st.success(t("deck.saved", name=plain(saved.name), n=len(saved.slides)))


def _refused(exc: decks.DeckError) -> None:
    args = {k: plain(v) if isinstance(v, str) else v for k, v in exc.args_for_text.items()}
    st.error(t(f"deck.refused_{exc.reason}", **args))


def _deck_links(saved: list[decks.Deck], pages: list[PageSpec]) -> None:
    """Each saved deck as a link to its first slide the reader may open, in presentation mode."""
    if not saved:
        st.caption(t("deck.none"))
        return
    st.caption(t("deck.saved_list"))
    for deck in saved:
        slides = presentation.slides(pages, deck.slides)
        if not slides:
            continue
        st.page_link(
            slides[0].path,
            label=plain(deck.name),
            icon=":material/slideshow:",
            query_params={state.PRESENT_PARAM: "1", state.DECK_PARAM: deck.name},
            help=t(
                "deck.open_help",
                slides=" → ".join(t(p.title_key) for p in slides),
                by=plain(deck.created_by),
            ),
        )


def _delete_form(viewer: Viewer, saved: list[decks.Deck]) -> None:
    """Delete one of the reader's own decks (an administrator: any deck)."""
    mine = [d.name for d in saved if d.created_by == viewer.username or viewer.can(ADMIN_USERS)]
    if not mine:
        return
    name = st.selectbox(
        t("deck.delete_pick"),
        mine,
        index=None,
        placeholder=t("deck.delete_placeholder"),
        key=state.DECK_DELETE_CHOSEN,
    )
    if not st.button(
        t("deck.delete"), key=state.DECK_DELETE, icon=":material/delete:", disabled=name is None
    ):
        return
    try:
        decks.delete_deck(engine(), viewer, name)
    except decks.DeckError as exc:
        _refused(exc)
        return
    st.session_state[state.DECK_MESSAGE] = ("deck.deleted", {"name": plain(name)})
    st.session_state.pop(state.DECK_DELETE_CHOSEN, None)
    st.rerun()
