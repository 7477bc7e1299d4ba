"""Presentation mode (`?present=1`): for a projector or a wall screen. The sidebar,
Streamlit's header band and every control are hidden (the filters still apply: they are in
the link), tiles and charts grow, and a deck bar steps through the dashboards in a fixed
order with ← / → (keys or buttons), optionally on its own every `advance` seconds. A link
naming a saved deck (`?deck=<name>`) steps through that deck's slides instead, with its
filters and language unless the link or the reader says otherwise."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from components import state, url_state
from components.cache import engine
from components.filters import URL_KEYS
from components.i18n import adopt_language, t
from components.navigation import PageSpec
from components.plain import plain
from data_access import decks
from data_access.security import VIEW_DASHBOARDS, Viewer

# The slides, by page url path: overview → register matrix → satisfaction trend and early
# warning → churn cohorts → data-quality scorecard (each page's first tab shows).
DECK = decks.SLIDES
# What a slide link carries over besides the page: filters, language, the deck's own.
CARRIED = (*URL_KEYS, state.LANGUAGE_PARAM, state.ADVANCE_PARAM, state.DECK_PARAM)
MIN_ADVANCE, MAX_ADVANCE = 10, 3600
# A slide's key chart, below its title and tiles, fits a 768-pixel-high projector in this.
SLIDE_CHART_HEIGHT = 400

_CONTROLS = (
    ".stSelectbox, .stMultiSelect, .stSlider, .stRadio, .stCheckbox, .stToggle, .stTextInput, "
    ".stNumberInput, .stDateInput, .stButton, .stDownloadButton, .stButtonGroup, "
    ".stFileUploader, .stHtml, [data-testid='stExpander'], [data-testid='stForm'], "
    "[data-testid='stPopover'], "
    "[data-testid='stPageLink']"
)
_STYLE = f"""
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stTabs"] [role="tablist"], {_CONTROLS},
[data-testid="stElementContainer"]:has({_CONTROLS}),
[data-testid="stLayoutWrapper"]:not(:has([data-testid="stPlotlyChart"], [data-testid="stMetric"],
  [data-testid="stDataFrame"], [data-testid="stMarkdown"], [data-testid="stCaptionContainer"],
  [class*="st-key-deck_"]))
  {{ display: none !important; }}
