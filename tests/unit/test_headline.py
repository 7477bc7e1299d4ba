"""Each dashboard's one-sentence answer (analytics.headline), from hand-made figures with
the expected outcome worked out by hand."""

import pandas as pd
import pytest

from analytics import attention
from analytics.headline import (
    Headline,
    Term,
    churn_headline,
    dq_headline,
    overview_headline,
    register_headline,
    satisfaction_headline,
)
from analytics.kpi import Estimate
from components.headline import headline_text

# --- satisfaction -------------------------------------------------------------------------


def _warning(value, metric, change, flagged, p_adjusted=0.001, dimension="region"):
    return {
        "dimension": dimension,
        "value": value,
        "metric": metric,
        "baseline": 30.0,
        "latest": 30.0 + change,
        "change": change,
        "p_adjusted": p_adjusted,
        "flagged": flagged,
    }


def _period(promoters, detractors, n, min_n=30):
    ok = n >= min_n
    return pd.Series(
        {
            "n_nps": n,
            "n_csat": n,
            "promoters": promoters,
            "detractors": detractors,
            "nps": 100 * (promoters - detractors) / n if ok else None,
            "nps_ok": ok,
        }
    )


NO_WARNINGS = pd.DataFrame(columns=["dimension", "value", "metric", "change", "flagged"])


def test_the_largest_significant_nps_drop_leads():
    warnings = pd.DataFrame(
        [
            _warning("South", "nps", -5.0, True),
            _warning("East", "nps", -12.3, True, p_adjusted=0.004),
            _warning("West", "nps", -30.0, False),  # larger but not significant
            _warning("North", "csat", -20.0, True),  # NPS drops come before CSAT ones
        ]
    )
    h = satisfaction_headline(warnings, _period(50, 30, 200), _period(52, 30, 200), 30)
    assert h.key == "headline.sat_drop"
    assert h.args["value"] == Term("code", "East")
    assert h.args["dimension"] == Term("dimension", "region")
    assert h.args["metric"] == Term("metric", "nps")
    assert h.args["drop"] == pytest.approx(12.3)
    assert h.args["baseline"] == pytest.approx(30.0)
    assert h.args["latest"] == pytest.approx(17.7)
    assert h.args["p"] == pytest.approx(0.004)


def test_a_csat_drop_leads_when_no_nps_drop_is_significant():
    warnings = pd.DataFrame(
        [_warning("North", "csat", -8.0, True), _warning("East", "nps", -9, False)]
    )
    h = satisfaction_headline(warnings, _period(50, 30, 200), _period(52, 30, 200), 30)
    assert h.key == "headline.sat_drop"
    assert (h.args["metric"], h.args["value"]) == (Term("metric", "csat"), Term("code", "North"))


def test_no_significant_change_says_so():
    # NPS 10 (50 promoters, 30 detractors of 200) against 11 (52, 30 of 200).
    # Variances: 0.25+0.15-0.10² = 0.39 and 0.26+0.15-0.11² = 0.3979; se = √(0.39/200 +
    # 0.3979/200) = 0.062766; z = -0.01/0.062766 = -0.1593; p = 2·Φ(-0.1593) = 0.8734.
    h = satisfaction_headline(NO_WARNINGS, _period(50, 30, 200), _period(52, 30, 200), 30)
    assert h.key == "headline.sat_no_change"
    assert h.args["now"] == pytest.approx(10.0)
    assert h.args["before"] == pytest.approx(11.0)
    assert h.args["p"] == pytest.approx(0.8734, abs=1e-3)
    assert headline_text(h) == (
        "**No significant change in NPS since the period before** (11.0 → 10.0, p = 0.87), "
        "and no segment fell significantly below its baseline."
    )


def test_a_significant_overall_fall_without_a_flagged_segment():
    # -10 (40 − 80 of 400) against 20 (120 − 40 of 400): z ≈ -6.6, far below 0.05.
    h = satisfaction_headline(NO_WARNINGS, _period(40, 80, 400), _period(120, 40, 400), 30)
    assert h.key == "headline.sat_fell"
    assert (h.args["now"], h.args["before"]) == (pytest.approx(-10.0), pytest.approx(20.0))
    assert h.args["p"] < 1e-6


