"""The whole view in the link (issue 16): a URL naming a page's tab, its pickers, the opened
risk, the matrix cell and the language reopens that view; a region-scoped user's link naming
another region or another region's risk shows nothing of it and says so."""

from urllib.parse import parse_qs

from streamlit.testing.v1 import AppTest

from components import state
from tests.app.conftest import login


def _logged_in_by_link(username: str, params: dict[str, str]) -> AppTest:
    """Open a link as a browser would: the URL's parameters are there from the first run
    (the login form) and the first page after the login."""
    at = login(username, link=params)
    assert not at.exception, at.exception
    return at


def _open(username: str, page: str, params: dict[str, str]) -> AppTest:
    at = _logged_in_by_link(username, params)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in (*at.markdown, *at.subheader, *at.info, *at.warning))


def test_a_churn_link_opens_its_tab_split_and_cohort_unit():
    at = _open(
        "analyst",
        "app_pages/churn.py",
        {"churn_tab": "Survival", "split": "Segment", "cohort_unit": "Signup quarter"},
    )
    assert at.session_state[state.CHURN_TAB] == "Survival"
    assert at.session_state[state.CHURN_SPLIT] == "segment"
    assert at.session_state[state.CHURN_COHORT_UNIT] == "quarter"
    # the split shapes the figures: the trend table lists segments, not contract types
    assert any("segment" in f.value.columns for f in at.dataframe) or "Segment" in _texts(at)


def test_a_link_in_chinese_opens_the_chinese_page_on_its_tab():
    at = _open("analyst", "app_pages/data_quality.py", {"lang": "zh", "dq_tab": "数据孤岛"})
    assert at.session_state[state.LANGUAGE] == "zh"
    assert at.session_state[state.DQ_TAB] == "数据孤岛"
    assert at.title[0].value != "Data quality" and any(
        "\u4e00" <= c <= "\u9fff" for c in at.title[0].value
    )


def test_a_mangled_link_falls_back_to_the_defaults():
    at = _open(
        "analyst",
        "app_pages/register.py",
        {"register_tab": "No such tab", "matrix": "sideways", "cell": "9-'; drop", "risk": "R-999"},
    )
    assert at.session_state[state.REGISTER_TAB] == "Register"
    assert at.session_state[state.REGISTER_MATRIX_KIND] == "current"
    assert "likelihood" not in "\n".join(i.value for i in at.info)  # no cell narrowing
    assert any("R-999" in w.value for w in at.warning)


def test_a_register_link_opens_the_risk_and_the_matrix_cell_it_names():
    at = _open("exec", "app_pages/register.py", {"risk": "R-005", "cell": "3-4"})
    assert "R-005" in _texts(at)  # the risk's detail is open
    assert any("likelihood 3 × impact 4" in i.value for i in at.info)
    # the page keeps both in the URL for the next copy
    assert at.query_params["risk"] == ["R-005"] or at.query_params["risk"] == "R-005"


def test_a_scoped_user_opening_another_regions_link_sees_nothing_of_it_and_is_told():
    at = _logged_in_by_link("risk_east", {"region": "West", "risk": "R-027"})
    # said on the first page the link opens
    assert any("West" in w.value and "outside your region scope" in w.value for w in at.warning)
    at.switch_page("app_pages/register.py").run()
    assert any("R-027" in w.value for w in at.warning)  # the North risk is not opened
    assert "R-027" not in "\n".join(str(m.value) for m in at.subheader)
    assert set(at.dataframe[0].value["region"]) <= {"East", "All"}


def test_presentation_mode_draws_the_deck_bar_for_the_roles_slides():
    at = _open("exec", "app_pages/churn.py", {"present": "1", "advance": "5"})
    captions = "\n".join(c.value for c in at.caption)
    assert "Slide 4 of 5" in captions  # overview, register, satisfaction, churn, data quality
    links = {p.label for p in at.get("page_link")}
    assert "Back: Satisfaction & complaints" in links and "Next: Data quality" in links
    assert "Present" not in links  # the way in is not offered while presenting
    at = _open("exec", "app_pages/churn.py", {})
    assert "Present" in {p.label for p in at.get("page_link")}
    assert not any("Slide" in c.value for c in at.caption)


def test_every_attention_item_links_to_its_drill_down_with_the_filters():
    at = _open("risk", "app_pages/overview.py", {"months": "6"})
    links = [p.proto for p in at.get("page_link") if p.label == "Open it"]
    items = [m.value for m in at.markdown if m.value.startswith("**1.") or "\n" in m.value]
    assert links, "no attention item links"
    for link in links:
        params = parse_qs(link.query_string)
        assert params["months"] == ["6"] and params["lang"] == ["en"], link
        if link.page == "risk-register":  # a risk, or a category's response plan
            assert params["risk"][0].startswith("R-") if "risk" in params else params["plan"]
    assert len(links) >= len([m for m in items if m.startswith("**")]) > 0
