"""Response plans' drills: is a plan's drill due, overdue, or did its last drill fail?

A plan is drilled at least every `interval_days` (the `drill_interval_days` setting). Its state:
- "failed": a drill failed and no drill passed after it (a "partly" result does not clear a
  failure: the plan has not yet been shown to work);
- "overdue": never drilled, or the last drill is more than `interval_days` old;
- "due": the next drill falls within DUE_SOON_DAYS;
- "ok": otherwise.
"failed" outranks "overdue", which outranks "due". Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

RESULTS = ("passed", "partly", "failed")
DRILL_STATES = ("ok", "due", "overdue", "failed")
TEMPLATE_KINDS = ("customer", "regulator", "internal")
DUE_SOON_DAYS = 30


@dataclass(frozen=True)
class DrillState:
    state: str  # DRILL_STATES
    last_drilled: date | None
    last_result: str | None
    next_due: date | None  # None: never drilled (due now)
    days_overdue: int  # 0 unless overdue; never drilled: 0 too (no date to count from)
    overdue: bool  # never drilled, or the last drill older than the interval
    failed: bool  # a failed drill with no passing drill after it


def drill_state(
    drills: Iterable[tuple[date, str]],
    today: date,
    interval_days: int,
    due_soon_days: int = DUE_SOON_DAYS,
) -> DrillState:
    """The drill state of one plan from its drills, (drilled_on, result) pairs in the order
    they were recorded; drills of the same day keep that order."""
    ordered = sorted(enumerate(drills), key=lambda pair: (pair[1][0], pair[0]))
    history = [drill for _, drill in ordered]
    if not history:
        return DrillState("overdue", None, None, None, 0, True, False)
    last_on, last_result = history[-1]
    failed = False
    for _, result in history:
        if result == "failed":
            failed = True
        elif result == "passed":
            failed = False
    next_due = last_on + timedelta(days=interval_days)
    overdue = today > next_due
    days_overdue = (today - next_due).days if overdue else 0
    if failed:
        state = "failed"
    elif overdue:
        state = "overdue"
    elif today > next_due - timedelta(days=due_soon_days):
        state = "due"
    else:
        state = "ok"
    return DrillState(state, last_on, last_result, next_due, days_overdue, overdue, failed)
