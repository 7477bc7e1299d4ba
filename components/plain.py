"""User-entered text shown as plain text inside Streamlit's markdown.

Titles, notes, comments, rule descriptions and names come from users and imported files.
Streamlit renders markdown almost everywhere (subheaders, captions, alerts, widget labels),
so `![](http://…)` in a risk title would make every viewer's browser fetch that URL. Every
ASCII punctuation character is backslash-escaped (CommonMark treats an escaped character as
a literal), so no image, link, emphasis, directive, HTML or formula can form.

GitHub-flavoured markdown also turns bare `http://…`, `www.…` and e-mail addresses into links
after escapes are resolved; an invisible word joiner (U+2060) inside each of those patterns
keeps them text."""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
WORD_JOINER = "\u2060"
# "://", "www." and "@" anchor GFM's literal autolinks; the patterns do not cross a joiner.
_AUTOLINK_ANCHORS = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)


def plain(value: object) -> str:
    """`value` as text that markdown shows literally; line breaks are kept."""
    if value is None:
        return ""
    text = _AUTOLINK_ANCHORS.sub(WORD_JOINER, str(value))
    text = _PUNCTUATION.sub(r"\\\1", text)
    return text.replace("\n", "  \n")
