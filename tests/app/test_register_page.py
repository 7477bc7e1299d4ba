"""The risk register page per role: read-only for executives, scope for risk_east, and the
create → assess → treat → review → close cycle through the real forms as `risk`."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import login

PAGE = "app_pages/register.py"


def _open(username: str) -> AppTest:
    at = login(username)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _select(at: AppTest, code: str) -> AppTest:
    """Select the register row with `code` (as a click on the row would)."""
    row = list(at.dataframe[0].value["code"]).index(code)
    at.session_state["register_selected_risk"] = None
    state = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.session_state["register_table"] = state
    return at.run()


def _texts(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown) + "\n".join(
        str(s.value) for s in at.subheader
    )


@pytest.mark.parametrize("username", ["exec", "analyst", "admin", "risk", "risk_east"])
def test_register_renders_for_every_role(username):
    at = _open(username)
    assert "Which risks need action?" in [t.value for t in at.title]
    assert len(at.get("plotly_chart")) >= 5  # matrix, 4 trends, appetite
    assert at.dataframe[0].value.shape[0] > 0


def test_executive_sees_no_edit_forms():
    at = _open("exec")
    assert not any(e.label == "Record a new risk" for e in at.expander)
    at = _select(at, "R-005")
    assert not at.exception
    assert "R-005" in _texts(at)
    assert not any(b.label == "Close risk" for b in at.button)
    assert not any(b.label == "Save" for b in at.button)


def test_risk_east_sees_only_east_or_all_region_risks():
    at = _open("risk_east")
    regions = set(at.dataframe[0].value["region"])
    assert regions <= {"East", "All"}
    assert "R-027" not in set(at.dataframe[0].value["code"])  # a North risk


def test_create_assess_treat_review_close_as_risk_manager():
    at = _open("risk")
    at.text_input(key="new_title").input("Chatbot gives wrong tariff advice")
    at.selectbox(key="new_category").select("CMP")
    at.text_input(key="new_owner").input("Sun Min")
    at.slider(key="new_likelihood").set_value(4)
    at.slider(key="new_impact").set_value(4)
    next(b for b in at.button if b.label == "Record risk").click().run()
    assert not at.exception, at.exception
    assert any("Risk recorded" in s.value for s in at.success)
    table = at.dataframe[0].value
    code = table[table["title"] == "Chatbot gives wrong tariff advice"]["code"].iloc[0]

    at = _select(at, code)
    # Assess: current 2 × 3
    assess = [s for s in at.slider if s.label == "Likelihood"]
    assess[-1].set_value(2)
    [s for s in at.slider if s.label == "Impact"][-1].set_value(3)
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception, at.exception
    assert any(m.label == "Current · L 2 × I 3" and m.value == "6 · Medium" for m in at.metric)

    # Treat: Accept without approver is refused and says why
    at.radio[1].set_value("Accept")
    [a for a in at.text_area if a.label == "Rationale"][0].input("Low impact")
    [b for b in at.button if b.label == "Save"][1].click().run()
    assert any("approver" in e.value for e in at.error)
    [a for a in at.text_area if a.label == "Rationale"][0].input("Training for the bot team")
    at.radio[1].set_value("Mitigate")
    [b for b in at.button if b.label == "Save"][1].click().run()
    assert not at.exception
    assert "Treating" in _texts(at)

    next(b for b in at.button if b.label == "Record review").click().run()
    assert not at.exception
    next(b for b in at.button if b.label == "Close risk").click().run()
    assert not at.exception
    assert "Closed" in _texts(at)


def test_the_overview_and_the_register_count_the_same_risks_as_of_today():
    """One as-of for one number: the overview's risk tiles and the register's counts, for
    the default (latest) period, both stand today."""
    at = login("risk")  # the overview opens first
    tiles = {
        m.label: int(m.value)
        for m in at.metric
        if m.label in ("Overdue reviews", "Risks above appetite")
    }
    assert any("as of" in m.value for m in at.markdown)
    at.switch_page(PAGE).run()
    counts = next(m.value for m in at.markdown if "with overdue review" in m.value)
    assert f"{tiles['Overdue reviews']} with overdue review" in counts, counts
    assert f"{tiles['Risks above appetite']} above appetite" in counts, counts
