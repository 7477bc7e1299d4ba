"""Satisfaction scores from survey counts, and the early-warning test. Pure; no I/O.

NPS: share of promoters (9–10) minus share of detractors (0–6), ×100, with the normal interval
from the variance [p+d-(p-d)^2]/n. CSAT: share of 4–5 answers ("top-2 box") with a Wilson
interval. CES: mean effort on 1 (very easy) … 7 (very hard) with a t interval; lower is better.
"""

from __future__ import annotations

import math

import pandas as pd
from scipy.stats import norm
from scipy.stats import t as student_t
from statsmodels.stats.multitest import multipletests

from analytics.kpi import (
    Estimate,
    nps,
    nps_change_test,
    nps_variance,
    proportion,
    rate_change_test,
)

COUNTS = ["n_nps", "promoters", "detractors", "n_csat", "csat_top2"]


def ces_mean(total: float, sum_squares: float, n: int, min_n: int = 30) -> Estimate:
    """Mean CES with a 95% t interval, from the sum and the sum of squares of n answers."""
    if n < max(min_n, 2):
        return Estimate(None, None, None, n, False)
    mean = total / n
    variance = max((sum_squares - n * mean * mean) / (n - 1), 0.0)
    half = float(student_t.ppf(0.975, n - 1)) * math.sqrt(variance / n)
    return Estimate(mean, mean - half, mean + half, n, True)


