"""The board pack's place on the overview (issue 16): every role with the export permission
finds it with the sections its role may include, labelled in the reader's language; choosing
none says so instead of offering an empty pack. The pack itself is printed and read back in
tests/unit/test_board_pack.py and downloaded in Chromium in tests/e2e."""

from datetime import date

import pytest

from components import state
from data_access.filters import Filters
from data_access.security import Viewer
from reports import board_pack
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
        "response",
    ]
    sections.set_value([]).run()
    assert any("Choose at least one section" in i.value for i in at.info)


def test_in_chinese_the_pack_and_its_sections_are_chinese():
    at = login("exec", link={"lang": "zh"})
    assert not at.exception
    assert "董事会报告包" in [e.label for e in at.expander]
    sections = at.multiselect(key=state.PACK_SECTIONS)
    assert sections.format_func("summary") == "指标卡与需关注事项"


def test_the_response_section_shows_the_newest_measured_recovery():
    """On the 3,000-customer demo the breach's recovery is measured: the pack's response
    section holds the incidents, that recovery (churn with its interval) and the save rates."""
    pack = board_pack.build(
        Viewer("exec", "executive"), Filters(date(2026, 10, 1), 3), ["response"]
    )
    (section,) = pack.sections
    titles = [title for title, _ in section.tables]
    assert titles[0].startswith("Incidents open, or closed in the period (")
    assert titles[1].startswith("Did customers recover? Incident #")
    recovery = section.tables[1][1].set_index("Metric")
    churn = recovery.iloc[0]["Difference in differences (95% CI)"]
    assert recovery.index[0].startswith("Churn") and "…" in churn
    assert len(section.charts) == 1  # save rates per action kind
