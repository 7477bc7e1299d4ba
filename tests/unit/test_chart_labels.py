"""Labels a projector can read (issue 16): a bubble's name never lies under another bubble,
and a breakdown bar's value sits beside its segment's name, not where the interval's whisker
strikes it through."""

import pandas as pd

from components.charts_satisfaction import breakdown_bars, label_positions


def test_a_name_that_would_sit_under_a_bubble_above_moves_below():
    # NPS from −3 to 21.5 over ~230 px: South's bubble sits ~23 px above Central's centre and
    # ~6 px to its left, where Central's name would go; it goes below instead.
    names = ["South", "Central", "North", "East"]
    x, y, d = [29.5, 30.3, 10.0, 31.8], [21.5, 19.0, 20.0, -3.0], [36.0, 34.0, 30.0, 42.0]
    assert label_positions(x, y, d, names) == [
        "top center",
        "bottom center",
        "top center",
        "top center",
    ]


def test_names_far_apart_all_go_above_and_nothing_breaks_on_no_points():
    assert (
        label_positions([1, 20, 40], [0, 10, 20], [20, 20, 20], ["a", "b", "c"])
        == ["top center"] * 3
    )
    assert label_positions([], [], [], []) == []


def test_breakdown_values_are_in_the_axis_labels_not_on_the_bars():
    frame = pd.DataFrame(
        {
            "label": ["East", "West"],
            "value": ["East", "West"],
            "nps": [-3.0, 22.6],
            "nps_ok": [True, True],
            "nps_low": [-7.8, 16.8],
            "nps_high": [1.8, 28.5],
            "n_nps": [976, 658],
        }
    )
    labels = {"insufficient": "insufficient data", "score": "NPS", "overall": "All", "axis": "NPS"}
    fig = breakdown_bars(frame, "nps", 14.4, labels, "NPS by region")
    bar = fig.data[0]
    assert list(bar.text) == ["", ""]  # nothing for a whisker to cross
    assert list(fig.layout.yaxis.ticktext) == ["West  <b>22.6</b>", "East  <b>-3.0</b>"]
