"""The churn and credit page through AppTest: every role, record access, scope."""

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from components import state
from tests.app.conftest import login

PAGE = "app_pages/churn.py"


def open_page(username: str) -> AppTest:
    at = login(username)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [df.value for df in at.dataframe]


@pytest.mark.parametrize("username", ["exec", "risk", "analyst", "admin", "risk_east"])
def test_page_renders_for_every_role(username):
    at = open_page(username)
    labels = [m.label for m in at.metric]
    assert labels[:5] == ["Logo churn", "GRR", "NRR", "DSO", "Overdue > 30 days"]
    churn = float(at.metric[0].value.rstrip("%"))
    assert 0 < churn < 50
    # cohorts, trend, split, survival, reasons, model calibration, aging, action save rates
    assert len(at.get("plotly_chart")) == 8
    assert any("Log-rank test" in m.value for m in at.markdown)
    assert any("Hold-out AUC" in m.value for m in at.markdown)


def test_executive_gets_no_customer_records():
    at = open_page("exec")
    assert not [f for f in frames(at) if "customer_id" in f.columns]
    assert any("aggregates only" in i.value for i in at.info)


def test_risk_manager_gets_masked_lists_ranked_vip_first():
    at = open_page("risk")
    lists = [f for f in frames(at) if "customer_id" in f.columns]
    assert len(lists) >= 3  # cohort drill, at-risk, win-back, exposures
    for frame in lists:
        if len(frame):
            assert frame["customer"].str.contains(r"\*").all()
    at_risk = next(f for f in lists if "probability" in f.columns and "factors" in f.columns)
    assert len(at_risk) > 0 and (at_risk["probability"] >= 0.05).all()
    tiers = at_risk["tier"].map({"VIP": 0, "Important": 1, "Normal": 2})
    assert tiers.is_monotonic_increasing


def test_region_scoped_user_sees_only_east_customers():
    at = open_page("risk_east")
    for frame in frames(at):
        if "region" in frame.columns and len(frame):
            assert set(frame["region"]) == {"East"}


def test_split_switch_and_risk_threshold():
    at = open_page("analyst")
    at.segmented_control(key=state.CHURN_SPLIT).set_value("region").run()
    assert not at.exception
    at.slider(key=state.CHURN_MIN_RISK).set_value(0.5).run()
    assert not at.exception


def test_quarterly_cohorts_and_the_cohort_drill():
    at = open_page("risk")
    at.selectbox(key=f"{state.CHURN_DRILL_WHICH}_month").set_value(0).run()
    left_early = next(
        f for f in frames(at) if "churn_date" in f.columns and "signup_date" in f.columns
    )
    assert left_early["churn_date"].notna().all()
    at.segmented_control(key=state.CHURN_COHORT_UNIT).set_value("quarter").run()
    assert not at.exception
    cohort = at.selectbox(key=f"{state.CHURN_DRILL_COHORT}_quarter")
    assert len(cohort.options) == 4 and "Q" in cohort.options[-1]
    at.selectbox(key=f"{state.CHURN_DRILL_WHICH}_quarter").set_value("all").run()
    everyone = next(f for f in frames(at) if "signup_date" in f.columns)
    assert len(everyone) == 50  # one page of a quarter's signups
    at.number_input(key=f"{state.CHURN_DRILL_PAGE}_quarter").set_value(2).run()
    assert not at.exception


def test_one_survival_curve_for_everyone():
    """Issue 13: the overall Kaplan-Meier curve, without a split. Its customers are the sum of
    the contract-type groups' (every group is above the minimum sample, so none is left out)."""
    at = open_page("analyst")

    def medians() -> pd.DataFrame:
        return next(f for f in frames(at) if {"group", "median"} <= set(f.columns))

    by_contract = medians()
    assert len(by_contract) == 3
    at.toggle(key=state.CHURN_SURVIVAL_OVERALL).set_value(True).run()
    assert not at.exception
    overall = medians()
    assert list(overall["group"]) == ["All customers"]
    assert overall["customers"].iloc[0] == by_contract["customers"].sum()
    assert overall["churned"].iloc[0] == by_contract["churned"].sum()


def test_the_churn_basis_switch_changes_every_figure_and_says_which_it_uses():
    """Issue 13: contract or activity basis from the sidebar, named in the caption and kept
    in the link; the activity cohort matrix and the revenue behind GRR/NRR are shown."""
    at = open_page("analyst")
    assert "lost = contract end date" in at.caption[0].value
    contract_churn = at.metric[0].value
    at.segmented_control(key=state.FILTER_PREFIX + "churn").set_value("activity").run()
    assert not at.exception, at.exception
    assert "lost = no purchase for 90 days" in at.caption[0].value
    assert at.query_params["churn"] == "activity"
    assert at.metric[0].value != contract_churn
    at.segmented_control(key=state.CHURN_MATRIX_KIND).set_value("activity").run()
    assert not at.exception, at.exception
    assert any("Activity retention:" in c.value for c in at.caption)
    monthly = next(f for f in frames(at) if "revenue" in f.columns and "grr" in f.columns)
    assert (monthly["revenue"] > 0).all() and (monthly["start"] >= monthly["kept"]).all()
