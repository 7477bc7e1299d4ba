"""User text in markdown: every markup character escaped, nothing lost."""

import re

import pytest

from components.plain import WORD_JOINER, plain

HOSTILE = [
    "![beacon](http://attacker.example/x.png)",
    "[click me](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "**bold** _it_ `code` ~~gone~~ # heading",
    ":red[alarm] :material/warning: $x^2$",
    "see www.example.com or mail li.na@example.com",
    '=HYPERLINK("http://x") | a | b |\n---|---',
    "Robert'); DROP TABLE risks;-- 风险 \\ backslash",
    "> quote\n- item\n1. numbered",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_every_markup_character_is_escaped_and_the_text_survives(text):
    shown = plain(text)
    # No ASCII punctuation without a backslash before it (a backslash escapes itself).
    unescaped = re.sub(r"\\[!-/:-@\[-`{-~]", "", shown.replace("  \n", "\n"))
    assert not re.search(r"[!-/:-@\[-`{-~]", unescaped), unescaped
    # Unescaping gives the original back (the word joiners are invisible).
    restored = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", shown).replace(WORD_JOINER, "")
    assert restored == text.replace("\n", "  \n")


def test_bare_links_get_a_joiner_the_autolinker_does_not_cross():
    shown = plain("http://a.example www.b.example c@d.example").replace("\\", "")
    assert "://" not in shown and "www." not in shown and "c@" not in shown
    assert plain(None) == "" and plain(12) == "12"
