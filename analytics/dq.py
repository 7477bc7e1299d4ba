"""Data-quality scores from rule results (pure pandas, no I/O).

Input: one row per rule and source system, as returned by ``data_access.dq_results.run_results``,
with at least ``rule_id`` (or ``code``), ``weight``, ``checked`` and ``passed``.

Formulas
--------
Rule score within a group g (g = everything, or one source system, table, dimension …)::

    score(r, g) = Σ passed(r, s) / Σ checked(r, s)     over the result rows s of r in g

and is missing (NaN) when Σ checked = 0: a rule with nothing to check says nothing.

Group score, weighted over the rules that checked something in g::

    score(g) = Σ_r weight(r) · score(r, g) / Σ_r weight(r)     over r with checked(r, g) > 0

and is missing (``None`` from ``overall_score``) when no rule checked anything. Each rule
counts by its weight, not by its row count, so a huge table cannot drown a small one.
"""

from __future__ import annotations

import math

import pandas as pd

_RULE_ATTRS = ["code", "table_name", "column_name", "dimension", "weight", "threshold"]


def _rule_key(results: pd.DataFrame) -> str:
    return "rule_id" if "rule_id" in results.columns else "code"


def _per_rule(results: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """checked, passed and score per rule within each group of `by`."""
    key = _rule_key(results)
    attrs = [c for c in _RULE_ATTRS if c in results.columns and c not in (key, *by)]
    grouped = results.groupby([*by, key], dropna=False, sort=True)
    out = grouped[["checked", "passed"]].sum()
    if attrs:
        out = out.join(grouped[attrs].first())
    out = out.reset_index()
    checked = out["checked"].astype(float)
    out["score"] = (out["passed"] / checked).where(checked > 0)
    return out


def rule_scores(results: pd.DataFrame) -> pd.DataFrame:
    """One row per rule: checked and passed summed over source systems, score = passed /
    checked (NaN when nothing was checked) and, if thresholds are given, whether the score
    meets the rule's threshold (missing when there is no score)."""
    out = _per_rule(results, [])
    if "threshold" in out.columns:
        meets = (out["score"] >= out["threshold"]).astype("boolean")
        out["meets_threshold"] = meets.where(out["score"].notna())
    return out


def rollup(results: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Weighted score per group of `by` (see the module docstring for the formula).

    Columns: the `by` columns, ``rules`` (rules that checked something), ``checked``,
    ``passed`` (row counts, for context) and ``score`` (NaN when no rule checked anything).
    With ``by=[]`` the result is a single overall row.
    """
    by = list(by)
    if results.empty:
        return pd.DataFrame(columns=[*by, "rules", "checked", "passed", "score"])
    per_rule = _per_rule(results, by)
    counted = per_rule["checked"] > 0
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
    """The weighted score over every rule and source system, or None if nothing was checked."""
    table = rollup(results, [])
    if table.empty:
        return None
    score = table["score"].iloc[0]
    return None if score is None or math.isnan(score) else float(score)
