"""KPI tiles: a change that reads as zero is shown without a good/bad colour."""

from components.tiles import _colour


def test_a_change_that_shows_as_zero_gets_no_colour():
    assert _colour("+0", "inverse") == "off"
    assert _colour("-0.0 pp", "normal") == "off"
    assert _colour("+0.0", "inverse") == "off"
    assert _colour("+1", "inverse") == "inverse"
    assert _colour("-0.1 pp", "normal") == "normal"
    assert _colour("+1,000", "normal") == "normal"


def test_a_tile_amount_is_short_and_carries_the_currency_sign(monkeypatch):
    from components.churn import labels

    monkeypatch.setattr(labels, "app_settings", lambda: {"currency": "EUR"})
    assert labels.money_short(668_985.0) == "€669k"
    assert labels.money_short(3_932_273.0) == "€3.9M"
    assert labels.money_short(1_250_000_000.0) == "€1.2B"
    assert labels.money_short(950.0) == "€950"
    assert labels.money_short(None) == "—"
    assert labels.money(3_932_273.0) == "EUR 3,932,273"
    # A code without a well-known sign is spelt out.
    monkeypatch.setattr(labels, "app_settings", lambda: {"currency": "CHF"})
    assert labels.money_short(3_932_273.0) == "CHF 3.9M"


def test_a_tile_without_a_figure_shows_a_dash_and_says_why_under_it():
    from analytics.kpi import Estimate
    from components.tiles import rate_text, score_text

    thin = Estimate(None, None, None, 12, False)
    text = rate_text(thin, thin)
    assert (text.value, text.delta, text.colour, text.arrow) == (
        "—",
        "insufficient data",
        "off",
        False,
    )
    assert score_text(None, 3.0, missing="no check run yet").delta == "no check run yet"
