"""Data-quality scores from rule results (pure pandas, no I/O).

Input: one row per rule and source system, as returned by ``data_access.dq_results.run_results``,
with at least ``rule_id`` (or ``code``), ``weight``, ``checked`` and ``passed``; optionally
``rule_type`` and, for several runs at once, ``run_id``.

Formulas
--------
Rule score within a group g (g = everything, or one source system, table, dimension …)::

    score(r, g) = Σ passed(r, s) / Σ checked(r, s)     over the result rows s of r in g

and is missing (NaN) when Σ checked = 0: a rule with nothing to check says nothing.

A rule is *not applicable* in a run when the field it looks at is never filled in any row of
that run (over every source system): a ``not_null`` rule that passed no row at all, or any
other rule that checked no row (they check only rows where their values are present). Such a
rule gets no score (neither 0% nor 100%) in any group and is left out of every roll-up: an
organisation that never records a field is not told its data is 0% complete.

Group score, weighted over the applicable rules that checked something in g::

    score(g) = Σ_r weight(r) · score(r, g) / Σ_r weight(r)     over applicable r, checked(r, g) > 0

and is missing (``None`` from ``overall_score``) when no such rule is left. Each rule counts by
its weight, not by its row count, so a huge table cannot drown a small one.
"""

from __future__ import annotations

import math

import pandas as pd

_RULE_ATTRS = ["code", "table_name", "column_name", "dimension", "rule_type", "weight", "threshold"]
# Why a rule is not applicable (a key of the UI's text catalog, "dq.na_reason.<reason>").
NEVER_FILLED = "never_filled"  # a not_null rule: no row has a value in the field
NOTHING_CHECKED = "nothing_checked"  # any other rule: no row holds the values it checks


def _rule_key(results: pd.DataFrame) -> str:
    return "rule_id" if "rule_id" in results.columns else "code"


def applicability(results: pd.DataFrame, per_run: bool = False) -> pd.DataFrame:
    """Per rule (and per ``run_id`` with `per_run`): ``applicable`` and, when it is not, the
    ``na_reason`` (NEVER_FILLED or NOTHING_CHECKED). Judged over every source system, so one
    system that never fills a required field still scores 0% for it."""
    key = _rule_key(results)
    keys = ["run_id", key] if per_run else [key]
    totals = results.groupby(keys, dropna=False, sort=False)[["checked", "passed"]].sum()
    if "rule_type" in results.columns:
        is_not_null = results.groupby(keys, dropna=False, sort=False)["rule_type"].first()
        is_not_null = is_not_null == "not_null"
    else:
        is_not_null = pd.Series(False, index=totals.index)
    never_filled = is_not_null & (totals["checked"] > 0) & (totals["passed"] == 0)
    nothing_checked = totals["checked"] == 0
    out = pd.DataFrame(index=totals.index)
    out["applicable"] = ~(never_filled | nothing_checked)
    out["na_reason"] = None
    out.loc[nothing_checked, "na_reason"] = NOTHING_CHECKED
    out.loc[never_filled, "na_reason"] = NEVER_FILLED
    return out.reset_index()


def _per_rule(results: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """checked, passed, applicable and score per rule within each group of `by`."""
    key = _rule_key(results)
    attrs = [c for c in _RULE_ATTRS if c in results.columns and c not in (key, *by)]
    grouped = results.groupby([*by, key], dropna=False, sort=True)
    out = grouped[["checked", "passed"]].sum()
    if attrs:
        out = out.join(grouped[attrs].first())
    out = out.reset_index()
    per_run = "run_id" in by  # a trend over runs: each run judged on its own rows
    out = out.merge(
        applicability(results, per_run), on=["run_id", key] if per_run else [key], how="left"
    )
    checked = out["checked"].astype(float)
    out["score"] = (out["passed"] / checked).where((checked > 0) & out["applicable"])
    return out


def rule_scores(results: pd.DataFrame) -> pd.DataFrame:
    """One row per rule: checked and passed summed over source systems, ``applicable`` and
    ``na_reason`` (see the module docstring), score = passed / checked (NaN when nothing was
    checked or the rule is not applicable) and, if thresholds are given, whether the score
    meets the rule's threshold (missing when there is no score)."""
    out = _per_rule(results, [])
    if "threshold" in out.columns:
        meets = (out["score"] >= out["threshold"]).astype("boolean")
        out["meets_threshold"] = meets.where(out["score"].notna())
    return out


def rollup(results: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Weighted score per group of `by` (see the module docstring for the formula).

    Columns: the `by` columns, ``rules`` (applicable rules that checked something),
    ``checked``, ``passed`` (row counts of those rules, for context) and ``score`` (NaN when
    no such rule is left). With ``by=[]`` the result is a single overall row.
    """
    by = list(by)
    if results.empty:
        return pd.DataFrame(columns=[*by, "rules", "checked", "passed", "score"])
    per_rule = _per_rule(results, by)
    counted = (per_rule["checked"] > 0) & per_rule["applicable"]
    per_rule["checked"] = per_rule["checked"].where(counted, 0)
    per_rule["passed"] = per_rule["passed"].where(counted, 0)
    per_rule["w"] = per_rule["weight"].astype(float).where(counted, 0.0)
    per_rule["ws"] = (per_rule["w"] * per_rule["score"]).where(counted, 0.0)
    per_rule["rules"] = counted.astype(int)
    if not by:  # one group holding everything
        per_rule["_all"] = 0
    keys = by or ["_all"]
    agg = per_rule.groupby(keys, dropna=False, sort=True)[
        ["rules", "checked", "passed", "w", "ws"]
    ].sum()
    agg["score"] = (agg["ws"] / agg["w"]).where(agg["w"] > 0)
    out = agg.drop(columns=["w", "ws"]).reset_index()
    return out.drop(columns=["_all"]) if not by else out


def overall_score(results: pd.DataFrame) -> float | None:
    """The weighted score over every applicable rule and source system, or None if no rule
    is left."""
    table = rollup(results, [])
    if table.empty:
        return None
    score = table["score"].iloc[0]
    return None if score is None or math.isnan(score) else float(score)
