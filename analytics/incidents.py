"""Incidents: status order, time order, breach notification deadlines and the
difference-in-differences recovery estimate. Pure; no I/O.

An incident moves open → contained → resolved → closed, one step at a time; its times are
ordered started ≤ detected ≤ contained ≤ resolved ≤ closed and none lies in the future.

Recovery compares the affected customers (A) with comparable unaffected ones (C) over a
window of N months before the incident started and N months after it was contained:
DiD = (A_after − A_before) − (C_after − C_before), with a 95% normal interval whose variance
is the sum of the four cells' variances (independent samples).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

STATUSES = ("open", "contained", "resolved", "closed")
SEVERITIES = ("low", "medium", "high", "critical")
EVENT_KINDS = ("happened", "informed", "decision", "note")
PARTIES = ("customers", "regulator")
# The time each status sets when the incident reaches it.
STATUS_TIME = {"contained": "contained_at", "resolved": "resolved_at", "closed": "closed_at"}
TIME_ORDER = ("started_at", "detected_at", "contained_at", "resolved_at", "closed_at")
METRICS = ("churn", "nps", "complaints")
Z95 = 1.959963984540054


def next_status(status: str) -> str | None:
    """The only status an incident may move to from `status` (None once closed)."""
    i = STATUSES.index(status)
    return STATUSES[i + 1] if i + 1 < len(STATUSES) else None


def transition_problem(status: str, to_status: str) -> str | None:
    """Why moving from `status` to `to_status` is refused, or None."""
    if to_status not in STATUSES:
        return f"{to_status!r} is not a status; one of {', '.join(STATUSES)}"
    allowed = next_status(status)
    if allowed is None:
        return "the incident is closed"
    if to_status != allowed:
        return f"a {status} incident moves to {allowed} next, not to {to_status}"
    return None


def time_order_problems(times: dict[str, datetime | None], now: datetime) -> dict[str, str]:
    """Field → message for times in the future or out of order (started ≤ detected ≤
    contained ≤ resolved ≤ closed; empty times are skipped)."""
    problems: dict[str, str] = {}
    previous: tuple[str, datetime] | None = None
    for name in TIME_ORDER:
        value = times.get(name)
        if value is None:
            continue
        if value > now:
            problems[name] = f"{value:%Y-%m-%d %H:%M} is in the future"
        elif previous is not None and value < previous[1]:
            problems[name] = (
                f"{value:%Y-%m-%d %H:%M} is before {previous[0]} ({previous[1]:%Y-%m-%d %H:%M})"
            )
        previous = (name, value) if previous is None or value >= previous[1] else previous
    return problems


# --- notification duties -----------------------------------------------------------------------


def notification_deadline(detected_at: datetime, hours: int) -> datetime:
    """A duty's deadline: `hours` after the breach was detected."""
    return detected_at + timedelta(hours=hours)


@dataclass(frozen=True)
class DeadlineState:
    """`state` is met | met_late | due | overdue; `hours` the hours late (met_late), left
    (due) or past the deadline (overdue), rounded down; 0 when met on time."""

    state: str
    hours: int


def deadline_state(deadline: datetime, met_at: datetime | None, now: datetime) -> DeadlineState:
    """Where a notification duty stands at `now`."""
    if met_at is not None:
        late = (met_at - deadline).total_seconds()
        return DeadlineState("met_late", int(late // 3600)) if late > 0 else DeadlineState("met", 0)
    left = (deadline - now).total_seconds()
    if left >= 0:
        return DeadlineState("due", int(left // 3600))
    return DeadlineState("overdue", int(-left // 3600))


# --- difference in differences -----------------------------------------------------------------


@dataclass(frozen=True)
class Windows:
    """The before window [before_start, before_end) and the after window
    [after_start, after_end), as dates."""

    before_start: date
    before_end: date
    after_start: date
    after_end: date


def recovery_windows(started_at: datetime, contained_at: datetime | None, months: int) -> Windows:
    """`months` months before the start, and `months` months after containment (after the
    start while the incident is not contained)."""
    start = started_at.date()
    after = (contained_at or started_at).date()
    return Windows(
        before_start=_shift(start, -months),
        before_end=start,
        after_start=after,
        after_end=_shift(after, months),
    )


def _shift(day: date, months: int) -> date:
    """`day` moved by whole months (clipped to the month's last day)."""
    return _clip(add_months(day.replace(day=1), months), day.day)


def add_months(month: date, n: int) -> date:
    """First day of the month `n` months after the month starting at `month`."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _clip(first: date, day: int) -> date:
    last = (add_months(first, 1) - timedelta(days=1)).day
    return first.replace(day=min(day, last))


@dataclass(frozen=True)
class Cell:
    """One group × period: `n` customers at risk (churn, complaints) or answers (NPS); `k`
    the customers lost or complaints made; `pro`/`det` promoters and detractors."""

    n: int
    k: int = 0
    pro: int = 0
    det: int = 0


def cell_value(metric: str, cell: Cell) -> tuple[float, float]:
    """The cell's value and its variance: churn as a share (binomial p(1−p)/n), NPS in
    points (multinomial (p⁺ + p⁻ − (p⁺ − p⁻)²)/n × 100²), complaints per 100 customers
    (Poisson count/n² × 100²)."""
    if cell.n <= 0:
        return math.nan, math.nan
    if metric == "churn":
        p = cell.k / cell.n
        return p, p * (1 - p) / cell.n
    if metric == "nps":
        pro, det = cell.pro / cell.n, cell.det / cell.n
        return 100 * (pro - det), 100**2 * (pro + det - (pro - det) ** 2) / cell.n
    if metric == "complaints":
        return 100 * cell.k / cell.n, 100**2 * cell.k / cell.n**2
    raise ValueError(f"unknown metric {metric!r}")


@dataclass(frozen=True)
class DiD:
    """A metric's four cells and its difference in differences with a 95% interval; the
    values are None when a cell holds fewer than the minimum sample (`sufficient` False)."""

    metric: str
    affected_before: float | None
    affected_after: float | None
    comparison_before: float | None
    comparison_after: float | None
    estimate: float | None
    low: float | None
    high: float | None
    n_affected: int
    n_comparison: int
    sufficient: bool


def difference_in_differences(
    metric: str,
    affected_before: Cell,
    affected_after: Cell,
    comparison_before: Cell,
    comparison_after: Cell,
    min_n: int,
) -> DiD:
    """(A_after − A_before) − (C_after − C_before) and its 95% interval; "insufficient"
    (values None) when any cell has fewer than `min_n` customers or answers."""
    cells = (affected_before, affected_after, comparison_before, comparison_after)
    n_a = min(affected_before.n, affected_after.n)
    n_c = min(comparison_before.n, comparison_after.n)
    if any(c.n < min_n for c in cells):
        return DiD(metric, None, None, None, None, None, None, None, n_a, n_c, False)
    values = [cell_value(metric, c) for c in cells]
    (ab, vab), (aa, vaa), (cb, vcb), (ca, vca) = values
    estimate = (aa - ab) - (ca - cb)
    half = Z95 * math.sqrt(vab + vaa + vcb + vca)
    return DiD(metric, ab, aa, cb, ca, estimate, estimate - half, estimate + half, n_a, n_c, True)


def insufficient(metric: str) -> DiD:
    """A metric that cannot be estimated yet (the after window has not elapsed)."""
    return DiD(metric, None, None, None, None, None, None, None, 0, 0, False)
