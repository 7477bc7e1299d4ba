"""A dashboard's answer in one sentence, under its title (analytics.headline builds it).

The sentence sits in a container keyed "headline" so tests and presentation mode find it;
presentation mode keeps it (a container holding markdown is not hidden)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from analytics.headline import Headline, Term
from components.i18n import code_label, dimension_label, t
from components.plain import plain

KEY = "headline"

_VOCABULARIES: dict[str, Callable[[str], str]] = {
    "code": code_label,
    "dimension": dimension_label,
    "metric": lambda m: t(f"headline.metric.{m}"),
    "level": lambda level: t(f"level.{level}"),
    "dq_dimension": lambda d: t(f"dq.dim.{d}"),
    "attention": lambda kind: t(f"attention.kind.{kind}"),
    "category": lambda code: f"{code} · {t('category.' + code)}",
    "incident_severity": lambda s: t(f"incident.severity.{s}"),
    "incident_status": lambda s: t(f"incident.status.{s}"),
}


def headline_text(headline: Headline, escape: Callable[[str], str] = plain) -> str:
    """The sentence in the reader's language, as markdown: codes by their label, clauses
    rendered in place, and data (risk titles, owners) shown literally (`escape`)."""
    args = {}
    for name, value in headline.args.items():
        if isinstance(value, Headline):
            args[name] = headline_text(value, escape)
        elif isinstance(value, Term):
            args[name] = escape(_VOCABULARIES[value.vocabulary](value.code))
        elif isinstance(value, str):
            args[name] = escape(value)
        else:
            args[name] = value
    return t(headline.key, **args)


def headline_html(headline: Headline) -> str:
    """The sentence as HTML (for the board pack): escaped once, its bold kept as <b>."""
    text = html.escape(headline_text(headline, escape=str))
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)


def show_headline(headline: Headline, where: DeltaGenerator | None = None) -> None:
    """The sentence in its keyed container (inside `where`, a place the page reserved under
    its title, when given)."""
    with (where if where is not None else st).container(key=KEY):
        st.markdown(headline_text(headline))
