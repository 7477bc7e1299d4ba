"""The stored churn model. It is fitted when the data changes (seed, import; or the first time
a churn definition is asked for), per region scope — a region-scoped user's model learns from
that region's customers only, so its coefficients tell nothing about the others — and every
customer active on the scoring day is scored in one INSERT … SELECT. Pages read the fit and a
sorted page of scores; no page refits or carries a frame of every customer.

Scoring in SQL repeats `analytics.churn.design_matrix` as expressions; the unit tests hold
the two to the same probabilities."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Float,
    Select,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import aliased

from analytics import churn as churn_stats
from data_access import churn, overview
from data_access.code_lists import active_codes
from data_access.filters import Filters, add_months
from data_access.models import ChurnModelFit, ChurnScore, Customer, CustomerAttribute, User
from data_access.pii import mask_frame
from data_access.scope import customer_conditions
from data_access.security import Viewer
from data_access.settings import all_settings

RISK_HORIZON_MONTHS = 3
_MAX_FACTOR = {"complaints_6m": 5, "late_invoices_6m": 6}  # as design_matrix clips them
_HIGH_TIERS = ("VIP", "important")


@dataclass(frozen=True)
class ModelKey:
    """Which model a view reads: the viewer's region scope and the churn definition."""

    scope_region: str | None
    churn_basis: str
    inactivity_days: int

    @classmethod
    def of(cls, viewer: Viewer, filters: Filters) -> ModelKey:
        activity = filters.churn_basis == "activity"
        return cls(
            viewer.region_scope, filters.churn_basis, filters.inactivity_days if activity else 0
        )

    @property
    def definition(self) -> Filters:
        """Filters carrying only the churn definition (every customer of the scope)."""
        return Filters(
            end_month=date.min,
            churn_basis=self.churn_basis,
            inactivity_days=self.inactivity_days or 90,
        )

    @property
    def scope(self) -> Viewer:
        return Viewer("churn-model", "analyst", self.scope_region)


@dataclass
class StoredModel:
    id: int
    model: churn_stats.ChurnModel | None  # None: too few churners to fit
    trained_on: date  # features as of this day, churn observed in the months after it
    scored_on: date  # customers active on this day are scored
    fitted_at: datetime


def scoring_day(conn: Connection) -> date:
    """The first day after the data's latest full month: today's customers are scored as
    of it."""
    return add_months(overview.latest_full_month(conn), 1)


