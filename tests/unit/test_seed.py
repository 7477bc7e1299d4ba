"""Seed determinism, invariants and the planted signals, each checked by an independent
computation in the test (SQL / pandas over the raw rows), not by the seed's own helpers."""

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from data_access.models import Base
from demo.seed import seed_demo

pytestmark = pytest.mark.db
AS_OF = date(2026, 11, 1)
TABLES = [t.name for t in Base.metadata.sorted_tables if t.name not in ("users", "audit_log")]


def _dump(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            name: [tuple(r) for r in conn.execute(text(f"select * from {name} order by 1"))]
            for name in TABLES
        }


def _frame(engine: Engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_query(text(sql), conn)


def test_same_seed_gives_identical_data_and_another_seed_differs(tmp_path):
    from data_access.db import make_engine
    from data_access.schema import upgrade_schema

    engines = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        upgrade_schema(engine)
        seed_demo(engine, customers=800, months=12, seed=seed, as_of=AS_OF)
        engines.append(engine)
    a, b, c = (_dump(e) for e in engines)
    assert a == b
    assert a["customers"] != c["customers"] and a["invoices"] != c["invoices"]
    assert len(a["customers"]) == 800


def test_invariants(seeded_engine):
    risks = _frame(seeded_engine, "select * from risks")
    assert 28 <= len(risks) <= 35
    assert set(risks.category) == {
        "SEC",
        "AVL",
        "ACC",
        "SIL",
        "LEG",
        "PRV",
        "SAT",
        "CHN",
        "CRD",
        "CMP",
        "CON",
        "MKT",
        "TEC",
        "ANL",
    }
    latest = _frame(
        seeded_engine,
        """select a.risk_id, a.kind, a.likelihood, a.impact from risk_assessments a
           where a.id = (select max(b.id) from risk_assessments b
                         where b.risk_id = a.risk_id and b.kind = a.kind
                         and b.assessed_at = (select max(c.assessed_at) from risk_assessments c
                                              where c.risk_id = a.risk_id and c.kind = a.kind))""",
    ).set_index(["risk_id", "kind"])
    for r in risks.itertuples():
        for kind in ("inherent", "current", "target"):
            got = latest.loc[(r.id, kind)]
            assert (got.likelihood, got.impact) == (
                getattr(r, f"{kind}_likelihood"),
                getattr(r, f"{kind}_impact"),
            )
    customers = _frame(seeded_engine, "select * from customers")
    assert customers.external_id.is_unique
    churned = customers.dropna(subset=["churn_date"])
    assert (pd.to_datetime(churned.churn_date) >= pd.to_datetime(churned.signup_date)).all()
    assert (pd.to_datetime(customers.signup_date) < pd.Timestamp(AS_OF)).all()
    for sql in (
        "select max(period_month) from invoices",
        "select max(responded_on) from survey_responses",
        "select max(opened_at) from complaints",
        "select max(churn_date) from customers",
    ):
        assert str(_frame(seeded_engine, sql).iloc[0, 0]) < AS_OF.isoformat()
    # Invoices only for months in which the customer was active.
    inv = _frame(seeded_engine, "select customer_id, period_month from invoices").merge(
        customers[["id", "signup_date", "churn_date"]], left_on="customer_id", right_on="id"
    )
    month = pd.to_datetime(inv.period_month)
    signup_month = pd.to_datetime(inv.signup_date).dt.to_period("M").dt.to_timestamp()
    churn = pd.to_datetime(inv.churn_date)
    assert (month >= signup_month).all()
    assert (churn.isna() | (month <= churn)).all()


def test_planted_churn_signal_monthly_contracts(seeded_engine):
    df = _frame(
        seeded_engine,
        "select contract_type, count(*) n, "
        "sum(case when churn_date is not null then 1 else 0 end) churned "
        "from customers group by contract_type",
    ).set_index("contract_type")
    rate = df.churned / df.n
    assert rate["monthly"] > 2 * rate["annual"]


def test_planted_east_nps_drop_and_stable_elsewhere(seeded_engine):
    df = _frame(
        seeded_engine,
        "select c.region, s.responded_on, s.nps from survey_responses s "
        "join customers c on c.id = s.customer_id where s.nps is not null",
    )
    df["recent"] = pd.to_datetime(df.responded_on) >= pd.Timestamp("2026-08-01")

    def nps(part: pd.DataFrame) -> float:
        return 100 * ((part.nps >= 9).mean() - (part.nps <= 6).mean())

    east, west = df[df.region == "East"], df[df.region == "West"]
    assert nps(east[~east.recent]) - nps(east[east.recent]) >= 10
    assert abs(nps(west[~west.recent]) - nps(west[west.recent])) < 10


def test_planted_erp_staleness_and_duplicates(seeded_engine):
    df = _frame(seeded_engine, "select source_system, updated_at, email, name from customers")
    stale = pd.to_datetime(df.updated_at) < pd.Timestamp("2025-11-01")
    share = stale.groupby(df.source_system).mean()
    assert share["ERP"] > 0.5
    assert share.drop("ERP").max() < 0.05
    missing = df.email.isna().groupby(df.source_system).mean()
    assert missing["ERP"] > 3 * missing.drop("ERP").max()
    lowered = df.email.dropna().str.lower()
    assert lowered.duplicated().sum() >= 1  # near-duplicates share an e-mail in another case


def test_planted_register_signals(seeded_engine):
    df = _frame(
        seeded_engine,
        "select r.current_likelihood * r.current_impact score, a.max_score, r.next_review_date "
        "from risks r join risk_appetite a on a.category = r.category where r.closed_at is null",
    )
    assert (df.score > df.max_score).sum() >= 3
    assert (pd.to_datetime(df.next_review_date) < pd.Timestamp(AS_OF)).sum() >= 3


def test_rows_recorded_after_the_seed_get_fresh_ids(tmp_path_factory):
    """The demo rows carry their own ids; on PostgreSQL the id sequences must be moved past
    them, or the first risk or customer recorded afterwards collides with a demo row."""
    import io

    import importer
    from data_access import register
    from data_access.register import RiskInput
    from data_access.security import Viewer
    from tests.conftest import _seeded

    for engine in _seeded(tmp_path_factory, 60):
        with engine.connect() as conn:
            before = conn.execute(text("select max(id) from risks")).scalar_one()
        new = register.create_risk(
            engine, Viewer("risk", "risk_manager"), RiskInput("After seed", "CHN", "Li"), 2, 2
        )
        assert new == before + 1
        header = ",".join(c.name for c in importer.FORMATS["customers"].columns)
        row = "N-1,New,,,,East,Retail,SMB,normal,Direct,maintenance,CRM,2025-01-01,,,annual,,,,"
        report = importer.import_file(
            engine, Viewer("a", "analyst"), "customers", io.BytesIO(f"{header}\n{row}\n".encode())
        )
        assert report.ok and report.inserted == 1