.st-key-deck_bar, .st-key-deck_bar [data-testid="stElementContainer"],
.st-key-deck_bar [data-testid="stPageLink"] {{ display: flex !important; }}
.st-key-init {{ position: absolute !important; height: 0 !important; overflow: hidden; }}
[data-testid="stMainBlockContainer"], .block-container {{
  padding-top: 0.5rem !important; padding-bottom: 0.5rem !important;
  max-width: 100% !important;
}}
h1 {{ font-size: 2.1rem !important; padding-top: 0.1rem !important; }}
[data-testid="stMetricValue"] {{ font-size: 2.3rem !important; }}
[data-testid="stMetricLabel"] p {{ font-size: 1.05rem !important; }}
[data-testid="stCaptionContainer"] p {{ font-size: 1rem !important; }}
</style>
"""

_KEYS_SCRIPT = """
<script>
(() => {
  const deck = window.__crmRiskDeck = window.__crmRiskDeck || {};
  if (!deck.keys) {
    deck.keys = true;
    document.addEventListener("keydown", (event) => {
      if (event.target.closest("input, textarea, [contenteditable='true']")) return;
      const forward = ["ArrowRight", "PageDown", " "].includes(event.key);
      const back = ["ArrowLeft", "PageUp"].includes(event.key);
      if (!forward && !back) return;
      const link = document.querySelector(
        `.st-key-deck_${forward ? "next" : "prev"} a`
      );
      if (link) { event.preventDefault(); link.click(); }
    });
  }
  clearTimeout(deck.timer);
  const seconds = __ADVANCE__;
  if (seconds > 0) {
    deck.timer = setTimeout(() => {
      const link = document.querySelector(".st-key-deck_next a");
      if (link) link.click();
    }, seconds * 1000);
  }
})();
</script>
<!-- slide __SLIDE__ -->
"""


def presenting() -> bool:
    """Whether this run presents (the link says `present=1`, or names a saved deck)."""
    return st.query_params.get(state.PRESENT_PARAM) == "1" or bool(
        st.query_params.get(state.DECK_PARAM)
    )


def advance_seconds() -> int:
    """Seconds a slide stays before the next (0: the presenter steps by hand)."""
    raw = st.query_params.get(state.ADVANCE_PARAM, "")
    if not raw.isdigit():
        return 0
    return min(max(int(raw), MIN_ADVANCE), MAX_ADVANCE)


def chart_height(figure: go.Figure) -> int | str:
    """The height to draw a slide's key chart at: its own, or in presentation mode at most
    what fits the projector."""
    own = figure.layout.height
    if not presenting():
        return "content"
    return min(int(own), SLIDE_CHART_HEIGHT) if own else SLIDE_CHART_HEIGHT


def slides(pages: list[PageSpec], order: tuple[str, ...] = DECK) -> list[PageSpec]:
    """The deck's pages this role may open, in the deck's order (`order`: a saved deck's)."""
    by_path = {p.url_path: p for p in pages}
    return [by_path[path] for path in order if path in by_path]


def take_linked_deck(viewer: Viewer) -> None:
    """Open the saved deck the link names (`deck=<name>`), once per time it is linked: the deck
    bar then steps through its slides, and its filters fill those the link does not carry (the
    sidebar filters read them like a link's, within the reader's scope), its language the
    reader's when only the browser chose it. A name not saved is said on the page (see
    say_unknown_deck) and the default deck shows. Call before the filters and the language
    switch are drawn."""
    name = (st.query_params.get(state.DECK_PARAM) or "").strip()
    if not name or not viewer.can(VIEW_DASHBOARDS):
        st.session_state.pop(state.DECK_OPENED, None)
        return
    if st.session_state.get(state.DECK_OPENED) == name:
        return
    st.session_state[state.DECK_OPENED] = name
    with engine().connect() as conn:
        deck = decks.get_deck(conn, viewer, name)
    if deck is None:
        st.session_state[state.DECK_UNKNOWN] = name
        st.session_state.pop(state.DECK_SLIDES, None)
        del st.query_params[state.DECK_PARAM]
        return
    st.session_state[state.DECK_SLIDES] = {"name": deck.name, "slides": list(deck.slides)}
    for key in URL_KEYS:
        if key in deck.params and key not in st.query_params:
            st.query_params[key] = deck.params[key]
    adopt_language(deck.params.get(decks.LANGUAGE_KEY), "deck")
    st.session_state.pop(state.FILTERS_FROM_URL, None)  # the filters read the link again


def say_unknown_deck() -> None:
    """On the page a link naming an unsaved deck opened: say so (after url_state.show_notices)."""
    name = st.session_state.pop(state.DECK_UNKNOWN, None)
    if name:
        url_state.notice(t("present.deck_unknown", name=plain(name)))


def _saved_deck() -> dict | None:
    """The saved deck the link names and this session opened ({name, slides}), or None."""
    opened = st.session_state.get(state.DECK_SLIDES)
    name = (st.query_params.get(state.DECK_PARAM) or "").strip()
    return opened if opened and name and opened["name"] == name else None


def deck_order() -> tuple[str, ...]:
    """The slides the deck bar steps through: the linked saved deck's, else the default."""
    saved = _saved_deck()
    return tuple(saved["slides"]) if saved else DECK


def _carried(present: bool) -> dict[str, str]:
    params = {k: st.query_params[k] for k in CARRIED if k in st.query_params}
    if present:
        params[state.PRESENT_PARAM] = "1"
    else:
        params.pop(state.ADVANCE_PARAM, None)
        params.pop(state.DECK_PARAM, None)
    return params


def present_link(current: PageSpec) -> None:
    """The sidebar's way into presentation mode, on the page shown now."""
    st.page_link(
        current.path,
        label=t("present.start"),
        icon=":material/slideshow:",
        query_params=_carried(present=True),
        help=t("present.start_help"),
    )


def deck_bar(current: PageSpec, pages: list[PageSpec]) -> None:
    """Previous / slide n of N / next / exit, the keys ← and →, and the timer."""
    deck = slides(pages, deck_order()) or slides(pages)
    if not deck:
        return
    index = next((i for i, p in enumerate(deck) if p.url_path == current.url_path), -1)
    st.html(_STYLE)
    with st.container(key="deck_bar", horizontal=True, vertical_alignment="center"):
        for key, step, label, icon in (
            ("deck_prev", -1, t("present.previous"), ":material/chevron_left:"),
            ("deck_next", 1, t("present.next"), ":material/chevron_right:"),
        ):
            target = deck[(index + step) % len(deck)] if index >= 0 else deck[0]
            with st.container(key=key, width="content"):
                st.page_link(
                    target.path,
                    label=f"{label}: {t(target.title_key)}",
                    icon=icon,
                    query_params=_carried(present=True),
                )
        position = t("present.slide", n=index + 1, total=len(deck)) if index >= 0 else ""
        saved = _saved_deck()
        named = f"{plain(saved['name'])} · " if saved else ""
        st.caption(named + position + " · " + t("present.keys"))
        with st.container(key="deck_exit", width="content"):
            st.page_link(
                current.path,
                label=t("present.exit"),
                icon=":material/close:",
                query_params=_carried(present=False),
            )
    script = _KEYS_SCRIPT.replace("__ADVANCE__", str(advance_seconds()))
    st.html(script.replace("__SLIDE__", str(index)), unsafe_allow_javascript=True)
