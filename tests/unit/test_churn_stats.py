"""Cohort retention, churn/GRR/NRR, DSO, Kaplan–Meier and the churn model, checked against
hand computations and lifelines' documented values on its bundled data set."""

import numpy as np
import pandas as pd
import pytest
from lifelines.datasets import load_waltons

from analytics.churn import (
    attribute_inputs,
    auc,
    churn_rates,
    dso,
    fit_churn_model,
    kaplan_meier,
    logo_retention,
    revenue_rates,
    revenue_retention_matrix,
    score_customers,
    to_quarters,
)


def test_logo_retention_by_hand_is_triangular_and_marks_the_current_month():
    # cohort 100: 10 customers, 2 left in month 101, 1 in 102; cohort 101: 4, 1 left in 102
    counts = pd.DataFrame(
        {
            "cohort": [100, 100, 100, 101, 101],
            "churn_month": [np.nan, 101, 102, np.nan, 102],
            "customers": [7, 2, 1, 3, 1],
        }
    )
    m = logo_retention(counts, [100, 101, 102], latest_full=101, horizon=3)
    assert m.values.loc[100, 0] == 1.0
    assert m.values.loc[100, 1] == pytest.approx(0.8)
    assert m.values.loc[100, 2] == pytest.approx(0.7)  # month 102 = current, partial
    assert bool(m.partial.loc[100, 2]) and not bool(m.partial.loc[100, 1])
    assert np.isnan(m.values.loc[100, 3])  # not yet reached: empty, not zero
    assert m.values.loc[101, 1] == pytest.approx(0.75)
    assert np.isnan(m.values.loc[102, 0])  # an empty cohort has no rate
    # weighted average of full months only: period 1 = cohort 100 only (101's is partial)
    assert m.average[0] == pytest.approx(1.0)
    assert m.average[1] == pytest.approx(0.8)
    assert np.isnan(m.average[2])


def test_quarterly_cohorts_by_hand():
    # months 300..305 = quarters 100 and 101; latest full month 304 -> latest full quarter 100,
    # quarter 101 (months 303-305) is the current, partial one
    counts = pd.DataFrame(
        {
            "cohort": [300, 301, 302, 301, 303],
            "churn_month": [np.nan, 302, 304, np.nan, np.nan],
            "customers": [5, 2, 3, 10, 4],
        }
    )
    quarters, latest = to_quarters(counts, latest_full=304)
    assert latest == 100
    m = logo_retention(quarters, [100, 101], latest, horizon=2)
    assert m.sizes.to_dict() == {100: 20, 101: 4}
    assert m.values.loc[100, 0] == pytest.approx(18 / 20)  # 2 left in month 302 (quarter 100)
    assert m.values.loc[100, 1] == pytest.approx(15 / 20)  # 3 more in month 304, so far
    assert bool(m.partial.loc[100, 1]) and bool(m.partial.loc[101, 0])
    assert np.isnan(m.values.loc[100, 2])


def test_revenue_retention_by_hand_allows_expansion():
    revenue = pd.DataFrame(
        {
            "cohort": [100, 100, 100, 101],
            "month": [100, 101, 102, 101],
            "revenue": [200, 220, 150, 50],
        }
    )
    m = revenue_retention_matrix(revenue, [100, 101], latest_full=102, horizon=2)
    assert list(m.values.loc[100]) == pytest.approx([1.0, 1.1, 0.75])
    assert m.values.loc[101, 1] == 0.0  # no revenue in its second month
    # weighted by signup-month revenue: period 1 = (1.1*200 + 0*50) / 250
    assert m.average[1] == pytest.approx(220 / 250)


def test_grr_nrr_and_revenue_churn_by_hand():
    # last month: A 100, B 50, C 50 (200); this month: A 120 (expansion), B 30, C gone
    frame = pd.DataFrame({"start": [200.0], "current": [150.0], "kept": [130.0], "lost": [50.0]})
    out = revenue_rates(frame).iloc[0]
    assert out.grr == pytest.approx(0.65)  # (100 + 30 + 0) / 200
    assert out.nrr == pytest.approx(0.75)  # (120 + 30) / 200
    assert out.revenue_churn == pytest.approx(0.25)


def test_churn_rate_with_wilson_interval():
    out = churn_rates(pd.DataFrame({"active_at_start": [263], "churned": [81]})).iloc[0]
    assert out.rate == pytest.approx(81 / 263)
    # Wilson 95% interval for 81/263 (Newcombe 1998 style hand computation)
    assert out.low == pytest.approx(0.2553, abs=5e-4)
    assert out.high == pytest.approx(0.3662, abs=5e-4)


def test_dso_by_hand():
    assert dso(receivable=300.0, billed=900.0, days=90) == pytest.approx(30.0)
    assert dso(100.0, 0.0, 90) is None


