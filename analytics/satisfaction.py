"""Satisfaction scores from survey counts, and the early-warning test. Pure; no I/O.

NPS: share of promoters (9–10) minus share of detractors (0–6), ×100, with the normal interval
from the variance [p+d-(p-d)^2]/n. CSAT: share of 4–5 answers ("top-2 box") with a Wilson
interval. CES: mean effort on 1 (very easy) … 7 (very hard) with a t interval; lower is better.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import norm
from scipy.stats import t as student_t

from analytics.kpi import (
    Estimate,
    nps,
    nps_variance,
    proportion,
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


def _nps_parts(c: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """NPS (as a −1…1 mean) and the variance of that mean, per row of counts."""
    p, d = c["promoters"] / c["n_nps"], c["detractors"] / c["n_nps"]
    return p - d, nps_variance(p, d) / c["n_nps"]


def _share_parts(c: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """CSAT top-2 share and its (unpooled) variance, per row of counts."""
    p = c["csat_top2"] / c["n_csat"]
    return p, p * (1 - p) / c["n_csat"]


def holm(p_values: pd.Series) -> pd.Series:
    """Holm step-down adjusted p-values (family-wise error control). Hand-written because
    statsmodels' multipletests forces a garbage collection on every call (~50 ms)."""
    p = p_values.to_numpy(dtype=float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return pd.Series(adjusted, index=p_values.index)


def _two_sided(z: pd.Series) -> pd.Series:
    return pd.Series(2 * norm.sf(z.abs()), index=z.index)


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
    keys = ["dimension", "value"]
    now = windows[windows["window"] == "latest"].set_index(keys)[COUNTS].astype(float)
    base = windows[windows["window"] == "baseline"].set_index(keys)[COUNTS].astype(float)
    both = now.index.intersection(base.index)
    if both.empty:
        return pd.DataFrame(columns=columns)
    now, base = now.loc[both], base.loc[both]
    rest_now = now.groupby(level="dimension").transform("sum") - now
    rest_base = base.groupby(level="dimension").transform("sum") - base
    tests = []
    for metric, n, parts in (("nps", "n_nps", _nps_parts), ("csat", "n_csat", _share_parts)):
        (m1, v1), (m0, v0) = parts(now), parts(base)
        (r1, w1), (r0, w0) = parts(rest_now), parts(rest_base)
        if metric == "nps":  # the NPS test uses each window's own variance
            se = (v1 + v0) ** 0.5
        else:  # the two-proportion test pools the two windows under "no change"
            pooled = (now["csat_top2"] + base["csat_top2"]) / (now[n] + base[n])
            se = (pooled * (1 - pooled) * (1 / now[n] + 1 / base[n])) ** 0.5
        z = ((m1 - m0) / se.where(se > 0)).fillna(0.0)
        z_rest = ((m1 - m0) - (r1 - r0)) / (v1 + v0 + w1 + w0).pow(0.5).where(lambda x: x > 0)
        z_rest = z_rest.fillna(0.0)
        tested = pd.concat([now[n], base[n], rest_now[n], rest_base[n]], axis=1).min(axis=1)
        frame = pd.DataFrame(
            {
                "metric": metric,
                "baseline": 100 * m0,
                "latest": 100 * m1,
                "z": z,
                "p": _two_sided(z),
                "z_rest": z_rest,
                "p_rest": _two_sided(z_rest),
                "n_baseline": base[n].astype(int),
                "n_latest": now[n].astype(int),
            }
        )
        tests.append(frame[(tested >= min_n).to_numpy()])
    out = pd.concat(tests).reset_index()
    if out.empty:
        return pd.DataFrame(columns=columns)
    out["change"] = out["latest"] - out["baseline"]
    out["p_adjusted"] = holm(out["p"])
    out["flagged"] = (out["z"] < 0) & (out["p_adjusted"] < alpha)
    localised = holm(out["p_rest"]) < alpha
    out["localised"] = out["flagged"] & (out["z_rest"] < 0) & localised
    out = out.merge(customers, on=keys, how="left")
    out["customers"] = out["customers"].fillna(0).astype(int)
    out = out.sort_values(["flagged", "customers", "p"], ascending=[False, False, True])
    return out[columns].reset_index(drop=True)
