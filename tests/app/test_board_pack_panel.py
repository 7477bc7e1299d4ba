"""The board pack's place on the overview (issue 16): every role with the export permission
finds it with the sections its role may include, labelled in the reader's language; choosing
none says so instead of offering an empty pack. The pack itself is printed and read back in
tests/unit/test_board_pack.py and downloaded in Chromium in tests/e2e."""

import pytest

from components import state
from tests.app.conftest import login


@pytest.mark.parametrize("username", ["exec", "risk_east"])
def test_the_overview_offers_the_pack_with_every_section(username):
    at = login(username)
    assert not at.exception
    assert "Board pack" in [e.label for e in at.expander]
    sections = at.multiselect(key=state.PACK_SECTIONS)
    assert sections.value == [
        "summary",
        "register",
        "signals",
        "satisfaction",
        "churn",
        "data_quality",
    ]
    sections.set_value([]).run()
    assert any("Choose at least one section" in i.value for i in at.info)


def test_in_chinese_the_pack_and_its_sections_are_chinese():
    at = login("exec", link={"lang": "zh"})
    assert not at.exception
    assert "董事会报告包" in [e.label for e in at.expander]
    sections = at.multiselect(key=state.PACK_SECTIONS)
    assert sections.format_func("summary") == "指标卡与需关注事项"
