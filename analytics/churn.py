"""Cohort retention, churn and revenue retention, survival curves and an explainable churn
model. Pure: grouped counts in, tables out; no I/O.

Definitions (shown on hover in the app):
- logo churn in a month = customers who left in it / customers active at its start;
- GRR = revenue kept from last month's customers (each capped at last month's amount) /
  last month's revenue; NRR = this month's revenue from last month's customers / last month's
  revenue (expansion counts); revenue churn = last month's revenue of customers with no
  revenue this month / last month's revenue;
- DSO = open receivables / revenue billed in the window × days in the window.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import statsmodels.api as sm
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from scipy.stats import mannwhitneyu
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from analytics.kpi import proportion

DAYS_PER_MONTH = 30.4375


def month_of(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def quarter_label(index: int) -> str:
    """2026 Q3 for a quarter index (year * 4 + quarter - 1)."""
    return f"{index // 4} Q{index % 4 + 1}"


@dataclass
class CohortMatrix:
    """Rows = signup-month cohorts, columns = months since signup (0 = the signup month).
    `values` is NaN where the period has not started; `partial` marks the current month."""

    sizes: pd.Series
    values: pd.DataFrame
    partial: pd.DataFrame
    average: pd.Series  # per column, weighted by cohort size, over full periods only


def _matrix(
    cohorts: list[int], horizon: int, latest_full: int, cell
) -> tuple[pd.DataFrame, pd.DataFrame]:  # noqa: ANN001
    values = pd.DataFrame(np.nan, index=cohorts, columns=range(horizon + 1))
    partial = pd.DataFrame(False, index=cohorts, columns=range(horizon + 1))
    for c in cohorts:
        for k in range(horizon + 1):
            month = c + k
            if month <= latest_full + 1:
                values.loc[c, k] = cell(c, k)
                partial.loc[c, k] = month == latest_full + 1
    return values, partial


def _weighted_average(values: pd.DataFrame, partial: pd.DataFrame, sizes: pd.Series) -> pd.Series:
    full = values.where(~partial)
    weights = full.notna().mul(sizes, axis=0)
    total = weights.sum()
    return (full.fillna(0).mul(sizes, axis=0).sum() / total.where(total > 0)).rename("average")


def to_quarters(counts: pd.DataFrame, latest_full: int) -> tuple[pd.DataFrame, int]:
    """Monthly cohort counts regrouped by calendar quarter (index = year * 4 + quarter - 1),
    and the latest full quarter: the unit of logo_retention becomes the quarter."""
    out = counts.assign(
        cohort=counts["cohort"] // 3,
        churn_month=counts["churn_month"] // 3,
    )
    out = out.groupby(["cohort", "churn_month"], dropna=False, as_index=False)["customers"].sum()
    return out, (latest_full + 1) // 3 - 1


def logo_retention(
    counts: pd.DataFrame, cohorts: list[int], latest_full: int, horizon: int = 12
) -> CohortMatrix:
    """Share of each cohort still a customer at the end of period k (for the current,
    partial period: so far). `counts` has cohort, churn_month (NaN = active), customers, in
    one unit (months, or quarters after `to_quarters`)."""
    sizes = counts.groupby("cohort")["customers"].sum().reindex(cohorts, fill_value=0)
    churned = counts.dropna(subset=["churn_month"])

    def cell(c: int, k: int) -> float:
        if sizes[c] == 0:
            return np.nan
        gone = churned[(churned["cohort"] == c) & (churned["churn_month"] <= c + k)]
        return 1 - gone["customers"].sum() / sizes[c]

    values, partial = _matrix(cohorts, horizon, latest_full, cell)
    return CohortMatrix(sizes, values, partial, _weighted_average(values, partial, sizes))


def revenue_retention_matrix(
    revenue: pd.DataFrame, cohorts: list[int], latest_full: int, horizon: int = 12
) -> CohortMatrix:
    """Each cohort's revenue in period k as a share of its signup-month revenue (can exceed
    100% with expansion). Only full months: the current month is not yet invoiced."""
    table = revenue.pivot_table(index="cohort", columns="month", values="revenue", aggfunc="sum")
    base = pd.Series(
        [table.loc[c, c] if c in table.index and c in table.columns else 0.0 for c in cohorts],
        index=cohorts,
    )

    def cell(c: int, k: int) -> float:
        if base[c] <= 0 or c + k > latest_full:
            return np.nan
        found = table.loc[c, c + k] if c in table.index and c + k in table.columns else 0.0
        return float(0.0 if pd.isna(found) else found) / base[c]

    values, partial = _matrix(cohorts, horizon, latest_full, cell)
    sizes = base.rename("revenue")
    return CohortMatrix(sizes, values, partial, _weighted_average(values, partial, sizes))


def activity_retention_matrix(
    active: pd.DataFrame, sizes: pd.Series, cohorts: list[int], latest_full: int, horizon: int = 12
) -> CohortMatrix:
    """Share of each cohort (`sizes`: customers per cohort) with an invoice or order in
    month k after signup — the retention of a business without contracts. `active` has
    cohort, month, active. Only full months."""
    table = active.pivot_table(index="cohort", columns="month", values="active", aggfunc="sum")
    sizes = sizes.reindex(cohorts, fill_value=0)

    def cell(c: int, k: int) -> float:
        if sizes[c] == 0 or c + k > latest_full:
            return np.nan
        found = table.loc[c, c + k] if c in table.index and c + k in table.columns else 0
        return float(0 if pd.isna(found) else found) / sizes[c]

    values, partial = _matrix(cohorts, horizon, latest_full, cell)
    return CohortMatrix(sizes, values, partial, _weighted_average(values, partial, sizes))


def churn_rates(frame: pd.DataFrame, min_n: int = 1) -> pd.DataFrame:
    """Adds rate, low, high (Wilson 95%) to rows of active_at_start and churned."""
    out = frame.copy()
    estimates = [
        proportion(int(c), int(a), min_n)
        for a, c in zip(frame["active_at_start"], frame["churned"], strict=True)
    ]
    out["rate"] = [e.value for e in estimates]
    out["low"] = [e.low for e in estimates]
    out["high"] = [e.high for e in estimates]
    return out


def revenue_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """GRR, NRR and revenue churn per month from start/current/kept/lost revenue."""
    out = frame.copy()
    start = frame["start"].where(frame["start"] > 0)
    out["grr"] = frame["kept"] / start
    out["nrr"] = frame["current"] / start
    out["revenue_churn"] = frame["lost"] / start
    return out


def dso(receivable: float, billed: float, days: int) -> float | None:
    """Days sales outstanding: receivables / billed revenue × days of the billing window."""
    return None if billed <= 0 else receivable / billed * days


# --- survival ---------------------------------------------------------------------------------


@dataclass
class Survival:
    curves: pd.DataFrame  # group, months, survival, low, high
    medians: pd.DataFrame  # group, customers, churned, median_months (None = not reached)
    test_statistic: float | None
    p_value: float | None


def kaplan_meier(counts: pd.DataFrame, min_n: int = 30) -> Survival:
    """Kaplan–Meier retention per group with 95% bands (lifelines), from grouped counts of
    (value, days, churned, customers); groups below `min_n` customers are left out. A
    log-rank test compares the groups shown when there are at least two."""
    curves, medians, kept = [], [], []
    for value, group in counts.groupby("value", sort=True):
        if group["customers"].sum() < min_n:
            continue
        kept.append(value)
        kmf = KaplanMeierFitter().fit(
            group["days"] / DAYS_PER_MONTH, group["churned"], weights=group["customers"]
        )
        sf = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_survival_function_
        curves.append(
            pd.DataFrame(
                {
                    "group": value,
                    "months": sf.index,
                    "survival": sf.to_numpy(),
                    "low": ci.iloc[:, 0].to_numpy(),
                    "high": ci.iloc[:, 1].to_numpy(),
                }
            )
        )
        median = kmf.median_survival_time_
        medians.append(
            {
                "group": value,
                "customers": int(group["customers"].sum()),
                "churned": int((group["customers"] * group["churned"]).sum()),
                "median_months": None if math.isinf(median) else float(median),
            }
        )
    statistic = p_value = None
    shown = counts[counts["value"].isin(kept)]
    if len(kept) >= 2:
        test = multivariate_logrank_test(
            shown["days"], shown["value"], shown["churned"], weights=shown["customers"]
        )
        statistic, p_value = float(test.test_statistic), float(test.p_value)
    return Survival(
        pd.concat(curves, ignore_index=True)
        if curves
        else pd.DataFrame(columns=["group", "months", "survival", "low", "high"]),
        pd.DataFrame(medians, columns=["group", "customers", "churned", "median_months"]),
        statistic,
        p_value,
    )


# --- churn model ------------------------------------------------------------------------------

FACTORS = (
    "monthly_contract",
    "multi_year_contract",
    "short_tenure",
    "detractor",
    "passive",
    "no_survey",
    "complaints_6m",
    "late_invoices_6m",
    "vip_or_important",
)
# Measured quantities, standardised on the training customers (odds ratio per standard
# deviation); used when the features carry them. Amounts are skewed: log(1 + amount).
NUMERIC_FACTORS = ("recency_days", "frequency_6m", "monetary_6m", "overdue_amount", "credit_score")
LOGGED_FACTORS = ("monetary_6m", "overdue_amount")
ATTRIBUTE = "attr:"  # model inputs built from imported customer attributes
MAX_ATTRIBUTE_LEVELS = 10
MAX_ATTRIBUTE_INPUTS = 20


def design_matrix(features: pd.DataFrame) -> pd.DataFrame:
    """Model inputs from the raw features: contract, tenure under a year, last NPS answer
    (detractor 0–6, passive 7–8, none), complaints and late invoices in 6 months, tier; and,
    unstandardised, the numeric factors and the attribute inputs (`attribute_inputs`) the
    features have (NaN where unknown)."""
    nps = features["last_nps"]
    x = pd.DataFrame(
        {
            "monthly_contract": features["contract_type"].eq("monthly"),
            "multi_year_contract": features["contract_type"].eq("multi-year"),
            "short_tenure": features["tenure_months"].lt(12),
            "detractor": nps.le(6) & nps.notna(),
            "passive": nps.between(7, 8) & nps.notna(),
            "no_survey": nps.isna(),
            "complaints_6m": features["complaints_6m"].clip(upper=5),
            "late_invoices_6m": features["late_invoices_6m"].clip(upper=6),
            "vip_or_important": features["tier"].isin(["VIP", "important"]),
        },
        index=features.index,
    ).astype(float)
    for column in NUMERIC_FACTORS:
        if column in features:
            values = pd.to_numeric(features[column], errors="coerce").astype(float)
            x[column] = np.log1p(values.clip(lower=0)) if column in LOGGED_FACTORS else values
    for column in features.columns:
        if str(column).startswith(ATTRIBUTE):
            x[column] = pd.to_numeric(features[column], errors="coerce").astype(float)
    return x


def attribute_inputs(attributes: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """Model inputs from imported attributes (id, name, value rows) for the customers `ids`:
    an attribute whose values are all numbers is one numeric input `attr:<name>` (missing =
    NaN, later the average); one with 2–10 distinct values gives a 0/1 input per value
    except the most common (`attr:<name>=<value>`); others (free text, ids) are left out."""
    out = pd.DataFrame(index=ids.index)
    if attributes.empty:
        return out
    wide = attributes.pivot_table(index="id", columns="name", values="value", aggfunc="first")
    wide = wide.reindex(ids.to_numpy())
    for name in sorted(wide.columns):
        values = wide[name]
        numbers = pd.to_numeric(values, errors="coerce")
        if values.notna().any() and numbers[values.notna()].notna().all():
            out[f"{ATTRIBUTE}{name}"] = numbers.to_numpy()
            continue
        counts = values.value_counts()
        if 2 <= len(counts) <= MAX_ATTRIBUTE_LEVELS:
            for level in counts.index[1:]:
                out[f"{ATTRIBUTE}{name}={level}"] = values.eq(level).astype(float).to_numpy()
    return out.iloc[:, :MAX_ATTRIBUTE_INPUTS]


def model_attribute_inputs(
    model: ChurnModel, attributes: pd.DataFrame, ids: pd.Series
) -> pd.DataFrame:
    """The attribute inputs `model` was fitted with, for the customers `ids` (a few listed
    customers: their values alone would not tell which level was the most common)."""
    out = pd.DataFrame(index=ids.index)
    names = [c for c in model.means.index if c.startswith(ATTRIBUTE)]
    if not names:
        return out
    wide = (
        attributes.pivot_table(index="id", columns="name", values="value", aggfunc="first")
        if not attributes.empty
        else pd.DataFrame()
    ).reindex(ids.to_numpy())
    for column in names:
        name, _, level = column.removeprefix(ATTRIBUTE).partition("=")
        values = wide[name] if name in wide else pd.Series(index=wide.index, dtype=object)
        if level:
            out[column] = values.eq(level).astype(float).to_numpy()
        else:
            out[column] = pd.to_numeric(values, errors="coerce").to_numpy()
    return out


def _numeric_inputs(x: pd.DataFrame) -> list[str]:
    """The inputs standardised before fitting: measured factors and numeric attributes."""
    return [c for c in x if c in NUMERIC_FACTORS or (c.startswith(ATTRIBUTE) and "=" not in c)]


def _standardised(x: pd.DataFrame, centre: pd.Series, scale: pd.Series) -> pd.DataFrame:
    """Numeric factors as standard scores of the training customers; unknown = average."""
    numeric = [c for c in centre.index if c in x]
    out = x.copy()
    out[numeric] = ((x[numeric] - centre[numeric]) / scale[numeric]).fillna(0.0)
    return out


def calibration(labels: np.ndarray, predicted: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Hold-out customers in `bins` equal-size groups by predicted probability: mean predicted
    probability, observed churn share with its Wilson 95% interval, and the group's size. A
    calibrated model's points lie on the diagonal."""
    frame = pd.DataFrame({"p": predicted, "y": np.asarray(labels).astype(int)})
    if frame.empty:
        return pd.DataFrame(columns=["predicted", "observed", "low", "high", "customers"])
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), min(bins, len(frame)), labels=False)
    grouped = frame.groupby("bin").agg(
        predicted=("p", "mean"), churned=("y", "sum"), customers=("y", "size")
    )
    estimates = [
        proportion(int(k), int(n)) for k, n in zip(grouped.churned, grouped.customers, strict=True)
    ]
    return pd.DataFrame(
        {
            "predicted": grouped["predicted"].to_numpy(),
            "observed": [e.value for e in estimates],
            "low": [e.low for e in estimates],
            "high": [e.high for e in estimates],
            "customers": grouped["customers"].to_numpy(),
        }
    )


def auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve = P(score of a churner > score of a stayer), ties half:
    the Mann–Whitney U statistic divided by n1·n0."""
    labels = np.asarray(labels).astype(bool)
    positives, negatives = scores[labels], scores[~labels]
    if len(positives) == 0 or len(negatives) == 0:
        return None
    u = mannwhitneyu(positives, negatives, alternative="two-sided").statistic
    return float(u / (len(positives) * len(negatives)))


@dataclass
class ChurnModel:
    coefficients: pd.Series  # log-odds per factor, with the intercept as "const"
    odds_ratios: pd.Series
    p_values: pd.Series
    means: pd.Series  # training means of the factors the model kept (numeric ones: 0)
    centre: pd.Series  # training mean and standard deviation of the numeric factors kept
    scale: pd.Series
    train_n: int
    test_n: int
    test_churners: int
    holdout_auc: float | None
    base_rate: float
    calibration: pd.DataFrame  # hold-out: predicted vs observed churn per probability decile


def _is_holdout(ids: pd.Series) -> np.ndarray:
    """A fixed 30% hold-out by customer id (deterministic, no random state to carry)."""
    return (ids.to_numpy() * 2654435761 % 2**32) % 10 < 3


def fit_churn_model(features: pd.DataFrame) -> ChurnModel | None:
    """Logistic regression of churn in the following months on `design_matrix` (numeric
    factors standardised on the training customers), fitted on 70% of customers; the AUC and
    the calibration are measured on the other 30%. None if there is too little data."""
    if features.empty or features["churned"].sum() < 20:
        return None
    raw = design_matrix(features)
    holdout = _is_holdout(features["id"])
    # A measure nearly everyone shares one value of (monthly billing: every recency 31 days)
    # carries no information, only outliers that separate the classes.
    candidates = _numeric_inputs(raw)
    numeric = [c for c in candidates if _spread(raw.loc[~holdout, c])]
    raw = raw.drop(columns=[c for c in candidates if c not in numeric])
    centre = raw.loc[~holdout, numeric].mean()
    scale = raw.loc[~holdout, numeric].std().replace(0, np.nan)
    x = _standardised(raw, centre, scale)
    x = x.loc[:, x[~holdout].std() > 0]
    y = features["churned"].astype(int)
    fitted = _fit_logit(y[~holdout], x[~holdout])
    x = x[[c for c in fitted.params.index if c != "const"]]
    kept = [c for c in numeric if c in x]
    test = sm.add_constant(x[holdout], has_constant="add")[fitted.params.index]
    predicted = fitted.predict(test).to_numpy()
    return ChurnModel(
        coefficients=fitted.params,
        odds_ratios=np.exp(fitted.params),
        p_values=fitted.pvalues,
        means=x[~holdout].mean(),
        centre=centre[kept],
        scale=scale[kept],
        train_n=int((~holdout).sum()),
        test_n=int(holdout.sum()),
        test_churners=int(y[holdout].sum()),
        holdout_auc=auc(y[holdout].to_numpy(), predicted),
        base_rate=float(y.mean()),
        calibration=calibration(y[holdout].to_numpy(), predicted),
    )


def _spread(values: pd.Series) -> bool:
    """True when no single value covers 99% of the known values."""
    known = values.dropna()
    return len(known) > 0 and known.value_counts(normalize=True).iloc[0] < 0.99


def _fit_logit(y: pd.Series, x: pd.DataFrame, attempts: int = 3):  # noqa: ANN202
    """Maximum-likelihood logit; when an input separates churners from stayers the fit does
    not converge and that input's coefficient runs away: it is left out and the model
    refitted (at most `attempts` times)."""
    for _ in range(attempts):
        train = sm.add_constant(x, has_constant="add")
        with warnings.catch_warnings(), np.errstate(over="ignore"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            fitted = sm.Logit(y, train).fit(disp=0, maxiter=200)
        runaway = fitted.params.drop("const").abs()
        if fitted.mle_retvals.get("converged", True) and runaway.max() < 10:
            return fitted
        x = x.drop(columns=[runaway.idxmax()])
    return fitted


def score_customers(model: ChurnModel, features: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """Churn probability per customer and the `top` factors of *that customer* that raise it
    most (coefficient × the customer's value, largest positive first). A protective factor
    the customer lacks is not a reason: a monthly-contract customer is not told "multi-year
    contract". A numeric factor is named with its direction: "recency_days:high" (long since
    the last purchase) or "monetary_6m:low" (spends less than the average customer)."""
    columns = list(model.means.index)
    # An attribute value the model learnt but nobody has now reads as absent (0).
    x = _standardised(design_matrix(features), model.centre, model.scale).reindex(
        columns=columns, fill_value=0.0
    )
    linear = model.coefficients["const"] + x.to_numpy() @ model.coefficients[columns].to_numpy()
    out = features.copy()
    out["probability"] = 1 / (1 + np.exp(-linear))
    contributions = (x * model.coefficients[columns]).to_numpy()
    order = np.argsort(-contributions, axis=1)[:, :top]
    values = np.take_along_axis(contributions, order, axis=1)
    scores = x.to_numpy()

    def named(row: int, column: int) -> str:
        name = columns[column]
        if name not in model.centre.index:
            return name
        return f"{name}:{'high' if scores[row, column] > 0 else 'low'}"

    out["factors"] = [
        [named(i, c) for c, v in zip(cols, vals, strict=True) if v > 0]
        for i, (cols, vals) in enumerate(zip(order, values, strict=True))
    ]
    return out


def model_to_dict(model: ChurnModel) -> dict:
    """The fitted model as JSON-ready values, to store with its fit and read back
    (`model_from_dict`) without refitting."""

    def series(values: pd.Series) -> dict[str, float]:
        return {str(k): float(v) for k, v in values.items()}

    return {
        "coefficients": series(model.coefficients),
        "p_values": series(model.p_values),
        "means": series(model.means),
        "centre": series(model.centre),
        "scale": series(model.scale),
        "train_n": model.train_n,
        "test_n": model.test_n,
        "test_churners": model.test_churners,
        "holdout_auc": model.holdout_auc,
        "base_rate": model.base_rate,
        "calibration": model.calibration.to_dict("list"),
    }


def model_from_dict(values: dict) -> ChurnModel:
    """The model `model_to_dict` stored, with its factors in the stored order."""
    coefficients = pd.Series(values["coefficients"], dtype=float)
    return ChurnModel(
        coefficients=coefficients,
        odds_ratios=np.exp(coefficients),
        p_values=pd.Series(values["p_values"], dtype=float),
        means=pd.Series(values["means"], dtype=float),
        centre=pd.Series(values["centre"], dtype=float),
        scale=pd.Series(values["scale"], dtype=float),
        train_n=int(values["train_n"]),
        test_n=int(values["test_n"]),
        test_churners=int(values["test_churners"]),
        holdout_auc=values["holdout_auc"],
        base_rate=float(values["base_rate"]),
        calibration=pd.DataFrame(values["calibration"]),
    )


def probability(linear: np.ndarray | pd.Series) -> np.ndarray:
    """Churn probability from the model's linear predictor (log-odds)."""
    return 1 / (1 + np.exp(-np.asarray(linear, dtype=float)))


def log_odds(p: float) -> float | None:
    """The linear predictor at probability `p` (None at 0: every customer qualifies)."""
    if p <= 0:
        return None
    p = min(p, 1 - 1e-12)
    return math.log(p / (1 - p))