def _waltons_counts() -> pd.DataFrame:
    """lifelines' Waltons data set as grouped counts (durations are in days there)."""
    df = load_waltons()
    counts = df.groupby(["group", "T", "E"]).size().rename("customers").reset_index()
    return counts.rename(columns={"group": "value", "T": "days", "E": "churned"})


def test_kaplan_meier_and_log_rank_match_lifelines_documented_values():
    """lifelines' docs (Survival analysis → Kaplan–Meier, Waltons data): overall median 56
    days; log-rank of miR-137 vs control: test statistic 122.25, p < 0.005."""
    counts = _waltons_counts()
    result = kaplan_meier(counts, min_n=1)
    assert result.test_statistic == pytest.approx(122.25, abs=0.01)
    assert result.p_value < 0.005
    overall = kaplan_meier(counts.assign(value="all"), min_n=1)
    # our time axis is months of 30.4375 days
    assert overall.medians.loc[0, "median_months"] * 30.4375 == pytest.approx(56.0)
    assert overall.test_statistic is None  # one group: nothing to compare
    curve = overall.curves
    assert curve["survival"].is_monotonic_decreasing
    assert (curve["low"] <= curve["survival"]).all() and (curve["survival"] <= curve["high"]).all()


def test_kaplan_meier_leaves_out_small_groups():
    counts = _waltons_counts()
    result = kaplan_meier(counts, min_n=100)  # miR-137 has 34 subjects, control 129
    assert list(result.medians["group"]) == ["control"]
    assert result.test_statistic is None


def test_auc_by_hand():
    # the classic four-point example: one of the four churner/stayer pairs is misordered
    assert auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.75)
    assert auc(np.array([1, 1]), np.array([0.2, 0.3])) is None


def _synthetic_customers(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    contract = rng.choice(["monthly", "annual", "multi-year"], n, p=[0.4, 0.45, 0.15])
    nps = np.where(rng.random(n) < 0.3, np.nan, rng.integers(0, 11, n))
    logit = (
        -3.0
        + 1.5 * (contract == "monthly")
        - 1.0 * (contract == "multi-year")
        + 1.0 * (np.nan_to_num(nps, nan=8) <= 6)
    )
    churned = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "contract_type": contract,
            "tenure_months": rng.uniform(1, 48, n),
            "last_nps": nps,
            "complaints_6m": rng.poisson(0.2, n),
            "late_invoices_6m": rng.poisson(0.3, n),
            "tier": rng.choice(["normal", "important", "VIP"], n, p=[0.8, 0.15, 0.05]),
            "churned": churned.astype(int),
        }
    )


def test_churn_model_recovers_planted_effects_and_explains_each_customer():
    features = _synthetic_customers(8000, seed=3)
    model = fit_churn_model(features)
    assert model is not None
    assert model.odds_ratios["monthly_contract"] == pytest.approx(np.exp(1.5), rel=0.25)
    assert model.odds_ratios["detractor"] == pytest.approx(np.exp(1.0), rel=0.3)
    assert model.p_values["late_invoices_6m"] > 0.01  # no planted effect
    assert 0.65 < model.holdout_auc < 0.85
    assert model.train_n + model.test_n == 8000
    scored = score_customers(model, features.head(50))
    assert scored["probability"].between(0, 1).all()
    risky = scored[(scored.contract_type == "monthly") & (scored.last_nps <= 6)]
    assert all("monthly_contract" in f for f in risky["factors"])


def test_reasons_are_the_customers_own_risk_factors():
    """Issue 13: the absence of a protective factor is not a reason. By hand: with
    coefficients +1.5 (monthly) and −1.0 (multi-year), a monthly customer's contributions are
    monthly 1.5 and multi-year 0 (value 0), so only 'monthly_contract' is named; an annual
    customer without a detractor answer has no reason at all."""
    features = _synthetic_customers(8000, seed=3)
    model = fit_churn_model(features)
    assert model.coefficients["multi_year_contract"] < 0 < model.coefficients["monthly_contract"]
    scored = score_customers(model, features)
    assert not any("multi_year_contract" in f for f in scored["factors"])
    calm = scored[
        (scored.contract_type == "annual")
        & scored.last_nps.isna()
        & scored.complaints_6m.eq(0)
        & scored.late_invoices_6m.eq(0)
        & scored.tenure_months.ge(12)
    ]
    positive = model.coefficients.drop("const")
    positive = set(positive[positive > 0].index)
    assert len(calm) > 0
    assert all(set(f) <= positive - {"monthly_contract", "detractor"} for f in calm["factors"])


def test_churn_model_needs_enough_churners():
    features = _synthetic_customers(200, seed=4).assign(churned=0)
    assert fit_churn_model(features) is None


