"""Satisfaction scores and the early-warning test, checked against hand computations and
independent libraries (scipy, statsmodels), and masking of personal data."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from analytics.satisfaction import (
    ces_mean,
    change_vs_rest,
    early_warnings,
    gap_to_overall,
    holm,
    scores,
)
from data_access.pii import mask_email, mask_frame, mask_name, mask_phone, mask_text
from data_access.security import Viewer


def counts(n_nps=200, promoters=90, detractors=40, n_csat=200, top2=150, answers=(3, 4, 5)):
    answers = np.asarray(answers, dtype=float)
    return {
        "n_nps": n_nps,
        "promoters": promoters,
        "detractors": detractors,
        "n_csat": n_csat,
        "csat_top2": top2,
        "n_ces": len(answers),
        "ces_sum": answers.sum(),
        "ces_sumsq": (answers**2).sum(),
    }


def test_nps_from_counts_matches_the_issue_example():
    row = scores(pd.DataFrame([counts()]), min_n=30).iloc[0]
    # p = 0.45, d = 0.20: NPS 25; variance 0.45 + 0.20 - 0.25^2 = 0.5875; half-width
    # 1.96 * sqrt(0.5875 / 200) * 100 = 10.62
    assert row.nps == pytest.approx(25.0)
    assert (row.nps_high - row.nps_low) / 2 == pytest.approx(10.62, abs=0.01)
    assert row.promoter_share == pytest.approx(0.45)
    assert row.passive_share == pytest.approx(0.35)
    assert row.detractor_share == pytest.approx(0.20)


def test_csat_top2_uses_the_wilson_interval():
    row = scores(pd.DataFrame([counts(n_csat=263, top2=81)]), min_n=30).iloc[0]
    low, high = proportion_confint(81, 263, alpha=0.05, method="wilson")
    assert row.csat == pytest.approx(100 * 81 / 263)
    assert row.csat_low == pytest.approx(100 * low)
    assert row.csat_high == pytest.approx(100 * high)


def test_ces_mean_interval_matches_scipy_t_interval():
    answers = np.array([1, 2, 2, 3, 3, 3, 4, 4, 5, 7] * 4, dtype=float)
    est = ces_mean(answers.sum(), (answers**2).sum(), len(answers), min_n=30)
    low, high = stats.t.interval(
        0.95, len(answers) - 1, loc=answers.mean(), scale=stats.sem(answers)
    )
    assert est.value == pytest.approx(answers.mean())
    assert est.low == pytest.approx(low)
    assert est.high == pytest.approx(high)


def test_small_samples_are_insufficient_not_zero():
    frame = pd.DataFrame([counts(n_nps=29, promoters=20, detractors=2, n_csat=10)])
    row = scores(frame, min_n=30).iloc[0]
    assert not row.nps_ok and row.nps is None
    assert not row.csat_ok and row.csat is None
    assert not row.ces_ok  # 3 effort answers


def test_gap_to_overall_sorts_worst_first_and_insufficient_last():
    frame = scores(
        pd.DataFrame(
            [
                counts(promoters=100, detractors=20) | {"value": "good"},
                counts(promoters=60, detractors=70) | {"value": "bad"},
                counts(n_nps=10, promoters=0, detractors=10) | {"value": "tiny"},
            ]
        ),
        min_n=30,
    )
    out = gap_to_overall(frame, overall=25.0, metric="nps")
    assert list(out["value"]) == ["bad", "good", "tiny"]
    assert out.loc[0, "gap"] == pytest.approx(-5.0 - 25.0)


def test_change_vs_rest_by_hand():
    # segment fell 0.10 (variances 0.001 each), rest fell 0.02 (variances 0.0005 each):
    # z = (-0.10 + 0.02) / sqrt(0.003) = -1.4606
    z, p = change_vs_rest(((0.3, 0.001), (0.4, 0.001)), ((0.38, 0.0005), (0.40, 0.0005)))
    assert z == pytest.approx(-0.08 / math.sqrt(0.003))
    assert p == pytest.approx(2 * stats.norm.sf(abs(z)))


def test_holm_matches_statsmodels():
    p = pd.Series([0.01, 0.04, 0.03, 0.2, 0.001, 0.04, 0.9])
    expected = multipletests(p, alpha=0.05, method="holm")[1]
    assert holm(p).to_numpy() == pytest.approx(expected)


def _windows(segments: dict[str, dict[str, dict]]) -> pd.DataFrame:
    rows = [
        {"dimension": "region", "value": value, "window": window, **c}
        for value, windows in segments.items()
        for window, c in windows.items()
    ]
    return pd.DataFrame(rows)


def _draw(rng, n: int, shares=(0.45, 0.35, 0.20), top2=0.75) -> dict:
    p, _, d = rng.multinomial(n, shares)
    return counts(n_nps=n, promoters=p, detractors=d, n_csat=n, top2=rng.binomial(n, top2))


def test_early_warning_csat_z_matches_statsmodels_and_flags_a_planted_drop():
    rng = np.random.default_rng(1)
    segments = {
        f"R{i}": {"baseline": _draw(rng, 1200), "latest": _draw(rng, 300)} for i in range(5)
    }
    segments["R0"]["latest"] = counts(n_nps=300, promoters=95, detractors=100, n_csat=300, top2=180)
    windows = _windows(segments)
    customers = pd.DataFrame(
        {"dimension": "region", "value": list(segments), "customers": [500, 400, 300, 200, 100]}
    )
    out = early_warnings(windows, customers, min_n=30)
    r0 = out[(out.value == "R0")].set_index("metric")
    base = segments["R0"]["baseline"]
    z, p = proportions_ztest([180, base["csat_top2"]], [300, base["n_csat"]])
    assert r0.loc["csat", "z"] == pytest.approx(z)
    assert r0.loc["csat", "p"] == pytest.approx(p)
    # NPS z by hand: latest 95/300 vs 100/300; baseline from the draw
    p1, d1 = 95 / 300, 100 / 300
    p0, d0 = base["promoters"] / 1200, base["detractors"] / 1200
    se = math.sqrt((p1 + d1 - (p1 - d1) ** 2) / 300 + (p0 + d0 - (p0 - d0) ** 2) / 1200)
    assert r0.loc["nps", "z"] == pytest.approx(((p1 - d1) - (p0 - d0)) / se)
    assert r0["flagged"].all() and r0["localised"].all()
    assert set(out.loc[out.flagged, "value"]) == {"R0"}
    assert out.iloc[0]["value"] == "R0"  # flagged first
    # Holm: the smallest p is multiplied by the number of tests
    assert out["p_adjusted"].min() == pytest.approx(min(1.0, out["p"].min() * len(out)))


def test_early_warning_does_not_flag_noise():
    """Stationary data, 12 segments x 2 tests, 200 repetitions: Holm keeps the chance of any
    false alarm in a run near 5%, far below the ~70% an unadjusted 5% test would give."""
    rng = np.random.default_rng(2026)
    customers = pd.DataFrame({"dimension": "region", "value": [f"R{i}" for i in range(12)]})
    customers["customers"] = 100
    runs_with_alarm = 0
    for _ in range(200):
        segments = {
            v: {"baseline": _draw(rng, 1000), "latest": _draw(rng, 250)} for v in customers["value"]
        }
        out = early_warnings(_windows(segments), customers, min_n=30)
        runs_with_alarm += bool(out["flagged"].any())
    assert runs_with_alarm <= 16  # 8% of runs; the nominal bound is 5% (two-sided, so ~2.5%)


def test_early_warning_skips_segments_below_min_n():
    rng = np.random.default_rng(3)
    segments = {
        "A": {"baseline": _draw(rng, 1000), "latest": _draw(rng, 20)},
        "B": {"baseline": _draw(rng, 1000), "latest": _draw(rng, 300)},
    }
    customers = pd.DataFrame({"dimension": "region", "value": ["A", "B"], "customers": [1, 1]})
    out = early_warnings(_windows(segments), customers, min_n=30)
    # A is too small, and B's "rest of the dimension" (A) is too small as well
    assert out.empty


def test_masking_functions():
    assert mask_email("jane.doe@example.com") == "j***@example.com"
    assert mask_phone("138 1234 5678") == "138****5678"
    assert mask_phone("123") == "****"
    assert mask_name("Wang Fang") == "Wang F***"
    assert mask_name("王芳") == "王*"
    masked = mask_text("call me on 13812345678 or mail li.lei@corp.cn please")
    assert "13812345678" not in masked and "li.lei@" not in masked
    assert "138****5678" in masked and "l***@corp.cn" in masked
    assert mask_email(None) is None


def test_mask_frame_depends_on_the_viewer():
    frame = pd.DataFrame({"customer": ["Wang Fang"], "email": ["wf@x.com"], "n": [1]})
    spec = {"customer": "name", "email": "email"}
    shown = mask_frame(frame, Viewer("a", "analyst"), spec)
    hidden = mask_frame(frame, Viewer("r", "risk_manager"), spec)
    assert shown.loc[0, "email"] == "wf@x.com"
    assert hidden.loc[0, "email"] == "w***@x.com"
    assert hidden.loc[0, "customer"] == "Wang F***"
    assert frame.loc[0, "email"] == "wf@x.com"  # the input is not changed
