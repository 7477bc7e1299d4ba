"""KPI formulas against hand computations and published reference values."""

import math

import pytest

from analytics.kpi import (
    nps,
    nps_change_test,
    proportion,
    rate_change_test,
    wilson_interval,
)


def test_nps_example_from_the_issue():
    # n=200, 90 promoters, 40 detractors: NPS = 100*(0.45-0.20) = 25;
    # var = 0.45+0.20-0.25^2 = 0.5875; half-width = 1.96*sqrt(0.5875/200)*100 ≈ 10.62
    est = nps(90, 40, 200)
    assert est.value == pytest.approx(25.0)
    assert est.half_width == pytest.approx(1.959964 * math.sqrt(0.5875 / 200) * 100, rel=1e-6)
    assert est.half_width == pytest.approx(10.6, abs=0.05)
    assert (est.low, est.high) == pytest.approx((25 - 10.623, 25 + 10.623), abs=0.01)


def test_nps_below_minimum_sample_is_insufficient():
    est = nps(10, 5, 29, min_n=30)
    assert not est.sufficient and est.value is None and est.low is None
    assert nps(10, 5, 30, min_n=30).sufficient


def test_nps_all_promoters_has_zero_width():
    est = nps(50, 0, 50)
    assert est.value == 100 and est.low == 100 and est.high == 100


def test_wilson_interval_matches_textbook_example():
    # Newcombe (1998), Table I: 81 of 263 → Wilson 95% CI 0.2553 to 0.3662
    low, high = wilson_interval(81, 263)
    assert low == pytest.approx(0.2553, abs=5e-4)
    assert high == pytest.approx(0.3662, abs=5e-4)


def test_wilson_interval_zero_successes():
    # 0 of 10: Wilson lower bound 0, upper z²/(n+z²) = 3.8415/13.8415 ≈ 0.2775
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=5e-4)


def test_wilson_rejects_empty_sample():
    with pytest.raises(ValueError):
        wilson_interval(0, 0)


def test_proportion_estimate():
    est = proportion(15, 100)
    assert est.value == pytest.approx(0.15)
    assert est.low < 0.15 < est.high
    assert not proportion(0, 0).sufficient


def test_two_proportion_z_test_by_hand():
    # 30/100 vs 20/100: pooled 0.25, se = sqrt(0.25*0.75*(2/100)) = 0.061237; z = 0.1/0.061237
    z, p = rate_change_test(30, 100, 20, 100)
    assert z == pytest.approx(1.63299, abs=1e-4)
    assert p == pytest.approx(0.10247, abs=1e-4)


def test_nps_change_test_by_hand():
    # current 40/60 of 200 (NPS 10) vs baseline 90/40 of 200 (NPS 25)
    # var_c = 0.2+0.3-(-0.1)^2 = 0.49 ; var_b = 0.5875 ; se = sqrt(0.49/200 + 0.5875/200)
    z, p = nps_change_test((40, 60, 200), (90, 40, 200))
    se = math.sqrt(0.49 / 200 + 0.5875 / 200)
    assert z == pytest.approx((-0.1 - 0.25) / se)
    assert z < 0 and p < 0.001
