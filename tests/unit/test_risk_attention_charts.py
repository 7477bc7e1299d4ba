"""Risk rules, the attention ranking and chart specs (pure functions)."""

from datetime import date

import pandas as pd
import pytest

from analytics import attention
from analytics.risk import annotate, next_review, risk_level, risk_score
from components import charts
from data_access.settings import DEFAULTS

BANDS = DEFAULTS["risk_level_bands"]


@pytest.mark.parametrize(
    "score, level",
    [
        (1, "Low"),
        (4, "Low"),
        (5, "Medium"),
        (9, "Medium"),
        (10, "High"),
        (16, "High"),
        (17, "Critical"),
        (25, "Critical"),
    ],
)
def test_level_bands_at_their_edges(score, level):
    assert risk_level(score, BANDS) == level


def test_score_rejects_out_of_range():
    assert risk_score(4, 5) == 20
    with pytest.raises(ValueError, match="likelihood"):
        risk_score(0, 3)
    with pytest.raises(ValueError, match="impact"):
        risk_score(3, 6)


def test_next_review_by_cadence():
    cadence = DEFAULTS["review_cadence_days"]
    assert next_review(date(2026, 1, 1), "Critical", cadence) == date(2026, 1, 31)
    assert next_review(date(2026, 1, 1), "Low", cadence) == date(2026, 6, 30)


def _snapshot():
    return pd.DataFrame(
        {
            "code": ["R-1", "R-2", "R-3"],
            "title": ["a", "b", "c"],
            "likelihood": [4, 2, 5],
            "impact": [4, 2, 4],
            "appetite": [12, 12, None],
            "next_review_date": [date(2026, 10, 1), date(2026, 12, 1), date(2026, 10, 20)],
        }
    )


def test_annotate_flags_appetite_and_overdue():
    df = annotate(_snapshot(), BANDS, date(2026, 10, 31))
    assert list(df.score) == [16, 4, 20]
    assert list(df.level) == ["High", "Low", "Critical"]
    assert list(df.above_appetite) == [True, False, False]  # no appetite set: not flagged
    assert list(df.days_overdue) == [30, -31, 11]
    assert list(df.review_overdue) == [True, False, True]


def test_attention_ranks_appetite_breach_then_nps_drop_then_reviews():
    df = annotate(_snapshot(), BANDS, date(2026, 10, 31))
    now = pd.DataFrame(
        {
            "region": ["East", "West"],
            "n": [400, 400],
            "promoters": [120, 180],
            "detractors": [140, 80],
        }
    )
    before = pd.DataFrame(
        {
            "region": ["East", "West"],
            "n": [400, 400],
            "promoters": [180, 181],
            "detractors": [80, 79],
        }
    )
    dq = pd.DataFrame({"source_system": ["ERP", "CRM"], "score": [0.80, 0.97]})
    items = attention.rank(
        attention.risk_items(df)
        + attention.nps_drop_items(now, before, "region", 30)
        + attention.dq_items(dq)
    )
    kinds = [(i.kind, i.subject) for i in items]
    assert kinds[0] == ("above_appetite", "R-1 a")
    assert ("nps_drop", "East") in kinds and ("nps_drop", "West") not in kinds  # West is noise
    assert kinds.index(("nps_drop", "East")) < kinds.index(("review_overdue", "R-3 c"))
    assert ("review_overdue", "R-1 a") in kinds  # High and overdue
    assert ("dq_source", "ERP") in kinds and ("dq_source", "CRM") not in kinds
    east = next(i for i in items if i.subject == "East")
    assert east.args["before"] == pytest.approx(25.0) and east.args["now"] == pytest.approx(-5.0)
    # each item opens the view that explains it
    assert (east.page, east.drill) == ("satisfaction", {"focus": "region:East"})
    breach = items[0]
    assert (breach.page, breach.drill) == ("risk-register", {"risk": "R-1"})
    erp = next(i for i in items if i.subject == "ERP")
    assert (erp.page, erp.drill) == ("data-quality", {})