def scores(counts: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """Add NPS, CSAT top-2 share and CES mean, each with low/high and a `*_ok` flag (False =
    insufficient data), to a frame of survey counts (data_access.satisfaction.COUNT_COLUMNS)."""
    out = counts.copy()
    rows = {"nps": [], "csat": [], "ces": []}
    for r in counts.itertuples():
        rows["nps"].append(nps(r.promoters, r.detractors, r.n_nps, min_n))
        csat = proportion(r.csat_top2, r.n_csat, min_n)
        rows["csat"].append(
            Estimate(
                None if csat.value is None else 100 * csat.value,
                None if csat.low is None else 100 * csat.low,
                None if csat.high is None else 100 * csat.high,
                csat.n,
                csat.sufficient,
            )
        )
        rows["ces"].append(ces_mean(r.ces_sum, r.ces_sumsq, r.n_ces, min_n))
    for name, estimates in rows.items():
        out[name] = [e.value for e in estimates]
        out[f"{name}_low"] = [e.low for e in estimates]
        out[f"{name}_high"] = [e.high for e in estimates]
        out[f"{name}_ok"] = [e.sufficient for e in estimates]
    if not counts.empty:
        n = counts["n_nps"].where(counts["n_nps"] > 0)
        out["promoter_share"] = counts["promoters"] / n
        out["detractor_share"] = counts["detractors"] / n
        out["passive_share"] = (counts["n_nps"] - counts["promoters"] - counts["detractors"]) / n
    return out


def gap_to_overall(breakdown: pd.DataFrame, overall: float | None, metric: str) -> pd.DataFrame:
    """Breakdown sorted by gap to the overall figure (worst first); insufficient rows last."""
    out = breakdown.copy()
    out["gap"] = out[metric] - overall if overall is not None else None
    out["_missing"] = ~out[f"{metric}_ok"]
    ascending = metric != "ces"  # for effort, higher is worse
    out = out.sort_values(["_missing", "gap"], ascending=[True, ascending], na_position="last")
    return out.drop(columns="_missing").reset_index(drop=True)


def _nps_parts(promoters: float, detractors: float, n: float) -> tuple[float, float]:
    """NPS (as a −1…1 mean) and the variance of that mean."""
    p, d = promoters / n, detractors / n
    return p - d, nps_variance(p, d) / n


def _share_parts(successes: float, n: float) -> tuple[float, float]:
    p = successes / n
    return p, p * (1 - p) / n


def change_vs_rest(
    segment: tuple[tuple[float, float], tuple[float, float]],
    rest: tuple[tuple[float, float], tuple[float, float]],
) -> tuple[float, float]:
    """z and two-sided p of (segment's change) − (rest's change), each given as
    ((latest mean, its variance), (baseline mean, its variance)): did this segment fall more
    than everyone else (a localised drop) or with them (a broad one)?"""
    (s1, v1), (s0, v0) = segment
    (r1, w1), (r0, w0) = rest
    se = math.sqrt(v1 + v0 + w1 + w0)
    if se == 0:
        return 0.0, 1.0
    z = ((s1 - s0) - (r1 - r0)) / se
    return z, float(2 * norm.sf(abs(z)))


def early_warnings(
    windows: pd.DataFrame,
    customers: pd.DataFrame,
    min_n: int,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Segments whose latest window is significantly below their own baseline.

    `windows` has dimension, value, window (latest/baseline) and the survey counts;
    `customers` has dimension, value, customers. For each segment two tests: NPS (z-test with
    the NPS variance) and CSAT top-2 share (pooled two-proportion z-test). The p-values of
    all tests are adjusted together (Holm), so looking at many segments does not manufacture
    alerts; a segment is flagged when a score fell and its adjusted p < `alpha`. Segments
    with fewer than `min_n` answers in either window are not tested. Flagged first, ranked by
    customers affected.

    Every slice of a dimension contains part of a real drop elsewhere (a fall in East drags
    the Enterprise figure down too), so each flag also says whether the segment fell
    significantly more than the rest of its dimension (`localised`, Holm-adjusted
    difference-in-differences test) or only with everyone else (a broad decline)."""
    columns = [
        "dimension",
        "value",
        "metric",
        "baseline",
        "latest",
        "change",
        "n_baseline",
        "n_latest",
        "z",
        "p",
        "p_adjusted",
        "flagged",
        "localised",
        "p_rest",
        "customers",
    ]
    totals = windows.groupby(["dimension", "window"])[COUNTS].sum()
    rows = []
    for (dimension, value), group in windows.groupby(["dimension", "value"], sort=False):
        by_window = group.set_index("window")
        if not {"latest", "baseline"} <= set(by_window.index):
            continue
        now, base = by_window.loc["latest"], by_window.loc["baseline"]
        rest_now = totals.loc[(dimension, "latest")] - now[COUNTS]
        rest_base = totals.loc[(dimension, "baseline")] - base[COUNTS]
        tests = []
        if min(now.n_nps, base.n_nps, rest_now.n_nps, rest_base.n_nps) >= min_n:
            z, p = nps_change_test(
                (int(now.promoters), int(now.detractors), int(now.n_nps)),
                (int(base.promoters), int(base.detractors), int(base.n_nps)),
            )
            z_rest, p_rest = change_vs_rest(
                (
                    _nps_parts(now.promoters, now.detractors, now.n_nps),
                    _nps_parts(base.promoters, base.detractors, base.n_nps),
                ),
                (
                    _nps_parts(rest_now.promoters, rest_now.detractors, rest_now.n_nps),
                    _nps_parts(rest_base.promoters, rest_base.detractors, rest_base.n_nps),
                ),
            )
            scale = 100
            latest = scale * _nps_parts(now.promoters, now.detractors, now.n_nps)[0]
            baseline = scale * _nps_parts(base.promoters, base.detractors, base.n_nps)[0]
            tests.append(("nps", baseline, latest, z, p, z_rest, p_rest, base.n_nps, now.n_nps))
        if min(now.n_csat, base.n_csat, rest_now.n_csat, rest_base.n_csat) >= min_n:
            z, p = rate_change_test(
                int(now.csat_top2), int(now.n_csat), int(base.csat_top2), int(base.n_csat)
            )
            z_rest, p_rest = change_vs_rest(
                (
                    _share_parts(now.csat_top2, now.n_csat),
                    _share_parts(base.csat_top2, base.n_csat),
                ),
                (
                    _share_parts(rest_now.csat_top2, rest_now.n_csat),
                    _share_parts(rest_base.csat_top2, rest_base.n_csat),
                ),
            )
            latest = 100 * now.csat_top2 / now.n_csat
            baseline = 100 * base.csat_top2 / base.n_csat
            tests.append(("csat", baseline, latest, z, p, z_rest, p_rest, base.n_csat, now.n_csat))
        rows += [(dimension, value, *test) for test in tests]
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(
        rows,
        columns=["dimension", "value", "metric", "baseline", "latest", "z", "p"]
        + ["z_rest", "p_rest", "n_baseline", "n_latest"],
    )
    out["change"] = out["latest"] - out["baseline"]
    out["p_adjusted"] = multipletests(out["p"], alpha=alpha, method="holm")[1]
    out["flagged"] = (out["z"] < 0) & (out["p_adjusted"] < alpha)
    localised = multipletests(out["p_rest"], alpha=alpha, method="holm")[1] < alpha
    out["localised"] = out["flagged"] & (out["z_rest"] < 0) & localised
    out = out.merge(customers, on=["dimension", "value"], how="left")
    out["customers"] = out["customers"].fillna(0).astype(int)
    out = out.sort_values(["flagged", "customers", "p"], ascending=[False, False, True])
    return out[columns].reset_index(drop=True)
