"""User-entered text shown as plain text inside Streamlit's markdown.

Titles, notes, comments, rule descriptions and names come from users and imported files.
Streamlit renders markdown almost everywhere (subheaders, captions, alerts, widget labels),
so `![](http://…)` in a risk title would make every viewer's browser fetch that URL. Every
ASCII punctuation character is backslash-escaped (CommonMark treats an escaped character as
a literal), so no image, link, emphasis, directive, HTML or formula can form."""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain(value: object) -> str:
    """`value` as text that markdown shows literally; line breaks are kept."""
    if value is None:
        return ""
    text = _PUNCTUATION.sub(r"\\\1", str(value))
    return text.replace("\n", "  \n")
