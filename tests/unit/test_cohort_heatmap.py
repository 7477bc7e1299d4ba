"""The cohort heat map: a fixed 0–100% colour scale, and cohorts below the minimum sample
shown grey as insufficient instead of as a coloured rate (issue 16)."""

import math

import numpy as np
import pandas as pd

from components.charts_churn import INSUFFICIENT, cohort_heatmap

LABELS = {
    "period": "Month",
    "cohort": "Signup month",
    "months": "Months since signup",
    "insufficient": "insufficient data: n = {n}, fewer than the minimum of {min_n} customers",
}


def _figure(sizes, min_n=30):
    # Two cohorts and the average row; three periods; the second cohort has not reached
    # period 2 yet (NaN) and its period 1 is the current, partial month.
    values = pd.DataFrame(
        [[1.0, 0.9, 0.8], [1.0, 0.5, np.nan], [1.0, 0.85, 0.8]],
        index=[10, 11, "average"],
        columns=[0, 1, 2],
    )
    partial = pd.DataFrame(False, index=values.index, columns=values.columns)
    partial.loc[11, 1] = True
    rows = ["Jan 2026 (n=200)", "Feb 2026 (n=12)", "Weighted average"]
    return cohort_heatmap(values, partial, rows, LABELS, "Logo retention", sizes, min_n)


def _z(trace):
    return [[None if v is None or math.isnan(v) else v for v in row] for row in trace.z]


def test_a_cohort_below_the_minimum_is_grey_and_says_insufficient():
    fig = _figure([200, 12, 212])
    main, grey, cells = fig.data
    # The rate cells of the small cohort are gone from the coloured layer …
    assert _z(main) == [[1.0, 0.9, 0.8], [None, None, None], [1.0, 0.85, 0.8]]
    assert [list(r) for r in main.text] == [
        ["100%", "90%", "80%"],
        ["", "", ""],
        ["100%", "85%", "80%"],
    ]
    # … and drawn grey with their n, only where the period has started.
    assert _z(grey) == [[None, None, None], [1.0, 1.0, None], [None, None, None]]
    assert grey.colorscale[0][1] == INSUFFICIENT and grey.colorscale[-1][1] == INSUFFICIENT
    assert list(grey.text[1]) == ["n=12", "n=12", ""]
    assert grey.showscale is False
    # Hover on the small cohort's cells says why; the others show their rate.
    hover = dict(zip(zip(cells.y, cells.x, strict=True), cells.text, strict=True))
    insufficient = "insufficient data: n = 12, fewer than the minimum of 30 customers"
    assert hover[("Feb 2026 (n=12)", "0")] == insufficient
    assert hover[("Feb 2026 (n=12)", "1")] == insufficient
    assert hover[("Jan 2026 (n=200)", "1")] == "90%"
    # The small cohort's cells stay clickable (its customers can still be listed).
    assert [list(c) for c in cells.customdata] == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1]]


def test_the_colour_scale_is_fixed_whatever_the_data():
    fig = _figure([200, 120, 320])
    assert (fig.data[0].zmin, fig.data[0].zmax) == (0.0, 1.0)
    assert len(fig.data) == 2  # no grey layer when every cohort is large enough
    assert _z(fig.data[0])[1] == [1.0, 0.5, None]
    assert list(fig.data[0].text[1]) == ["100%", "50%*", ""]  # the partial month is marked
    # The same range for a matrix whose values all sit near the top.
    values = pd.DataFrame([[1.0, 0.98]], index=[10], columns=[0, 1])
    high = cohort_heatmap(
        pd.concat([values, values.rename(index={10: "average"})]),
        pd.DataFrame(False, index=[10, "average"], columns=[0, 1]),
        ["Jan 2026 (n=500)", "Weighted average"],
        LABELS,
        "Logo retention",
        [500, 500],
        30,
    )
    assert (high.data[0].zmin, high.data[0].zmax) == (0.0, 1.0)
