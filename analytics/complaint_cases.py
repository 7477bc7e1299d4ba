"""Complaint case stages and their clocks. Pure; no I/O.

A case moves received → classified → investigating → resolved → closed, one stage at a time.
Each open stage has a due time (hours allowed by severity):
- received: the first-response SLA (FIRST_RESPONSE_HOURS) from opening — classifying the
  complaint is the first response;
- classified: CLASSIFIED_HOURS from entering the stage to start the investigation;
- investigating: the complaint's resolution SLA (its stored resolution due time, from opening);
- resolved: FEEDBACK_HOURS from resolution to ask the customer and close.
A clock is "overdue" past its due time, "due_soon" in the last DUE_SOON_SHARE of its allowance,
"on_time" before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from analytics.kpi import Estimate
from analytics.satisfaction import ces_mean

STAGES = ("received", "classified", "investigating", "resolved", "closed")
OPEN_STAGES = STAGES[:3]  # escalation may happen in any of these
# The existing complaint SLAs (importer.formats / demo.seed), reused for the first stage.
FIRST_RESPONSE_HOURS = {"critical": 4, "high": 8, "medium": 12, "low": 24}
CLASSIFIED_HOURS = {"critical": 4, "high": 8, "medium": 24, "low": 48}
FEEDBACK_HOURS = 168  # a week to survey the customer after resolution, any severity
DUE_SOON_SHARE = 0.25
CLOCK_STATES = ("on_time", "due_soon", "overdue")


def next_stage(stage: str) -> str | None:
    """The only stage a case may move to from `stage` (None once closed)."""
    i = STAGES.index(stage)
    return STAGES[i + 1] if i + 1 < len(STAGES) else None


def transition_problem(stage: str, to_stage: str) -> str | None:
    """Why moving from `stage` to `to_stage` is refused, or None when it is the next stage."""
    if to_stage not in STAGES:
        return f"unknown stage {to_stage!r}; one of {', '.join(STAGES)}"
    nxt = next_stage(stage)
    if nxt is None:
        return f"the case is closed; it cannot move to {to_stage!r}"
    if to_stage == nxt:
        return None
    if STAGES.index(to_stage) <= STAGES.index(stage):
        return f"cannot go back from {stage!r} to {to_stage!r}; the next stage is {nxt!r}"
    return f"cannot skip from {stage!r} to {to_stage!r}; the next stage is {nxt!r}"


def stage_due(
    stage: str,
    severity: str,
    stage_since: datetime,
    opened_at: datetime,
    resolution_due_at: datetime,
) -> datetime | None:
    """When the current stage should end (None for a closed case)."""
    if stage == "received":
        return opened_at + timedelta(hours=FIRST_RESPONSE_HOURS[severity])
    if stage == "classified":
        return stage_since + timedelta(hours=CLASSIFIED_HOURS[severity])
    if stage == "investigating":
        return resolution_due_at
    if stage == "resolved":
        return stage_since + timedelta(hours=FEEDBACK_HOURS)
    return None


@dataclass(frozen=True)
class Clock:
    state: str | None  # CLOCK_STATES, None when the stage has no clock
    hours_in_stage: float
    hours_left: float | None  # negative when overdue


def stage_clock(
    stage_since: datetime, due: datetime | None, now: datetime, start: datetime | None = None
) -> Clock:
    """The clock of a stage entered at `stage_since` and due at `due`, read at `now`. The
    allowance runs from `start` (default `stage_since`; the opening for SLAs counted from it)."""
    in_stage = (now - stage_since).total_seconds() / 3600
    if due is None:
        return Clock(None, in_stage, None)
    left = (due - now).total_seconds() / 3600
    allowance = (due - (start or stage_since)).total_seconds() / 3600
    if left < 0:
        state = "overdue"
    elif left <= DUE_SOON_SHARE * max(allowance, 0.0):
        state = "due_soon"
    else:
        state = "on_time"
    return Clock(state, in_stage, left)


def feedback_estimates(sums: pd.DataFrame, min_n: int = 10) -> dict[str, Estimate]:
    """Mean post-resolution satisfaction (1–5) with its 95% t interval per row of `sums`
    (columns sla, n, total, total_sq), and over all rows as "all"."""
    out = {
        row.sla: ces_mean(row.total, row.total_sq, int(row.n), min_n=min_n)
        for row in sums.itertuples()
    }
    out["all"] = ces_mean(
        float(sums["total"].sum()), float(sums["total_sq"].sum()), int(sums["n"].sum()), min_n
    )
    return out