def test_numeric_factors_are_standardised_named_by_direction_and_calibrated():
    """Issue 13: measured factors (recency, spend, overdue, credit score) enter the model as
    standard scores. Planted: +0.02 log-odds per day since the last purchase, recency uniform
    on 0–120 days, so the odds ratio per standard deviation is exp(0.02 × 120 / √12) ≈ 2.0;
    spend has no effect. On the hold-out, observed churn per decile of predicted probability
    is close to the predicted (the data follow the model)."""
    rng = np.random.default_rng(11)
    features = _synthetic_customers(12000, seed=5)
    recency = rng.uniform(0, 120, len(features))
    monthly = features["contract_type"].eq("monthly").to_numpy()
    logit = -2.5 + 1.5 * monthly + 0.02 * (recency - 60)
    features = features.assign(
        recency_days=recency,
        monetary_6m=rng.lognormal(6, 1, len(features)),
        credit_score=np.where(
            rng.random(len(features)) < 0.2, np.nan, rng.normal(650, 50, len(features))
        ),
        churned=(rng.random(len(features)) < 1 / (1 + np.exp(-logit))).astype(int),
    )
    model = fit_churn_model(features)
    assert model.odds_ratios["recency_days"] == pytest.approx(
        np.exp(0.02 * 120 / np.sqrt(12)), rel=0.15
    )
    assert model.p_values["monetary_6m"] > 0.01
    assert model.centre["recency_days"] == pytest.approx(60, abs=2)
    cal = model.calibration
    assert cal["customers"].sum() == model.test_n
    assert (cal["observed"] * cal["customers"]).sum() == pytest.approx(model.test_churners)
    assert (cal["predicted"] - cal["observed"]).abs().max() < 0.08
    assert cal["predicted"].is_monotonic_increasing
    scored = score_customers(model, features)
    stale = scored[monthly & (recency > 110)]
    assert all("recency_days:high" in f for f in stale["factors"])
    assert not any("recency_days:low" in f for f in scored["factors"])  # low recency protects


def test_imported_attributes_become_model_inputs():
    """Issue 13: the organisation's own columns feed the model. A numeric attribute is one
    standardised input; a categorical one a 0/1 input per value except the most common; free
    text is left out. Planted: plan "basic" doubles the odds (log-odds +0.69)."""
    features = _synthetic_customers(10000, seed=8)
    rng = np.random.default_rng(9)
    plan = rng.choice(["premium", "basic"], len(features), p=[0.6, 0.4])
    logit = -2.5 + 1.5 * features["contract_type"].eq("monthly") + 0.69 * (plan == "basic")
    features["churned"] = (rng.random(len(features)) < 1 / (1 + np.exp(-logit))).astype(int)
    long = pd.concat(
        [
            pd.DataFrame({"id": features["id"], "name": "plan", "value": plan}),
            pd.DataFrame(
                {
                    "id": features["id"],
                    "name": "seats",
                    "value": rng.integers(1, 50, len(features)).astype(str),
                }
            ),
            pd.DataFrame(
                {"id": features["id"], "name": "note", "value": [f"n{i}" for i in features["id"]]}
            ),
        ]
    )
    inputs = attribute_inputs(long, features["id"])
    assert list(inputs.columns) == ["attr:plan=basic", "attr:seats"]
    assert inputs["attr:plan=basic"].sum() == (plan == "basic").sum()
    model = fit_churn_model(features.join(inputs))
    assert model.odds_ratios["attr:plan=basic"] == pytest.approx(2.0, rel=0.2)
    assert model.p_values["attr:seats"] > 0.01 and "attr:seats" in model.centre.index
    scored = score_customers(model, features.join(inputs).head(200))
    basic = scored[inputs["attr:plan=basic"].head(200).eq(1)]
    assert all("attr:plan=basic" in f for f in basic["factors"] if f)


def test_an_input_that_separates_the_classes_is_left_out_not_fitted_to_infinity():
    """A measure that only churners have a high value of (quasi-complete separation) makes
    maximum likelihood diverge; the model leaves it out and keeps the planted effects."""
    features = _synthetic_customers(6000, seed=12)
    # Every other churner has a large overdue amount, nobody else any: amount > 0 ⇒ churned.
    flagged = (features["churned"] == 1) & (features["id"] % 2 == 0)
    features["overdue_amount"] = np.where(flagged, 5000.0, 0.0)
    assert 0.01 < flagged.mean() < 0.5
    model = fit_churn_model(features)
    assert model is not None and "overdue_amount" not in model.coefficients
    assert model.odds_ratios["monthly_contract"] == pytest.approx(np.exp(1.5), rel=0.3)
    assert np.isfinite(model.calibration["predicted"]).all()