def test_small_groups_are_never_flagged():
    now = pd.DataFrame({"region": ["East"], "n": [20], "promoters": [0], "detractors": [20]})
    before = pd.DataFrame({"region": ["East"], "n": [20], "promoters": [20], "detractors": [0]})
    assert attention.nps_drop_items(now, before, "region", 30) == []


def test_risk_chart_stacks_levels_in_order_and_sorts_categories():
    counts = pd.DataFrame(
        {
            "category": ["CHN", "CHN", "SEC"],
            "level": ["High", "Critical", "Low"],
            "count": [2, 1, 1],
        }
    )
    fig = charts.risks_by_category_level(counts, {}, "Open risks", "Risks")
    assert [t.name for t in fig.data] == ["Low", "Medium", "High", "Critical"]
    assert list(fig.data[0].y) == ["SEC", "CHN"]  # largest total last = on top
    assert list(fig.data[2].x) == [0, 2] and fig.layout.barmode == "stack"


def test_trend_chart_has_band_line_and_churn_panel():
    monthly = pd.DataFrame(
        {
            "month_label": ["Sep 2026", "Oct 2026"],
            "nps": [20.0, None],
            "nps_low": [15.0, None],
            "nps_high": [25.0, None],
            "n": [300, 10],
            "churn_rate": [0.012, 0.015],
            "active": [2000, 1990],
        }
    )
    labels = {"nps": "NPS", "nps_ci": "NPS 95% CI", "churn": "Churn"}
    fig = charts.nps_and_churn_trend(monthly, labels, "Trend")
    assert [t.name for t in fig.data] == ["NPS 95% CI", "NPS", "Churn"]
    assert fig.data[0].fill == "toself"
    assert fig.layout.yaxis2.tickformat == ".1%"


def test_flow_by_month_counts_and_mean_time_to_close():
    from analytics.risk import flow_by_month

    flow = pd.DataFrame(
        {
            "created_at": pd.to_datetime(["2026-01-10", "2026-01-20", "2026-02-01", "2025-12-01"]),
            "closed_at": pd.to_datetime([None, "2026-02-19", "2026-02-11", "2026-02-01"]),
        }
    )
    got = flow_by_month(flow, [date(2026, 1, 1), date(2026, 2, 1)])
    assert list(got.created) == [2, 1]
    assert list(got.closed) == [0, 3]
    # closed in Feb after 30, 10 and 62 days → mean 34
    assert got.mean_days_to_close[1] == pytest.approx((30 + 10 + 62) / 3)
    assert got.mean_days_to_close[0] is None or pd.isna(got.mean_days_to_close[0])


def test_risk_matrix_has_25_cells_and_counts():
    counts = pd.DataFrame({"likelihood": [4, 1], "impact": [4, 2], "count": [3, 1]})
    level_of = {s: risk_level(s, BANDS) for s in range(1, 26)}
    labels = {"likelihood": "L", "impact": "I", "risks": "risks"}
    fig = charts.risk_matrix(counts, level_of, labels, "Matrix")
    assert sum(len(t.x) for t in fig.data) == 25
    texts = {tuple(c): txt for t in fig.data for c, txt in zip(t.customdata, t.text, strict=True)}
    assert texts[(4, 4)] == "3" and texts[(1, 2)] == "1" and texts[(5, 5)] == ""
    critical = next(t for t in fig.data if t.name == "Critical")
    assert all(lik * imp >= 17 for lik, imp in critical.customdata)


def test_red_kris_are_raised_only_for_visible_risks():
    states = pd.DataFrame(
        {
            "risk_id": [1, 2, 1],
            "name": ["NPS East", "Churn", "CSAT"],
            "value": [3.0, 0.02, 0.8],
            "red_threshold": [5.0, 0.018, 0.6],
            "state": ["red", "red", "green"],
        }
    )
    risks = pd.DataFrame({"id": [1], "code": ["R-011"], "title": ["East decline"]})
    items = attention.kri_items(states, risks)
    assert [(i.subject, i.args["kri"]) for i in items] == [("R-011 East decline", "NPS East")]
