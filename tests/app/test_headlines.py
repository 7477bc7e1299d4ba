"""Each dashboard leads with its answer in one sentence (issue 16): a container keyed
"headline" under the title, with text, in English and in Chinese, on the demo data; and it
stays on the slide in presentation mode."""

import pytest
from streamlit.testing.v1 import AppTest

from components.headline import KEY
from tests.app.conftest import as_read, login

DASHBOARDS = (
    "app_pages/overview.py",
    "app_pages/register.py",
    "app_pages/satisfaction.py",
    "app_pages/churn.py",
    "app_pages/data_quality.py",
)


def _headline(username: str, page: str, params: dict[str, str]) -> str:
    at: AppTest = login(username, link=params)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    block = at.get_by_key(KEY)
    texts = [m.value for m in block.markdown]
    assert len(texts) == 1, texts
    print(page, params, as_read(texts[0]))  # what the reader sees (pytest -s)
    return as_read(texts[0])


def _chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


@pytest.mark.parametrize("page", DASHBOARDS)
def test_each_dashboard_leads_with_a_sentence_in_english_and_chinese(page):
    english = _headline("admin", page, {})
    assert english.strip() and not _chinese(english)
    assert "{" not in english and "headline." not in english  # filled, not a bare key
    chinese = _headline("admin", page, {"lang": "zh"})
    assert _chinese(chinese) and chinese != english


def test_the_demo_headlines_name_the_planted_findings():
    # The demo plants an NPS drop in one region, monthly contracts churning most, risks
    # above appetite and one weak source system.
    assert "fell most in" in _headline("admin", "app_pages/satisfaction.py", {})
    assert "Monthly" in _headline("admin", "app_pages/churn.py", {})
    assert "above appetite" in _headline("admin", "app_pages/register.py", {})


def test_the_sentence_stays_on_the_slide_in_presentation_mode():
    text = _headline("admin", "app_pages/satisfaction.py", {"present": "1"})
    assert text.strip()
