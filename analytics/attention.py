"""The executive "needs attention" list: candidate items from each signal, ranked.

Priority is a single number so items from different signals can be ordered; the weights put
a risk above appetite first, then a response plan whose last drill failed, a red KRI, a
statistically significant customer-signal deterioration, then overdue reviews of serious
risks and overdue drills of response plans, then weak data quality. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analytics.kpi import nps, nps_change_test

SIGNIFICANCE = 0.01  # p-value below which a change is flagged (few false alarms per screen)
DQ_TARGET = 0.90


@dataclass(frozen=True)
class AttentionItem:
    # above_appetite | kri_red | nps_drop | review_overdue | dq_source | drill_failed |
    # drill_overdue | incident_open | incident_overdue
    kind: str
    subject: str
    reason: str  # translation key; `args` fill it
    args: dict = field(default_factory=dict)
    priority: float = 0.0
    page: str | None = None  # url path of the dashboard that explains it
    drill: dict = field(default_factory=dict)  # URL parameters that open it there


REGISTER = "risk-register"
INCIDENTS = "incidents"


def risk_items(snapshot: pd.DataFrame) -> list[AttentionItem]:
    """Open risks above appetite, and High/Critical risks whose review is overdue."""
    items: list[AttentionItem] = []
    for r in snapshot.itertuples():
        subject = f"{r.code} {r.title}"
        if r.above_appetite:
            items.append(
                AttentionItem(
                    "above_appetite",
                    subject,
                    "attention.above_appetite",
                    {"score": int(r.score), "appetite": int(r.appetite), "level": r.level},
                    100 + 5 * (r.score - r.appetite),
                    REGISTER,
                    {"risk": r.code},
                )
            )
        if r.review_overdue and r.level in ("High", "Critical"):
            days = int(r.days_overdue)
            items.append(
                AttentionItem(
                    "review_overdue",
                    subject,
                    "attention.review_overdue",
                    {"days": days, "level": r.level},
                    60 + (20 if r.level == "Critical" else 0) + min(days, 90) / 3,
                    REGISTER,
                    {"risk": r.code},
                )
            )
    return items


def nps_drop_items(
    current: pd.DataFrame, baseline: pd.DataFrame, key: str, min_n: int
) -> list[AttentionItem]:
    """Groups (e.g. regions) whose NPS fell significantly against the previous period.
    Both frames have columns [key, n, promoters, detractors]."""
    base = baseline.set_index(key)
    items = []
    for r in current.itertuples(index=False):
        group = getattr(r, key)
        if group not in base.index or r.n < min_n or base.loc[group, "n"] < min_n:
            continue
        b = base.loc[group]
        z, p = nps_change_test(
            (int(r.promoters), int(r.detractors), int(r.n)),
            (int(b.promoters), int(b.detractors), int(b.n)),
        )
        if z < 0 and p < SIGNIFICANCE:
            now = nps(int(r.promoters), int(r.detractors), int(r.n), min_n).value
            before = nps(int(b.promoters), int(b.detractors), int(b.n), min_n).value
            items.append(
                AttentionItem(
                    "nps_drop",
                    str(group),
                    "attention.nps_drop",
                    {"now": now, "before": before, "p": p, "n": int(r.n)},
                    80 + min(before - now, 40),
                    "satisfaction",
                    {"focus": f"{key}:{group}"},
                )
            )
    return items


def kri_items(states: pd.DataFrame, risks: pd.DataFrame) -> list[AttentionItem]:
    """Risks with a red KRI. `states`: latest KRI rows (risk_id, name, value, state, …);
    `risks`: the viewer's risk snapshot (id, code, title) — KRIs of other risks are ignored."""
    visible = risks.set_index("id")
    items = []
    for r in states.itertuples(index=False):
        if r.state != "red" or r.risk_id not in visible.index:
            continue
        risk = visible.loc[r.risk_id]
        items.append(
            AttentionItem(
                "kri_red",
                f"{risk.code} {risk.title}",
                "attention.kri_red",
                {"kri": r.name, "value": float(r.value), "red": float(r.red_threshold)},
                90,
                REGISTER,
                {"risk": str(risk.code)},
            )
        )
    return items


