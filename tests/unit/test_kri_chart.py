"""The KRI history chart's figure spec: values in month order with a gap for a month without
enough answers, each point coloured by its stored state, the thresholds as lines."""

from datetime import date

import pandas as pd

from components.charts_kri import kri_history_chart
from components.palette import RAG_COLORS

LABELS = {
    "value": "CSAT",
    "amber": "amber",
    "red": "red",
    "month": "Month",
    "n": "n",
    "green": "green",
    "insufficient": "insufficient data",
}


def test_points_thresholds_and_gaps():
    history = pd.DataFrame(
        {
            "period_month": [date(2026, 10, 1), date(2026, 8, 1), date(2026, 9, 1)],
            "value": [0.4, 0.8, None],
            "n": [10, 12, 3],
            "state": ["red", "green", "insufficient"],
        }
    )
    fig = kri_history_chart(history, 0.7, 0.5, LABELS, "CSAT East: monthly values")
    line = fig.data[0]
    assert [str(x)[:10] for x in line.x] == ["2026-08-01", "2026-09-01", "2026-10-01"]
    assert list(line.y[:1]) == [0.8] and pd.isna(line.y[1]) and line.y[2] == 0.4
    assert line.connectgaps is False
    assert list(line.marker.color) == [
        RAG_COLORS["green"],
        RAG_COLORS["insufficient"],
        RAG_COLORS["red"],
    ]
    assert [c[0] for c in line.customdata] == [12, 3, 10]
    lines = [(s.y0, s.line.color) for s in fig.layout.shapes]
    assert lines == [(0.7, RAG_COLORS["amber"]), (0.5, RAG_COLORS["red"])]
    assert [a.text for a in fig.layout.annotations] == ["amber 0.7", "red 0.5"]
    # lower is worse: red (worse) below amber, its label below its line
    assert [a.yanchor for a in fig.layout.annotations] == ["bottom", "top"]
    assert fig.layout.title.text == "CSAT East: monthly values"


def test_shares_read_as_percentages():
    history = pd.DataFrame(
        {"period_month": [date(2026, 10, 1)], "value": [0.4], "n": [10], "state": ["red"]}
    )
    fig = kri_history_chart(history, 0.7, 0.5, LABELS, "t", percent=True)
    assert fig.layout.yaxis.tickformat == ".0%"
    assert [a.text for a in fig.layout.annotations] == ["amber 70.0%", "red 50.0%"]
    assert "%{y:.1%}" in fig.data[0].hovertemplate


def test_kri_values_read_as_their_metric():
    from components.register.kris import kri_number

    assert kri_number("csat", 0.98294) == "98.3%"
    assert kri_number("dq_score", 1.0) == "100.0%"
    assert kri_number("nps", -1.681) == "-1.7"
    assert kri_number("incidents_started", 3.0) == "3"
    assert kri_number("hours_to_contain", 31.0) == "31.0 h"
    assert kri_number("churn_rate", None) == "–" and kri_number("nps", float("nan")) == "–"
