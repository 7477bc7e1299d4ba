"""The save-rate chart of the actions report: a bar per kind with enough outcomes at its
rate, error bars equal to the Wilson interval computed here with statsmodels, n in the
labels, and a kind below the minimum sample drawn as no bar but as "insufficient data"."""

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from analytics.actions import save_rates
from components.charts_actions import save_rate_bars

LABELS = {"axis": "Saved ÷ with outcome", "insufficient": "insufficient data", "n": "n = {n}"}
LABELS["rate"] = "Save rate"


def _figure(min_n: int):
    # retention offers: 18 saved, 12 lost (30 with an outcome); calls: 3 saved, 2 lost (5).
    counts = pd.DataFrame(
        {
            "kind": ["retention_offer", "call", "collection_step"],
            "actions": [40, 9, 7],
            "saved": [18, 3, 0],
            "lost": [12, 2, 0],
        }
    )
    rates = save_rates(counts, min_n)
    named = rates.assign(label=rates["kind"].map({"retention_offer": "Offer", "call": "Call"}))
    return save_rate_bars(named, LABELS, "Save rate per kind")


def test_bars_carry_the_rate_and_its_wilson_interval():
    fig = _figure(min_n=5)
    bars = [tr for tr in fig.data if tr.type == "bar"]
    assert len(bars) == 1 and not [tr for tr in fig.data if tr.type == "scatter"]
    bar = bars[0]
    # Offer 18/30 = 60 %, call 3/5 = 60 %: equal rates, so read the bars by name.
    got = dict(zip(bar.y, bar.x, strict=True))
    assert got == {"Offer (n = 30)": pytest.approx(18 / 30), "Call (n = 5)": pytest.approx(3 / 5)}
    for name, (saved, n) in {"Offer (n = 30)": (18, 30), "Call (n = 5)": (3, 5)}.items():
        i = list(bar.y).index(name)
        low, high = proportion_confint(saved, n, alpha=0.05, method="wilson")
        assert bar.error_x.array[i] == pytest.approx(high - saved / n)
        assert bar.error_x.arrayminus[i] == pytest.approx(saved / n - low)
    assert fig.layout.xaxis.range == (0, 1)


def test_a_kind_below_the_minimum_sample_has_no_bar():
    fig = _figure(min_n=10)  # calls have 5 outcomes: too few
    bar = next(tr for tr in fig.data if tr.type == "bar")
    thin = next(tr for tr in fig.data if tr.type == "scatter")
    assert list(bar.y) == ["Offer (n = 30)"]
    assert bar.x[0] == pytest.approx(0.6)
    assert list(thin.y) == ["Call (n = 5)"] and list(thin.text) == ["insufficient data"]
    assert list(thin.x) == [0.0]  # a marker at the axis, no bar height
    assert thin.marker.color == "#bdbdbd"
    # Thin samples sit below the bars (first category = bottom).
    assert list(fig.layout.yaxis.categoryarray) == ["Call (n = 5)", "Offer (n = 30)"]


def test_bars_are_sorted_by_rate_highest_on_top():
    counts = pd.DataFrame(
        {
            "kind": ["retention_offer", "call"],
            "actions": [40, 40],
            "saved": [10, 30],
            "lost": [30, 10],
        }
    )
    rates = save_rates(counts, 5).assign(label=["Offer", "Call"])
    fig = save_rate_bars(rates, LABELS, "t")
    # Offer 25 %, call 75 %: call drawn last, at the top.
    assert list(fig.layout.yaxis.categoryarray) == ["Offer (n = 40)", "Call (n = 40)"]
