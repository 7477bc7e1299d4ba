"""What actions on warnings achieved, and when a credit customer is next reviewed. Pure
functions on counts; no I/O.

- Save rate of a retention kind (retention offer, call) = actions with outcome "saved" ÷
  actions with a retention outcome (saved or lost), with a 95% Wilson interval.
- Credit loss avoided = the amounts recovered on collection actions. Its recovery rate =
  collection actions that recovered money (paid or partly paid) ÷ collection actions with an
  outcome, with a 95% Wilson interval.
- Below the minimum sample size (the `min_sample_size` setting) a rate is "insufficient".
- Credit review cadence: a high-risk customer — one whose latest credit score fell against the
  previous review, or with an invoice more than HIGH_RISK_OVERDUE_DAYS days overdue — is
  reviewed every `credit_review_days_high_risk` days, every other customer every
  `credit_review_days` days, counted from the latest review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

RETENTION_KINDS = ("retention_offer", "call")
COLLECTION_KIND = "collection_step"
HIGH_RISK_OVERDUE_DAYS = 60


@dataclass(frozen=True)
class Rate:
    """successes ÷ n with its 95% Wilson interval; value/low/high None when insufficient."""

    successes: int
    n: int
    value: float | None
    low: float | None
    high: float | None

    @property
    def sufficient(self) -> bool:
        return self.value is not None


def wilson_rate(successes: int, n: int, min_n: int) -> Rate:
    """A proportion with its Wilson 95% interval, or insufficient below `min_n` (at least 1)."""
    if n < max(min_n, 1):
        return Rate(successes, n, None, None, None)
    low, high = proportion_confint(successes, n, alpha=0.05, method="wilson")
    return Rate(successes, n, successes / n, float(low), float(high))


def save_rates(counts: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """Per retention kind (in RETENTION_KINDS order): actions, saved, lost, the save rate and
    its interval (None when fewer than `min_n` actions have a retention outcome). `counts`
    holds one row per kind with the columns `kind`, `actions`, `saved`, `lost`."""
    rows = []
    for kind in RETENTION_KINDS:
        row = counts[counts["kind"] == kind]
        saved = int(row["saved"].sum())
        lost = int(row["lost"].sum())
        rate = wilson_rate(saved, saved + lost, min_n)
        rows.append(
            {
                "kind": kind,
                "actions": int(row["actions"].sum()),
                "with_outcome": saved + lost,
                "saved": saved,
                "rate": rate.value,
                "low": rate.low,
                "high": rate.high,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class LossAvoided:
    recovered: float  # sum of amounts recovered on collection actions
    at_stake: float  # sum of the overdue amounts at stake of those with an outcome
    rate: Rate  # collection actions that recovered money ÷ those with an outcome

    @property
    def amount_share(self) -> float | None:
        """Recovered ÷ at stake, by amount (None when nothing was at stake)."""
        return self.recovered / self.at_stake if self.at_stake > 0 else None


def credit_loss_avoided(counts: pd.DataFrame, min_n: int) -> LossAvoided:
    """From the collection row of `counts` (columns `kind`, `paid`, `partly_paid`,
    `written_off`, `recovered`, `at_stake_done`)."""
    row = counts[counts["kind"] == COLLECTION_KIND]
    paid = int(row["paid"].sum())
    partly = int(row["partly_paid"].sum())
    written_off = int(row["written_off"].sum())
    return LossAvoided(
        float(row["recovered"].sum()),
        float(row["at_stake_done"].sum()),
        wilson_rate(paid + partly, paid + partly + written_off, min_n),
    )


def is_high_risk_credit(falling: bool, days_overdue: float | None) -> bool:
    """The shorter credit review cadence applies: the score fell at the latest review, or an
    invoice is more than HIGH_RISK_OVERDUE_DAYS days overdue."""
    overdue = days_overdue is not None and days_overdue == days_overdue  # not None/NaN
    return bool(falling) or (overdue and days_overdue > HIGH_RISK_OVERDUE_DAYS)


def next_credit_review(
    last_review: date | None, high_risk: bool, normal_days: int, high_risk_days: int
) -> date | None:
    """When the next credit review is due: the latest review plus the cadence that applies
    (None for a customer never reviewed)."""
    if last_review is None or last_review != last_review:  # None or NaT
        return None
    return last_review + timedelta(days=high_risk_days if high_risk else normal_days)
