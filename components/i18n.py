"""UI text in English and Simplified Chinese. The texts live in one catalog file per
language, `locales/en.json` and `locales/zh.json` (what a translator opens): an object per
page or shared vocabulary ("register", "sat", "code", "level", ...), each holding that
group's keys. One catalog = one glossary: the same term for the same thing everywhere.
`t("group.key", **args)` formats with str.format."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit import runtime

from components.state import LANGUAGE, LANGUAGE_PARAM, LANGUAGE_SOURCE
from data_access.satisfaction import ATTRIBUTE_PREFIX, NOT_GIVEN

LANGUAGES = {"en": "English", "zh": "简体中文"}
LOCALES = Path(__file__).resolve().parent.parent / "locales"


def load_catalog(folder: Path = LOCALES) -> dict[str, dict[str, str]]:
    """ "group.key" → {language: text}, from one JSON file per language."""
    catalog: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        groups = json.loads((folder / f"{lang}.json").read_text(encoding="utf-8"))
        for group, texts in groups.items():
            for key, text in texts.items():
                catalog.setdefault(f"{group}.{key}", {})[lang] = text
    return catalog


def missing_translations(catalog: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """Language → the keys it lacks (a key another language has); empty when complete."""
    gaps = {
        lang: sorted(k for k, texts in catalog.items() if lang not in texts) for lang in LANGUAGES
    }
    return {lang: keys for lang, keys in gaps.items() if keys}


CATALOG = load_catalog()


def language() -> str:
    return st.session_state.get(LANGUAGE, "en")


def t(key: str, **args: object) -> str:
    """The text for `key` in the session's language (English if a translation is missing)."""
    entry = CATALOG.get(key)
    if entry is None:
        return key
    text = entry.get(language()) or entry["en"]
    return text.format(**args) if args else text


def localised_hover(figure: go.Figure) -> go.Figure:
    """`figure` with its hover texts in the reader's language: the charts write English
    fragments (placeholders included, so each is unique); the catalog's "hover" group holds
    each fragment and its translation, which may reorder the placeholders."""
    lang = language()
    if lang == "en":
        return figure
    pairs = sorted(
        (
            (texts["en"], texts.get(lang, texts["en"]))
            for k, texts in CATALOG.items()
            if k.startswith("hover.")
        ),
        key=lambda pair: -len(pair[0]),
    )
    for trace in figure.data:
        template = getattr(trace, "hovertemplate", None)
        if isinstance(template, str):
            for english, other in pairs:
                template = template.replace(english, other)
            trace.hovertemplate = template
    return figure


def code_label(code: str | None) -> str:
    """A data code (region, tier, touchpoint, severity…) in the reader's language; an
    empty optional field reads "Not given"."""
    if code is None or (isinstance(code, float) and code != code):  # None or NaN
        code = NOT_GIVEN
    if f"code.{code}" in CATALOG:
        return t(f"code.{code}")
    return _list_label(str(code))


# Table columns that hold codes of the organisation's lists (shown as their labels).
CODED_COLUMNS = (
    "region",
    "segment",
    "tier",
    "channel",
    "touchpoint",
    "contract_type",
    "churn_reason",
    "reason",
    "category",
    "severity",
    "lifecycle_stage",
)


def coded(frame: pd.DataFrame, columns: tuple[str, ...] = CODED_COLUMNS) -> pd.DataFrame:
    """A table with its coded columns (those of `columns` it has) shown as labels."""
    present = [c for c in columns if c in frame.columns]
    return frame.assign(**{c: frame[c].map(code_label) for c in present}) if present else frame


def risk_status_label(status: str | None) -> str:
    return "–" if not status else t(f"risk_status.{status}")


def treatment_label(treatment: str | None) -> str:
    return "–" if not treatment else t(f"treatment.{treatment}")


def _list_label(code: str) -> str:
    """The label an administrator gave `code` in the code lists (cached), else the code;
    outside a running app (pure chart builders in tests) the code."""
    if not runtime.exists():
        return code
    from components.data.shared import code_labels  # late: data.shared needs the engine

    english, chinese = code_labels().get(code, (None, None))
    if english is None:
        return code
    return (chinese or english) if language() == "zh" else english


def dimension_label(dimension: str) -> str:
    """A breakdown dimension's name: from the catalog, or an imported attribute's own
    column name ("@plan" reads "plan")."""
    if dimension.startswith(ATTRIBUTE_PREFIX):
        return dimension.removeprefix(ATTRIBUTE_PREFIX)
    return t(f"dim.{dimension}")


def month_label(month: date) -> str:
    """'Mar 2026' or '2026年3月'."""
    return f"{month.year}年{month.month}月" if language() == "zh" else month.strftime("%b %Y")


def initial_language(
    link: str | None, browser_locale: str | None, stored: str | None = None
) -> str:
    """A session's language: the link's (`lang=zh`), else the one the user chose last time
    (`stored`, once they are logged in), else the browser's preferred one (Accept-Language,
    e.g. "zh-CN"), else English."""
    for choice in (link, stored):
        if choice in LANGUAGES:
            return choice
    prefix = (browser_locale or "").split("-")[0].lower()
    return prefix if prefix in LANGUAGES else "en"


def start_language() -> None:
    """On a session's first run: the link's or the browser's language. Which one decided is
    kept (LANGUAGE_SOURCE), so a user's remembered language or a deck's replaces only the
    browser's guess, never a link's language or a choice made in the switch."""
    if LANGUAGE not in st.session_state:
        link = st.query_params.get(LANGUAGE_PARAM)
        st.session_state[LANGUAGE] = initial_language(link, st.context.locale)
        st.session_state[LANGUAGE_SOURCE] = "link" if link in LANGUAGES else "browser"


def adopt_language(language: str | None, source: str) -> None:
    """Take `language` (a user's remembered one, a deck's) when the session's language is
    only the browser's guess; call before the switch is drawn."""
    if language in LANGUAGES and st.session_state.get(LANGUAGE_SOURCE) == "browser":
        st.session_state[LANGUAGE] = language
        st.session_state[LANGUAGE_SOURCE] = source


def language_switch(remember: Callable[[str], None] | None = None) -> None:
    """Sidebar language selector. The session starts in the link's or the browser's language;
    the choice is written to the URL (`lang`), so a copied link opens in it, and handed to
    `remember` (a logged-in user's next session opens in it)."""
    start_language()

    def _chosen() -> None:
        st.session_state[LANGUAGE_SOURCE] = "chosen"
        if remember is not None:
            remember(st.session_state[LANGUAGE])

    st.sidebar.selectbox(
        t("app.language"),
        options=list(LANGUAGES),
        format_func=LANGUAGES.get,
        key=LANGUAGE,
        on_change=_chosen,
    )
    if st.query_params.get(LANGUAGE_PARAM) != st.session_state[LANGUAGE]:
        st.query_params[LANGUAGE_PARAM] = st.session_state[LANGUAGE]
