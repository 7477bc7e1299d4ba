"""Each dashboard's answer in one sentence, from figures the page already has. Pure: no I/O.

A headline is a translation key and the values that fill it; the page renders it in the
reader's language. An argument that is itself a `Headline` is a clause rendered first; a
`Term` is a code of one vocabulary (a region, a risk level, a measure…) shown by its label;
any other text is data shown literally. A finding is called significant only when a
test the dashboard already runs says so (the early warning's adjusted p-value, an NPS change
test, an interval that excludes the overall rate)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analytics import attention
from analytics import dq as dq_stats
from analytics.kpi import Estimate, nps_change_test

ALPHA = 0.05  # the early warning's level; the period-over-period NPS test uses the same


@dataclass(frozen=True)
class Headline:
    key: str  # translation key, "headline.…"
    args: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Term:
    """A code the reader sees by its label in `vocabulary`: "code" (regions, segments and
    other code lists), "dimension" (a breakdown or split), "metric" (a survey measure),
    "level" (a risk level), "dq_dimension", "attention" (an attention item's kind), "category"
    (a risk category)."""

    vocabulary: str
    code: str


def _int(value: object) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


# --- satisfaction -------------------------------------------------------------------------


def satisfaction_headline(
    warnings: pd.DataFrame, period: pd.Series, previous: pd.Series, min_n: int
) -> Headline:
    """The largest significant drop the early warning flagged (NPS before CSAT), else
    whether NPS changed significantly against the period before.

    `warnings`: analytics.satisfaction.early_warnings; `period` / `previous`: one row of
    survey counts with their scores (analytics.satisfaction.scores)."""
    n = _int(period.get("n_nps"))
    if n == 0 and _int(period.get("n_csat")) == 0:
        return Headline("headline.sat_empty")
    flagged = warnings[warnings["flagged"].astype(bool)] if not warnings.empty else warnings
    if not flagged.empty:
        nps_drops = flagged[flagged["metric"] == "nps"]
        drops = nps_drops if not nps_drops.empty else flagged
        worst = drops.sort_values(["change", "p_adjusted"]).iloc[0]
        return Headline(
            "headline.sat_drop",
            {
                "metric": Term("metric", str(worst["metric"])),
                "value": Term("code", str(worst["value"])),
                "dimension": Term("dimension", str(worst["dimension"])),
                "drop": -float(worst["change"]),
                "baseline": float(worst["baseline"]),
                "latest": float(worst["latest"]),
                "p": float(worst["p_adjusted"]),
            },
        )
    if not bool(period.get("nps_ok", False)):
        return Headline("headline.sat_insufficient", {"n": n, "min_n": min_n})
    now = float(period["nps"])
    if not bool(previous.get("nps_ok", False)):
        return Headline("headline.sat_no_previous", {"now": now, "n": n})
    before = float(previous["nps"])
    z, p = nps_change_test(
        (_int(period["promoters"]), _int(period["detractors"]), n),
        (_int(previous["promoters"]), _int(previous["detractors"]), _int(previous["n_nps"])),
    )
    args = {"now": now, "before": before, "p": p}
    if p < ALPHA:
        return Headline("headline.sat_fell" if z < 0 else "headline.sat_rose", args)
    return Headline("headline.sat_no_change", args)


# --- churn --------------------------------------------------------------------------------


def churn_headline(by_split: pd.DataFrame, overall: Estimate, dimension: str) -> Headline:
    """The group of the split with the highest churn over the period against the overall
    rate; significantly above it only when the group's 95% interval lies wholly above the
    overall rate. `by_split`: value, active_at_start, churned, rate, low, high (rate None for
    a group below the minimum sample)."""
    if overall.n == 0:
        return Headline("headline.churn_empty")
    base = {
        "overall": overall.value,
        "overall_low": overall.low,
        "overall_high": overall.high,
        "dimension": Term("dimension", dimension),
    }
    rated = by_split.dropna(subset=["rate"]) if not by_split.empty else by_split
    if rated.empty:
        return Headline("headline.churn_no_groups", base)
    top = rated.sort_values(["rate", "active_at_start"], ascending=[False, False]).iloc[0]
    args = base | {
        "value": Term("code", str(top["value"])),
        "rate": float(top["rate"]),
        "low": float(top["low"]),
        "high": float(top["high"]),
        "n": _int(top["active_at_start"]),
    }
    significant = float(top["low"]) > overall.value
    return Headline("headline.churn_top_significant" if significant else "headline.churn_top", args)


# --- risk register ------------------------------------------------------------------------


def register_headline(view: pd.DataFrame) -> Headline:
    """How many open risks are above appetite and the highest of them (by score, then by
    how far over), or, when none is, the highest-scored open risk; with its owner.
    `view`: annotated register rows (code, title, owner, status, score, level, appetite,
    above_appetite)."""
    open_risks = view[view["status"] != "Closed"] if not view.empty else view
    if open_risks.empty:
        return Headline("headline.register_empty")
    above = open_risks[open_risks["above_appetite"].astype(bool)]
    pool = above if not above.empty else open_risks
    excess = pool["score"] - pd.to_numeric(pool["appetite"], errors="coerce").fillna(pool["score"])
    ranked = pool.assign(_excess=excess).sort_values(
        ["score", "_excess", "code"], ascending=[False, False, True]
    )
    top = ranked.iloc[0]
    owner = top.get("owner")
    args = {
        "count": len(above),
        "total": len(open_risks),
        "code": str(top["code"]),
        "title": str(top["title"]),
        "score": int(top["score"]),
        "level": Term("level", str(top["level"])),
        "owner": "–" if owner is None or pd.isna(owner) or not str(owner) else str(owner),
    }
    if above.empty:
        return Headline("headline.register_within", args)
    return Headline("headline.register_above", args | {"appetite": int(top["appetite"])})


# --- data quality -------------------------------------------------------------------------


def _change_clause(now: float, before: float | None) -> Headline:
    if before is None or pd.isna(before):
        return Headline("headline.dq_first_run")
    points = round(100 * (now - before), 1)
    if points == 0:
        return Headline("headline.dq_unchanged")
    return Headline("headline.dq_up" if points > 0 else "headline.dq_down", {"points": abs(points)})


def dq_headline(
    latest: pd.DataFrame, previous: pd.DataFrame, target: float = attention.DQ_TARGET
) -> Headline:
    """The weakest data-quality dimension of the newest check run against the target, and
    its change since the run before. `latest` / `previous`: rule results of those runs."""
    scores = (
        dq_stats.rollup(latest, ["dimension"]).dropna(subset=["score"])
        if not latest.empty
        else pd.DataFrame()
    )
    if scores.empty:
        return Headline("headline.dq_empty")
    weakest = scores.sort_values(["score", "dimension"]).iloc[0]
    before = None
    if not previous.empty:
        earlier = dq_stats.rollup(previous, ["dimension"]).set_index("dimension")["score"]
        found = earlier.get(weakest["dimension"])
        before = None if found is None or pd.isna(found) else float(found)
    score = float(weakest["score"])
    args = {
        "dimension": Term("dq_dimension", str(weakest["dimension"])),
        "score": score,
        "target": target,
        "change": _change_clause(score, before),
    }
    return Headline("headline.dq_below" if score < target else "headline.dq_meets", args)


# --- overview -----------------------------------------------------------------------------


def overview_headline(items: list[attention.AttentionItem], customers: int, risks: int) -> Headline:
    """The most urgent item of the ranked attention list, or that nothing needs attention
    (or that there is nothing yet to judge: no customers and no risks)."""
    if not items:
        if customers == 0 and risks == 0:
            return Headline("headline.overview_empty")
        return Headline("headline.overview_none")
    top = items[0]
    reason = dict(top.args)
    if "level" in reason:
        reason["level"] = Term("level", str(reason["level"]))
    if top.kind == "incident_open":  # an incident's severity and status are codes
        reason["severity"] = Term("incident_severity", str(reason["severity"]))
        reason["status"] = Term("incident_status", str(reason["status"]))
    # An NPS drop names a group (a region) by its code; the rest name a risk or a system.
    subject = Term("code", top.subject) if top.kind == "nps_drop" else top.subject
    if top.kind in ("drill_failed", "drill_overdue"):  # a response plan: its risk category
        subject = Term("category", top.subject)
    args = {
        "n": len(items),
        "subject": subject,
        "kind": Term("attention", top.kind),
        "reason": Headline(top.reason, reason),
    }
    return Headline("headline.overview_top", args)