def test_no_answers_and_too_few_answers():
    empty = satisfaction_headline(NO_WARNINGS, _period(0, 0, 0), _period(0, 0, 0), 30)
    assert empty == Headline("headline.sat_empty")
    few = satisfaction_headline(NO_WARNINGS, _period(5, 2, 12), _period(52, 30, 200), 30)
    assert few == Headline("headline.sat_insufficient", {"n": 12, "min_n": 30})
    first = satisfaction_headline(NO_WARNINGS, _period(50, 30, 200), _period(0, 0, 0), 30)
    assert first.key == "headline.sat_no_previous" and first.args["now"] == pytest.approx(10.0)


def test_the_drop_sentence_reads_in_both_languages():
    warnings = pd.DataFrame([_warning("East", "nps", -12.3, True, p_adjusted=0.004)])
    h = satisfaction_headline(warnings, _period(50, 30, 200), _period(52, 30, 200), 30)
    assert headline_text(h) == (
        "**NPS fell most in East** (Region): down 12.3 points, from 30.0 in the 12 months "
        "before to 17.7 this period (significant, adjusted p = 0.004)."
    )


# --- churn --------------------------------------------------------------------------------


def _split(*rows):
    return pd.DataFrame(
        rows, columns=["value", "active_at_start", "churned", "rate", "low", "high"]
    )


OVERALL = Estimate(0.08, 0.07, 0.09, 2000, True)


def test_the_group_with_the_highest_churn_significantly_above_the_overall_rate():
    by_split = _split(
        ("Annual", 1600, 100, 0.0625, 0.052, 0.075),
        ("Monthly", 400, 60, 0.15, 0.119, 0.188),
        ("Tiny", 5, 3, None, None, None),  # below the minimum sample: not a candidate
    )
    h = churn_headline(by_split, OVERALL, "contract_type")
    assert h.key == "headline.churn_top_significant"  # 0.119 > 0.08: the CI excludes it
    assert h.args["value"] == Term("code", "Monthly")
    assert h.args["dimension"] == Term("dimension", "contract_type")
    assert (h.args["rate"], h.args["low"], h.args["high"], h.args["n"]) == (0.15, 0.119, 0.188, 400)
    assert headline_text(h) == (
        "**Churn is highest for Monthly** (Contract): 15.0% (95% CI 11.9%–18.8%, n = 400), "
        "significantly above the overall 8.0% (7.0%–9.0%)."
    )


def test_a_highest_group_whose_interval_holds_the_overall_rate_is_not_significant():
    by_split = _split(
        ("Annual", 1900, 150, 0.079, 0.068, 0.092), ("Monthly", 100, 10, 0.10, 0.055, 0.174)
    )
    h = churn_headline(by_split, OVERALL, "contract_type")
    assert h.key == "headline.churn_top" and h.args["value"] == Term("code", "Monthly")


def test_churn_without_customers_or_without_comparable_groups():
    assert churn_headline(_split(), Estimate(None, None, None, 0, False), "segment") == Headline(
        "headline.churn_empty"
    )
    h = churn_headline(_split(("Tiny", 5, 3, None, None, None)), OVERALL, "segment")
    assert h.key == "headline.churn_no_groups" and h.args["overall"] == 0.08


# --- risk register ------------------------------------------------------------------------


def _risks(*rows):
    columns = ["code", "title", "owner", "status", "score", "level", "appetite", "above_appetite"]
    return pd.DataFrame(rows, columns=columns)


def test_risks_above_appetite_and_the_highest_of_them():
    view = _risks(
        ("R-2", "Price war", "Li Na", "Treating", 20, "Critical", 16, True),  # 4 over
        ("R-1", "Key account loss", "Wang Fang", "Assessed", 20, "Critical", 12, True),  # 8 over
        ("R-3", "No appetite set", "Zhao Lei", "Identified", 25, "Critical", None, False),
        ("R-4", "Closed one", "Zhao Lei", "Closed", 25, "Critical", 5, True),  # closed
        ("R-5", "Small", None, "Monitoring", 4, "Low", 12, False),
    )
    h = register_headline(view)
    assert h.key == "headline.register_above"
    assert h.args == {
        "count": 2,
        "total": 4,
        "code": "R-1",
        "title": "Key account loss",
        "score": 20,
        "level": Term("level", "Critical"),
        "owner": "Wang Fang",
        "appetite": 12,
    }