def training_day(scored_on: date, key: ModelKey) -> date:
    """Features as of RISK_HORIZON_MONTHS before the scoring day, labels = churned since; on
    the activity basis a loss is known only `inactivity_days` after the last purchase, so the
    window moves that much further back and its labels are settled."""
    confirmation = -(-key.inactivity_days // 30) if key.churn_basis == "activity" else 0
    return add_months(scored_on, -(RISK_HORIZON_MONTHS + confirmation))


def stored_model(conn: Connection, key: ModelKey) -> StoredModel | None:
    """The newest fit for `key` scored as of the data's current scoring day."""
    row = conn.execute(
        select(ChurnModelFit)
        .where(
            _key_condition(key),
            ChurnModelFit.scored_on == scoring_day(conn),
        )
        .order_by(ChurnModelFit.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    model = churn_stats.model_from_dict(json.loads(row.model)) if row.model else None
    return StoredModel(row.id, model, row.trained_on, row.scored_on, row.fitted_at)


def holds_fit(conn: Connection, model_id: int) -> bool:
    """True when the database behind `conn` has the fit `model_id` (an analytical snapshot
    taken before a model was fitted on first use does not)."""
    stmt = select(ChurnModelFit.id).where(ChurnModelFit.id == model_id)
    return conn.execute(stmt).first() is not None


def _key_condition(key: ModelKey) -> ColumnElement[bool]:
    region = (
        ChurnModelFit.scope_region.is_(None)
        if key.scope_region is None
        else ChurnModelFit.scope_region == key.scope_region
    )
    return and_(
        region,
        ChurnModelFit.churn_basis == key.churn_basis,
        ChurnModelFit.inactivity_days == key.inactivity_days,
    )


def model_for(engine: Engine, key: ModelKey, username: str) -> StoredModel:
    """The stored model for `key`, fitted and stored now if the data has none yet (a churn
    definition nobody prepared, e.g. the other basis chosen in the sidebar)."""
    with engine.connect() as conn:
        found = stored_model(conn, key)
    if found is not None:
        return found
    with engine.begin() as conn:
        return fit_and_store(conn, key, username)


def fit_and_store(conn: Connection, key: ModelKey, username: str) -> StoredModel:
    """Fit the model for `key` on the data as it is, store it, score every active customer of
    the scope in SQL, and drop the older fits of the same key."""
    scored_on = scoring_day(conn)
    trained_on = training_day(scored_on, key)
    conditions = customer_conditions(key.scope)
    history = churn.customer_features(
        conn, key.scope, None, trained_on, RISK_HORIZON_MONTHS, basis=key.definition
    )
    if not history.empty:
        attributes = churn.customer_attributes(conn, key.scope, None)
        history = history.join(churn_stats.attribute_inputs(attributes, history["id"]))
    model = churn_stats.fit_churn_model(history)
    old = select(ChurnModelFit.id).where(_key_condition(key))
    conn.execute(delete(ChurnScore).where(ChurnScore.model_id.in_(old)))
    conn.execute(delete(ChurnModelFit).where(_key_condition(key)))
    fitted_at = datetime.now().replace(microsecond=0)
    model_id = conn.execute(
        insert(ChurnModelFit)
        .values(
            scope_region=key.scope_region,
            churn_basis=key.churn_basis,
            inactivity_days=key.inactivity_days,
            scored_on=scored_on,
            trained_on=trained_on,
            fitted_at=fitted_at,
            fitted_by=username,
            model=json.dumps(churn_stats.model_to_dict(model)) if model else None,
        )
        .returning(ChurnModelFit.id)
    ).scalar_one()
    if model is not None:
        features = churn.feature_select(
            conn, conditions, key.definition, scored_on, RISK_HORIZON_MONTHS
        ).subquery()
        conn.execute(
            insert(ChurnScore).from_select(
                ["model_id", "customer_id", "linear", "monthly_revenue"],
                _scoring_select(conn, model, features, model_id),
            )
        )
    return StoredModel(model_id, model, trained_on, scored_on, fitted_at)


def prepared_keys(conn: Connection) -> list[ModelKey]:
    """The keys worth fitting ahead of the first view: the configured churn definition for
    all regions and for each region an active user is scoped to."""
    settings = all_settings(conn)
    basis = str(settings["churn_basis"])
    idle = int(settings["inactivity_days"]) if basis == "activity" else 0
    regions = conn.execute(
        select(User.region_scope)
        .where(User.active.is_(True), User.region_scope.is_not(None))
        .distinct()
        .order_by(User.region_scope)
    ).scalars()
    return [ModelKey(region, basis, idle) for region in (None, *regions)]


def fit_churn_models(engine: Engine, username: str) -> int:
    """Refit and rescore the prepared models after the data changed; returns how many."""
    with engine.connect() as conn:
        keys = prepared_keys(conn)
    for key in keys:
        with engine.begin() as conn:
            fit_and_store(conn, key, username)
    return len(keys)


# --- scoring in SQL ----------------------------------------------------------------------------


def _number(conn: Connection, text: ColumnElement) -> ColumnElement:
    """An attribute's text as a number, NULL when it is not one (SQLite would read '12abc'
    as 12 and PostgreSQL refuse the cast)."""
    if conn.dialect.name == "postgresql":
        pattern = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"
        return case((text.op("~")(pattern), cast(func.trim(text), Float)))
    trimmed = func.trim(text)
    looks_numeric = and_(trimmed.op("NOT GLOB")("*[^0-9.eE+-]*"), trimmed.op("GLOB")("*[0-9]*"))
    return case((looks_numeric, cast(trimmed, Float)))


def _flag(condition: ColumnElement[bool]) -> ColumnElement[float]:
    return case((condition, 1.0), else_=0.0)


def _inputs(
    conn: Connection, model: churn_stats.ChurnModel, f
) -> tuple[dict[str, ColumnElement], list]:  # noqa: ANN001 - a subquery's columns
    """The model's inputs as SQL over the feature subquery `f` (standardised like
    `design_matrix` + `_standardised`: unknown = the training average = 0), and the outer
    joins the attribute inputs need."""
    nps = f.c.last_nps
    raw: dict[str, ColumnElement] = {
        "monthly_contract": _flag(f.c.contract_type == "monthly"),
        "multi_year_contract": _flag(f.c.contract_type == "multi-year"),
        "short_tenure": _flag(f.c.tenure_months < 12),
        "detractor": _flag(nps <= 6),
        "passive": _flag(nps.between(7, 8)),
        "no_survey": _flag(nps.is_(None)),
        "vip_or_important": _flag(f.c.tier.in_(_HIGH_TIERS)),
    }
    for column, top in _MAX_FACTOR.items():
        raw[column] = case((f.c[column] > top, top), else_=f.c[column])
    for column in churn_stats.NUMERIC_FACTORS:
        value = f.c[column]
        if column in churn_stats.LOGGED_FACTORS:
            value = func.ln(1.0 + case((value > 0, value), else_=0.0))
        raw[column] = value
    joins = []
    attribute_tables: dict[str, object] = {}
    for name in model.means.index:
        if not name.startswith(churn_stats.ATTRIBUTE):
            continue
        attribute, _, level = name.removeprefix(churn_stats.ATTRIBUTE).partition("=")
        if attribute not in attribute_tables:
            table = aliased(CustomerAttribute)
            attribute_tables[attribute] = table
            joins.append(
                (table, and_(table.customer_id == f.c.id, table.name == literal(attribute)))
            )
        table = attribute_tables[attribute]
        raw[name] = _flag(table.value == level) if level else _number(conn, table.value)
    inputs = {}
    for name in model.means.index:
        value = raw[name]
        if name in model.centre.index:
            centre, scale = float(model.centre[name]), float(model.scale[name])
            value = func.coalesce((value - centre) / scale, 0.0)
        inputs[name] = value
    return inputs, joins


def _linear(model: churn_stats.ChurnModel, inputs: dict[str, ColumnElement]) -> ColumnElement:
    total: ColumnElement = literal(float(model.coefficients["const"]))
    for name, value in inputs.items():
        total = total + float(model.coefficients[name]) * value
    return total


def _scoring_select(conn: Connection, model: churn_stats.ChurnModel, f, model_id: int) -> Select:  # noqa: ANN001
    inputs, joins = _inputs(conn, model, f)
    source = f
    for table, on in joins:
        source = source.outerjoin(table, on)
    return select(
        literal(model_id), f.c.id, _linear(model, inputs), f.c.monthly_revenue
    ).select_from(source)


# --- reading the scores -----------------------------------------------------------------------


def _tier_rank(conn: Connection) -> ColumnElement[int]:
    """The organisation's tier list runs from the lowest tier to the highest; the at-risk
    list leads with the highest."""
    tiers = active_codes(conn, "tier")
    ranks = {code: len(tiers) - i for i, code in enumerate(tiers)}
    return case(ranks, value=Customer.tier, else_=len(tiers) + 1) if ranks else literal(0)


def at_risk(
    conn: Connection,
    viewer: Viewer,
    filters: Filters,
    stored: StoredModel,
    minimum: float,
    offset: int = 0,
    limit: int | None = 50,
) -> tuple[pd.DataFrame, int]:
    """The scored customers of the viewer's scope and the filters with a churn probability of
    at least `minimum`, highest tier first and most at risk first, `limit` rows from
    `offset`; and how many there are in all. PII masked for the viewer."""
    conditions = [ChurnScore.model_id == stored.id, *customer_conditions(viewer, filters)]
    threshold = churn_stats.log_odds(minimum)
    if threshold is not None:
        conditions.append(ChurnScore.linear >= threshold)
    joined = ChurnScore.__table__.join(Customer, Customer.id == ChurnScore.customer_id)
    total = conn.execute(select(func.count()).select_from(joined).where(*conditions)).scalar_one()
    stmt = (
        select(
            *churn.LISTED_CUSTOMER,
            ChurnScore.monthly_revenue,
            ChurnScore.linear,
        )
        .select_from(joined)
        .where(*conditions)
        .order_by(_tier_rank(conn), ChurnScore.linear.desc(), Customer.id)
        .offset(offset)
        .limit(limit)
    )
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["probability"] = churn_stats.probability(frame.pop("linear"))
    return mask_frame(frame, viewer, {"customer": "name"}), int(total)


def probabilities(conn: Connection, stored: StoredModel, ids: list[int]) -> dict[int, float]:
    """The stored churn probability of the customers `ids` (those scored)."""
    out: dict[int, float] = {}
    for i in range(0, len(ids), 500):
        rows = conn.execute(
            select(ChurnScore.customer_id, ChurnScore.linear).where(
                ChurnScore.model_id == stored.id, ChurnScore.customer_id.in_(ids[i : i + 500])
            )
        ).all()
        out.update(
            zip(
                [r.customer_id for r in rows],
                churn_stats.probability([r.linear for r in rows]),
                strict=True,
            )
        )
    return out


def factors(
    conn: Connection, viewer: Viewer, stored: StoredModel, key: ModelKey, ids: list[int]
) -> dict[int, list[str]]:
    """Each listed customer's own top factors (`analytics.churn.score_customers`), computed
    for these customers only, from their features on the scoring day."""
    if stored.model is None or not ids:
        return {}
    out: dict[int, list[str]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        features = churn.customer_features(
            conn, viewer, None, stored.scored_on, basis=key.definition, ids=chunk
        )
        if features.empty:
            continue
        attributes = churn.customer_attributes(conn, viewer, None, chunk)
        features = features.join(
            churn_stats.model_attribute_inputs(stored.model, attributes, features["id"])
        )
        scored = churn_stats.score_customers(stored.model, features)
        out.update(zip(scored["id"], scored["factors"], strict=True))
    return out
