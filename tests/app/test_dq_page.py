"""The data-quality page through AppTest: every role, records and PII by role, rule edits."""

import pytest
from streamlit.testing.v1 import AppTest

from components import state
from tests.app.conftest import login

PAGE = "app_pages/data_quality.py"


def open_page(username: str) -> AppTest:
    at = login(username)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def select_rule(at: AppTest, code: str) -> AppTest:
    table = at.dataframe[0]
    row = list(table.value["code"]).index(code)
    at.session_state[state.DQ_RULE_TABLE] = {
        "selection": {"rows": [row], "columns": [], "cells": []}
    }
    return at.run()


@pytest.mark.parametrize("username", ["exec", "risk", "analyst", "admin"])
def test_page_renders_scores_for_every_role_with_all_region_access(username):
    at = open_page(username)
    labels = [m.label for m in at.metric]
    assert labels[0] == "Overall score" and "Timeliness" in labels
    overall = float(at.metric[0].value.rstrip("%"))
    assert 80 < overall <= 100
    assert len(at.get("plotly_chart")) == 5  # two matrices, two trends, silos
    can_run = username in ("analyst", "admin")
    assert any(b.label == "Run checks now" for b in at.button) == can_run


def test_executive_sees_no_failing_records_or_duplicates():
    at = open_page("exec")
    assert len(at.dataframe) == 1  # the rule list only
    assert any("shows scores only" in i.value for i in at.info)


def test_risk_manager_sees_masked_failing_rows_of_a_selected_rule():
    at = select_rule(open_page("risk"), "CUS_EMAIL_NOT_NULL")
    assert not at.exception
    failing = next(f.value for f in at.dataframe if "row_id" in f.value.columns)
    assert len(failing) > 0 and failing["customer"].str.contains(r"\*").all()
    assert not [f for f in at.form]  # no editing for a risk manager


def test_region_scoped_user_gets_only_east_rows():
    at = select_rule(open_page("risk_east"), "CUS_EMAIL_NOT_NULL")
    for frame in at.dataframe:
        if "region" in frame.value.columns and len(frame.value):
            assert set(frame.value["region"]) == {"East"}


def test_analyst_edits_a_rule_and_bad_input_is_explained():
    at = select_rule(open_page("analyst"), "CUS_EMAIL_NOT_NULL")
    threshold = next(n for n in at.number_input if n.key.startswith(state.DQ_EDIT_THRESHOLD))
    threshold.set_value(0.5)
    next(b for b in at.button if b.label == "Save rule").click().run()
    assert not at.exception
    assert any("Rule saved" in s.value for s in at.success)
    table = at.dataframe[0].value.set_index("code")
    assert table.loc["CUS_EMAIL_NOT_NULL", "threshold"] == 0.5
    at.text_input(key=state.DQ_ADD_CODE).input("CUS_TENURE")
    at.text_input(key=state.DQ_ADD_COLUMN).input("signup_date")
    at.text_input(key=state.DQ_ADD_PARAMS).input('{"days": "soon"}')
    next(b for b in at.button if b.label == "Create rule").click().run()
    errors = [e.value for e in at.error]
    assert any("The rule was not saved" in e and "days" in e for e in errors), errors
