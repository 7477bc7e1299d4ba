"""Risk scoring rules (ISO 31000-style L×I on 1–5 scales). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import pandas as pd

LEVELS = ("Low", "Medium", "High", "Critical")


def risk_score(likelihood: int, impact: int) -> int:
    """Score = likelihood × impact, each 1–5."""
    for name, value in (("likelihood", likelihood), ("impact", impact)):
        if not 1 <= int(value) <= 5:
            raise ValueError(f"{name} must be between 1 and 5, got {value}")
    return int(likelihood) * int(impact)


def risk_level(score: int, bands: Mapping[str, int]) -> str:
    """The level whose band holds `score`; `bands` maps level → inclusive upper bound."""
    for level in LEVELS:
        if score <= bands[level]:
            return level
    return LEVELS[-1]


def next_review(reviewed_on: date, level: str, cadence_days: Mapping[str, int]) -> date:
    """Date of the next review after one on `reviewed_on`, by the level's cadence."""
    return reviewed_on + timedelta(days=int(cadence_days[level]))


def annotate(snapshot: pd.DataFrame, bands: Mapping[str, int], on: date) -> pd.DataFrame:
    """Add score, level, above_appetite, days_overdue and review_overdue to a risk snapshot
    with columns likelihood, impact, appetite, next_review_date."""
    df = snapshot.copy()
    df["score"] = (df["likelihood"] * df["impact"]).astype(int)
    df["level"] = [risk_level(int(s), bands) for s in df["score"]]
    appetite = pd.to_numeric(df["appetite"], errors="coerce")
    df["above_appetite"] = appetite.notna() & (df["score"] > appetite)
    due = pd.to_datetime(df["next_review_date"])
    df["days_overdue"] = (pd.Timestamp(on) - due).dt.days
    df["review_overdue"] = df["days_overdue"].fillna(0) > 0
    return df


def acceptance_expired(treatment: str | None, expiry: date | None, on: date) -> bool:
    """An accepted risk whose acceptance has lapsed must be decided again."""
    return treatment == "Accept" and expiry is not None and expiry < on


def flow_by_month(flow: pd.DataFrame, month_starts: list[date]) -> pd.DataFrame:
    """Risks created and closed per month and the mean days from creation to closing of
    the risks closed that month. `flow` has created_at and closed_at timestamps."""
    created = pd.to_datetime(flow["created_at"]).dt.to_period("M")
    closed_at = pd.to_datetime(flow["closed_at"])
    closed = closed_at.dt.to_period("M")
    days_open = (closed_at - pd.to_datetime(flow["created_at"])).dt.days
    rows = []
    for month in month_starts:
        period = pd.Period(month, "M")
        closing = closed == period
        rows.append(
            {
                "month": month,
                "created": int((created == period).sum()),
                "closed": int(closing.sum()),
                "mean_days_to_close": float(days_open[closing].mean()) if closing.any() else None,
            }
        )
    return pd.DataFrame(rows)
