"""The text catalogs: every key in both languages with the same placeholders, and every key
the code asks for with a literal `t("...")` present in the catalog."""

import json
import re
import string
from pathlib import Path

import pytest

from components.i18n import (
    LANGUAGES,
    LOCALES,
    initial_language,
    load_catalog,
    missing_translations,
)
from components.register.matrix import parse_cell

ROOT = Path(__file__).resolve().parents[2]
# t("group.key" ...) with a literal key; keys built at run time (t(f"level.{x}")) are not
# found here and are covered by the page tests that render them.
LITERAL_KEY = re.compile(r"""(?<![\w.])t\(\s*["']([a-z_]+\.[^"']+)["']\s*[,)]""")


def test_every_key_exists_in_every_language():
    assert missing_translations(load_catalog()) == {}


@pytest.mark.parametrize("drop", ["en", "zh"])
def test_a_key_in_one_language_only_is_reported(tmp_path, drop):
    for lang in LANGUAGES:
        groups = json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))
        if lang == drop:
            del groups["app"]["title"]
        (tmp_path / f"{lang}.json").write_text(json.dumps(groups), encoding="utf-8")
    assert missing_translations(load_catalog(tmp_path)) == {drop: ["app.title"]}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_translations_use_the_same_placeholders_and_are_not_empty():
    catalog = load_catalog()
    for key, texts in catalog.items():
        assert all(text.strip() for text in texts.values()), key
        assert len({frozenset(_placeholders(text)) for text in texts.values()}) == 1, key


def _source_files() -> list[Path]:
    files = [ROOT / "app.py", *(ROOT / "app_pages").rglob("*.py")]
    files += (ROOT / "components").rglob("*.py")
    return [f for f in files if f.name != "i18n.py"]  # its docstring shows t("group.key")


def test_every_literal_key_the_code_asks_for_is_in_the_catalog():
    catalog = load_catalog()
    asked = {
        (path.relative_to(ROOT), key)
        for path in _source_files()
        for key in LITERAL_KEY.findall(path.read_text(encoding="utf-8"))
    }
    assert len(asked) > 300  # the scan finds the code's keys, so an empty scan cannot pass
    missing = sorted((str(path), key) for path, key in asked if key not in catalog)
    assert missing == []


@pytest.mark.parametrize(
    ("link", "browser", "expected"),
    [
        ("zh", "en-US", "zh"),  # the link wins
        (None, "zh-CN", "zh"),  # else the browser's Accept-Language
        (None, "zh", "zh"),
        (None, "de-DE", "en"),  # a language we do not have: English
        ("fr", None, "en"),  # a link's unknown language is ignored
        (None, None, "en"),
    ],
)
def test_a_session_starts_in_the_links_or_the_browsers_language(link, browser, expected):
    assert initial_language(link, browser) == expected


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("3-4", (3, 4)),
        ("1-5", (1, 5)),
        ("0-4", None),
        ("3-6", None),
        ("3", None),
        (None, None),
        ("3-4-5", None),
        ("a-b", None),
        ("-3-4", None),
    ],
)
def test_a_linked_matrix_cell_is_read_only_when_well_formed(value, cell):
    assert parse_cell(value) == cell
