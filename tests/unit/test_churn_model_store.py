"""Issue 14: the churn model is fitted when the data changes, stored, and scored in SQL.
The SQL scores are held to the pandas scoring (`score_customers` on the features read
back), region scopes get a model of their own, and pages read a sorted page of scores."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, insert, select

from analytics import churn as churn_stats
from data_access import churn, churn_model
from data_access.churn_model import ModelKey
from data_access.filters import Filters
from data_access.models import ChurnModelFit, ChurnScore, Customer, CustomerAttribute
from data_access.security import Viewer

pytestmark = pytest.mark.db

ALL = Viewer("risk", "risk_manager")
EAST = Viewer("risk_east", "risk_manager", "East")
PERIOD = Filters(end_month=date(2026, 10, 1), months=3)


def _pandas_scores(conn, viewer: Viewer, stored: churn_model.StoredModel) -> pd.DataFrame:
    """The reference: the same model applied in pandas to the features read back."""
    key = ModelKey.of(viewer, PERIOD)
    features = churn.customer_features(conn, viewer, None, stored.scored_on, basis=key.definition)
    attributes = churn.customer_attributes(conn, viewer, None)
    features = features.join(
        churn_stats.model_attribute_inputs(stored.model, attributes, features["id"])
    )
    return churn_stats.score_customers(stored.model, features)


def test_sql_scores_equal_the_pandas_scoring_of_the_same_model(seeded_engine):
    with seeded_engine.begin() as conn:
        stored = churn_model.fit_and_store(conn, ModelKey.of(ALL, PERIOD), "test")
    assert stored.model is not None
    with seeded_engine.connect() as conn:
        reference = _pandas_scores(conn, ALL, stored)
        stored_p = churn_model.probabilities(conn, stored, reference["id"].tolist())
    assert len(stored_p) == len(reference) > 1000
    got = reference["id"].map(stored_p).to_numpy()
    np.testing.assert_allclose(got, reference["probability"].to_numpy(), rtol=1e-9, atol=1e-12)


def test_a_stored_model_is_read_not_refitted_and_a_refit_replaces_it(seeded_engine):
    key = ModelKey.of(ALL, PERIOD)
    first = churn_model.model_for(seeded_engine, key, "test")
    again = churn_model.model_for(seeded_engine, key, "test")
    assert again.id == first.id and again.fitted_at == first.fitted_at
    assert churn_model.fit_churn_models(seeded_engine, "test") >= 1
    newest = churn_model.model_for(seeded_engine, key, "test")
    assert newest.id != first.id
    with seeded_engine.connect() as conn:
        left = conn.execute(
            select(func.count()).select_from(ChurnScore).where(ChurnScore.model_id == first.id)
        ).scalar_one()
        fits = conn.execute(
            select(func.count())
            .select_from(ChurnModelFit)
            .where(ChurnModelFit.scope_region.is_(None), ChurnModelFit.churn_basis == "contract")
        ).scalar_one()
    assert left == 0 and fits == 1
    # the coefficients survive the round trip through the database
    pd.testing.assert_series_equal(newest.model.coefficients, first.model.coefficients)


def test_a_region_scoped_model_learns_from_its_region_only(seeded_engine):
    east = churn_model.model_for(seeded_engine, ModelKey.of(EAST, PERIOD), "test")
    everyone = churn_model.model_for(seeded_engine, ModelKey.of(ALL, PERIOD), "test")
    with seeded_engine.connect() as conn:
        active_east = churn.customer_features(
            conn, EAST, None, east.trained_on, basis=PERIOD
        ).shape[0]
        scored_regions = set(
            conn.execute(
                select(Customer.region)
                .join(ChurnScore, ChurnScore.customer_id == Customer.id)
                .where(ChurnScore.model_id == east.id)
                .distinct()
            ).scalars()
        )
        rows, total = churn_model.at_risk(conn, EAST, PERIOD, east, 0.0, 0, None)
    assert east.id != everyone.id
    assert east.model.train_n + east.model.test_n == active_east
    assert everyone.model.train_n + everyone.model.test_n > active_east
    assert scored_regions == {"East"}
    assert set(rows["region"]) == {"East"} and total == len(rows)


def test_the_at_risk_list_is_paged_counted_ordered_and_masked(seeded_engine):
    stored = churn_model.model_for(seeded_engine, ModelKey.of(ALL, PERIOD), "test")
    with seeded_engine.connect() as conn:
        reference = _pandas_scores(conn, ALL, stored)
        first, total = churn_model.at_risk(conn, ALL, PERIOD, stored, 0.1, 0, 20)
        second, total_again = churn_model.at_risk(conn, ALL, PERIOD, stored, 0.1, 20, 20)
        everyone, _ = churn_model.at_risk(conn, ALL, PERIOD, stored, 0.1, 0, None)
    assert total == total_again == int((reference["probability"] >= 0.1).sum()) == len(everyone)
    assert len(first) == 20 and not set(first["id"]) & set(second["id"])
    assert (everyone["probability"] >= 0.1).all()
    # highest tier first (the demo list runs normal → important → VIP), then most at risk
    rank = everyone["tier"].map({"VIP": 0, "important": 1, "normal": 2})
    assert rank.is_monotonic_increasing
    for _tier, group in everyone.groupby("tier"):
        assert group["probability"].is_monotonic_decreasing
    assert everyone["customer"].str.contains(r"\*").all()  # a risk manager sees masked names


def test_attribute_inputs_score_the_same_in_sql_including_a_value_that_is_not_a_number(
    migrated_engine,
):
    """An imported numeric attribute and a categorical one enter the stored model; after the
    fit a non-number arrives in the numeric attribute: SQL reads it as unknown (0 after
    standardising), as pandas does."""
    from demo.seed import seed_demo

    seed_demo(migrated_engine, customers=1500, months=24, seed=5, as_of=date(2026, 11, 1))
    rng = np.random.default_rng(3)
    with migrated_engine.begin() as conn:
        from data_access.churn_basis import refresh_last_activity

        refresh_last_activity(conn)
        ids = conn.execute(select(Customer.id)).scalars().all()
        plans = rng.choice(["basic", "premium", "team"], len(ids), p=[0.5, 0.3, 0.2])
        seats = rng.integers(1, 80, len(ids))
        rows = [
            {"customer_id": i, "name": "plan", "value": str(p)}
            for i, p in zip(ids, plans, strict=True)
        ] + [
            {"customer_id": i, "name": "seats", "value": str(s)}
            for i, s in zip(ids, seats, strict=True)
            if s % 7
        ]
        conn.execute(insert(CustomerAttribute), rows)
        stored = churn_model.fit_and_store(conn, ModelKey.of(ALL, PERIOD), "test")
    assert {"attr:plan=premium", "attr:plan=team", "attr:seats"} <= set(stored.model.means.index)
    with migrated_engine.begin() as conn:
        conn.execute(
            CustomerAttribute.__table__.update()
            .where(CustomerAttribute.name == "seats", CustomerAttribute.customer_id % 5 == 0)
            .values(value="n/a")
        )
        conn.execute(
            ChurnScore.__table__.delete().where(ChurnScore.model_id == stored.id)
        )  # rescore under the same model with the changed value
        f = churn.feature_select(
            conn, [], ModelKey.of(ALL, PERIOD).definition, stored.scored_on
        ).subquery()
        conn.execute(
            insert(ChurnScore).from_select(
                ["model_id", "customer_id", "linear", "monthly_revenue"],
                churn_model._scoring_select(conn, stored.model, f, stored.id),
            )
        )
    with migrated_engine.connect() as conn:
        reference = _pandas_scores(conn, ALL, stored)
        got = reference["id"].map(churn_model.probabilities(conn, stored, reference["id"].tolist()))
    np.testing.assert_allclose(got.to_numpy(), reference["probability"].to_numpy(), rtol=1e-9)
