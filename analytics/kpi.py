"""KPI formulas with honest uncertainty. Pure functions on counts; no I/O.

References: Wilson score interval for a binomial proportion; NPS variance
[p + d - (p - d)^2] / n (p, d = promoter and detractor shares), as in DESIGN.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm

Z95 = float(norm.ppf(0.975))  # 1.959964…


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a 95% interval; `sufficient` is False below the minimum n."""

    value: float | None
    low: float | None
    high: float | None
    n: int
    sufficient: bool

    @property
    def half_width(self) -> float | None:
        if self.low is None or self.high is None:
            return None
        return (self.high - self.low) / 2


def _insufficient(n: int) -> Estimate:
    return Estimate(None, None, None, n, False)


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for successes / n (n > 0)."""
    if n <= 0:
        raise ValueError("n must be positive")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - margin), min(1.0, centre + margin)


def proportion(successes: int, n: int, min_n: int = 1) -> Estimate:
    """A rate (0–1) with its Wilson 95% interval."""
    if n < max(min_n, 1):
        return _insufficient(n)
    low, high = wilson_interval(successes, n)
    return Estimate(successes / n, low, high, n, True)


def nps(promoters: int, detractors: int, n: int, min_n: int = 30) -> Estimate:
    """Net Promoter Score (−100…100) with a normal 95% interval from the NPS variance."""
    if n < max(min_n, 1):
        return _insufficient(n)
    p, d = promoters / n, detractors / n
    value = 100 * (p - d)
    half = 100 * Z95 * math.sqrt(nps_variance(p, d) / n)
    return Estimate(value, max(-100.0, value - half), min(100.0, value + half), n, True)


def nps_variance(p: float, d: float) -> float:
    """Per-response variance of the promoter(+1)/passive(0)/detractor(−1) score."""
    return p + d - (p - d) ** 2


def nps_change_test(
    current: tuple[int, int, int], baseline: tuple[int, int, int]
) -> tuple[float, float]:
    """Two-sample z-test of an NPS change. Each argument is (promoters, detractors, n).
    Returns (z, two-sided p-value); z < 0 means the current NPS is lower."""
    (p1, d1, n1), (p0, d0, n0) = current, baseline
    if n1 <= 0 or n0 <= 0:
        return 0.0, 1.0
    a_p, a_d, b_p, b_d = p1 / n1, d1 / n1, p0 / n0, d0 / n0
    se = math.sqrt(nps_variance(a_p, a_d) / n1 + nps_variance(b_p, b_d) / n0)
    if se == 0:
        return 0.0, 1.0
    z = ((a_p - a_d) - (b_p - b_d)) / se
    return z, float(2 * norm.sf(abs(z)))


def rate_change_test(k1: int, n1: int, k0: int, n0: int) -> tuple[float, float]:
    """Pooled two-proportion z-test of k1/n1 vs k0/n0; returns (z, two-sided p)."""
    if n1 <= 0 or n0 <= 0:
        return 0.0, 1.0
    pooled = (k1 + k0) / (n1 + n0)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    if se == 0:
        return 0.0, 1.0
    z = (k1 / n1 - k0 / n0) / se
    return z, float(2 * norm.sf(abs(z)))
