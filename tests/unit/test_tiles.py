"""KPI tiles: a change that reads as zero is shown without a good/bad colour."""

from components.tiles import _colour


def test_a_change_that_shows_as_zero_gets_no_colour():
    assert _colour("+0", "inverse") == "off"
    assert _colour("-0.0 pp", "normal") == "off"
    assert _colour("+0.0", "inverse") == "off"
    assert _colour("+1", "inverse") == "inverse"
    assert _colour("-0.1 pp", "normal") == "normal"
    assert _colour("+1,000", "normal") == "normal"