def test_all_within_appetite_names_the_highest_scored_open_risk():
    view = _risks(
        ("R-5", "Small", None, "Monitoring", 4, "Low", 12, False),
        ("R-6", "Middle", None, "Assessed", 9, "Medium", 12, False),
    )
    h = register_headline(view)
    assert h.key == "headline.register_within"
    assert (h.args["total"], h.args["code"], h.args["owner"]) == (2, "R-6", "–")


def test_an_empty_register():
    assert register_headline(_risks()) == Headline("headline.register_empty")
    closed = _risks(("R-4", "Closed one", "x", "Closed", 25, "Critical", 5, True))
    assert register_headline(closed) == Headline("headline.register_empty")


# --- data quality -------------------------------------------------------------------------


def _results(*rows):
    columns = ["rule_id", "dimension", "weight", "checked", "passed", "rule_type"]
    return pd.DataFrame(rows, columns=columns)


def test_the_weakest_dimension_below_target_and_its_change():
    latest = _results(
        (1, "completeness", 1.0, 100, 95, "not_null"),
        (2, "timeliness", 1.0, 100, 70, "freshness"),
        (3, "timeliness", 3.0, 100, 80, "freshness"),  # weighted: (70 + 3·80) / 4 = 77.5%
    )
    previous = _results(
        (1, "completeness", 1.0, 100, 96, "not_null"),
        (2, "timeliness", 1.0, 100, 82, "freshness"),
        (3, "timeliness", 3.0, 100, 82, "freshness"),  # 82%: down 4.5 points
    )
    h = dq_headline(latest, previous)
    assert h.key == "headline.dq_below"
    assert h.args["dimension"] == Term("dq_dimension", "timeliness")
    assert h.args["score"] == pytest.approx(0.775)
    assert h.args["target"] == 0.90
    assert h.args["change"] == Headline("headline.dq_down", {"points": 4.5})
    assert headline_text(h) == (
        "**Timeliness is the weakest dimension at 77.5%**, below the 90% target; "
        "down 4.5 points since the previous check run."
    )


def test_every_dimension_on_target_first_run_and_unchanged():
    latest = _results(
        (1, "completeness", 1.0, 200, 190, "not_null"), (2, "validity", 1.0, 100, 99, "format")
    )
    first = dq_headline(latest, _results())
    assert first.key == "headline.dq_meets"
    assert first.args["dimension"] == Term("dq_dimension", "completeness")  # 95% < 99%
    assert first.args["change"] == Headline("headline.dq_first_run")
    same = dq_headline(latest, latest)
    assert same.args["change"] == Headline("headline.dq_unchanged")


def test_no_check_run():
    assert dq_headline(_results(), _results()) == Headline("headline.dq_empty")


# --- overview -----------------------------------------------------------------------------


def test_the_most_urgent_attention_item_leads():
    items = attention.rank(
        [
            attention.AttentionItem(
                "nps_drop",
                "East",
                "attention.nps_drop",
                {"now": 5, "before": 25, "p": 1e-4, "n": 300},
                100,
            ),
            attention.AttentionItem(
                "above_appetite",
                "R-1 Key account loss",
                "attention.above_appetite",
                {"score": 20, "appetite": 12, "level": "Critical"},
                140,
            ),
        ]
    )
    h = overview_headline(items, customers=3000, risks=12)
    assert h.key == "headline.overview_top"
    assert h.args["subject"] == "R-1 Key account loss"
    assert (h.args["n"], h.args["kind"]) == (2, Term("attention", "above_appetite"))
    assert h.args["reason"] == Headline(
        "attention.above_appetite",
        {"score": 20, "appetite": 12, "level": Term("level", "Critical")},
    )
    assert headline_text(h) == (
        "**Needs attention first: R\\-1 Key account loss** (Above appetite, 1 of 2): "
        "Current score 20 (Critical) is above the category appetite of 12."
    )
    region = overview_headline(items[1:], customers=3000, risks=12)
    assert region.args["subject"] == Term("code", "East")


def test_nothing_needs_attention_and_nothing_to_judge():
    assert overview_headline([], customers=3000, risks=12) == Headline("headline.overview_none")
    assert overview_headline([], customers=0, risks=0) == Headline("headline.overview_empty")