def dq_items(source_scores: pd.DataFrame) -> list[AttentionItem]:
    """Source systems whose data-quality score is under target. Columns: source_system, score."""
    items = []
    for r in source_scores.itertuples(index=False):
        if r.score is not None and not pd.isna(r.score) and r.score < DQ_TARGET:
            items.append(
                AttentionItem(
                    "dq_source",
                    str(r.source_system),
                    "attention.dq_source",
                    {"score": float(r.score), "target": DQ_TARGET},
                    50 + 200 * (DQ_TARGET - r.score),
                    "data-quality",
                )
            )
    return items


def drill_items(plans: pd.DataFrame) -> list[AttentionItem]:
    """Response plans whose last drill failed (with no passing drill since) or whose drill is
    overdue (never drilled, or older than the drill interval): one item per plan, the failure
    first. Columns: category, has_plan, state, last_drilled, days_overdue (as
    data_access.response_plans.plan_list). The subject is the category's code. A failed
    drill — the organisation has shown it cannot yet respond to the category's risks — ranks
    just below a risk above appetite, before a red KRI; an overdue drill below the overdue
    reviews, rising with the days (a year at most)."""
    items = []
    for r in plans.itertuples(index=False):
        if not r.has_plan or r.state not in ("failed", "overdue"):
            continue
        drill = {"plan": str(r.category)}
        if r.state == "failed":
            args = {"date": str(r.last_drilled)}
            items.append(
                AttentionItem(
                    "drill_failed",
                    str(r.category),
                    "attention.drill_failed",
                    args,
                    95,
                    REGISTER,
                    drill,
                )
            )
        elif r.last_drilled is None or pd.isna(r.last_drilled):
            items.append(
                AttentionItem(
                    "drill_overdue",
                    str(r.category),
                    "attention.drill_never",
                    {},
                    70,
                    REGISTER,
                    drill,
                )
            )
        else:
            days = int(r.days_overdue)
            items.append(
                AttentionItem(
                    "drill_overdue",
                    str(r.category),
                    "attention.drill_overdue",
                    {"days": days, "date": str(r.last_drilled)},
                    55 + min(days, 365) / 25,
                    REGISTER,
                    drill,
                )
            )
    return items


# An open incident ranks by severity (a critical one just under a red KRI), a little higher
# the longer it stays open; a breach notification past its deadline is a legal duty missed
# and ranks above everything else.
INCIDENT_PRIORITY = {"critical": 87, "high": 77, "medium": 57, "low": 37}
NOTIFICATION_OVERDUE_PRIORITY = 120


def incident_items(open_incidents: pd.DataFrame) -> list[AttentionItem]:
    """One item per open incident (by severity) and one per incident with an overdue breach
    notification. Columns: id, title, severity, status, age_days, overdue_duties."""
    items = []
    for r in open_incidents.itertuples(index=False):
        subject = f"#{r.id} {r.title}"
        drill = {"incident": str(r.id)}
        if r.overdue_duties:
            items.append(
                AttentionItem(
                    "incident_overdue",
                    subject,
                    "attention.incident_overdue",
                    {"count": int(r.overdue_duties)},
                    NOTIFICATION_OVERDUE_PRIORITY,
                    INCIDENTS,
                    drill,
                )
            )
        items.append(
            AttentionItem(
                "incident_open",
                subject,
                "attention.incident_open",
                {"severity": r.severity, "status": r.status, "days": int(r.age_days)},
                INCIDENT_PRIORITY.get(r.severity, 37) + min(int(r.age_days), 60) / 30,
                INCIDENTS,
                drill,
            )
        )
    return items


def rank(items: list[AttentionItem], limit: int | None = 7) -> list[AttentionItem]:
    """Highest priority first; ties broken by subject for a stable order."""
    return sorted(items, key=lambda i: (-i.priority, i.subject))[:limit]
