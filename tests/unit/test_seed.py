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
        header = (  # the columns the row below fills, by name
            "external_id,name,email,phone,company,region,industry,segment,tier,channel,lifecycle_stage,"
            "source_system,signup_date,churn_date,churn_reason,contract_type,credit_score,"
            "credit_limit,consent,consent_date,updated_at"
        )
        row = "N-1,New,,,,East,Retail,SMB,normal,Direct,maintenance,CRM,2025-01-01,,,annual,,,,"
        report = importer.import_file(
            engine, Viewer("a", "analyst"), "customers", io.BytesIO(f"{header}\n{row}\n".encode())
        )
        assert report.ok and report.inserted == 1


CHUNKED_TABLES = (
    "customers",
    "credit_score_history",
    "customer_source_records",
    "invoices",
    "survey_responses",
    "complaints",
)


def test_seed_in_several_chunks_has_consecutive_ids_and_linked_rows(migrated_engine):
    """Four chunks of 300 customers: ids run on from chunk to chunk, every row points at a
    customer, and the amounts per customer are those of a one-piece seed."""
    counts = seed_demo(
        migrated_engine, customers=1200, months=24, seed=9, as_of=AS_OF, chunk_size=300
    )
    with migrated_engine.connect() as conn:

        def one(sql: str) -> int:
            return conn.execute(text(sql)).scalar_one()

        for table in CHUNKED_TABLES:
            n, low, high = conn.execute(
                text(f"select count(*), min(id), max(id) from {table}")
            ).one()
            assert (low, high) == (1, n) and counts[table] == n, table
        for table in CHUNKED_TABLES[1:]:
            orphans = one(
                f"select count(*) from {table} t "
                "left join customers c on c.id = t.customer_id where c.id is null"
            )
            assert orphans == 0, table
        assert one("select count(distinct external_id) from customers") == 1200
        # Near-duplicates are made per chunk: round(300 × 0.6%) = 2 in each of the 4 chunks.
        assert one("select count(*) from customers where external_id like 'ERP-D%'") == 8
    per_customer = {table: counts[table] / 1200 for table in CHUNKED_TABLES}
    # Ranges around the one-piece seed's rates (20,000 customers: 4.6, 1.03, 14.6, 1.17, 0.16).
    assert 3.8 < per_customer["credit_score_history"] < 5.4
    assert 0.95 < per_customer["customer_source_records"] < 1.15
    assert 12 < per_customer["invoices"] < 17
    assert 0.9 < per_customer["survey_responses"] < 1.5
    assert 0.1 < per_customer["complaints"] < 0.25
    assert counts["risks"] >= 28


def test_seed_up_to_one_chunk_does_not_depend_on_the_chunk_size(tmp_path):
    from data_access.db import make_engine
    from data_access.schema import upgrade_schema

    dumps = []
    for name, chunk in (("one", 300), ("default", None)):
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        upgrade_schema(engine)
        extra = {"chunk_size": chunk} if chunk else {}
        seed_demo(engine, customers=300, months=12, seed=5, as_of=AS_OF, **extra)
        dumps.append(_dump(engine))
        engine.dispose()
    assert dumps[0] == dumps[1]


def test_chunks_are_near_equal_and_never_larger_than_asked():
    from demo.seed import _chunk_sizes

    assert _chunk_sizes(20_000, 50_000) == [20_000]
    assert _chunk_sizes(50_000, 50_000) == [50_000]
    assert _chunk_sizes(50_001, 50_000) == [25_001, 25_000]
    assert _chunk_sizes(1_000_000, 50_000) == [50_000] * 20
    assert sum(_chunk_sizes(123_457, 10_000)) == 123_457
    assert max(_chunk_sizes(123_457, 10_000)) <= 10_000


def test_bulk_insert_stores_values_as_sqlalchemy_does(migrated_engine):
    """The seed's bulk writer and SQLAlchemy's insert store the same text / values: dates,
    timestamps with and without microseconds, NULLs, booleans and numerics."""
    from datetime import datetime

    import numpy as np
    from sqlalchemy import insert

    from data_access.models import Complaint, Customer
    from demo import bulk

    customer = {
        "external_id": "X-1",
        "name": "Wang Fang",
        "email": None,
        "phone": "13800000000",
        "region": "East",
        "segment": "SMB",
        "tier": "VIP",
        "source_system": "CRM",
        "signup_date": date(2024, 2, 29),
        "churn_date": None,
        "credit_score": 612,
        "credit_limit": 12345.6,
        "consent": True,
        "updated_at": datetime(2026, 10, 31, 23, 59, 58, 123456),
    }
    complaint = {
        "category": "billing",
        "severity": "high",
        "channel": "web",
        "opened_at": datetime(2026, 1, 2, 3, 4, 5),
        "first_response_at": None,
        "sla_hours": 48,
        "first_response_due_at": datetime(2026, 1, 2, 11, 4, 5),
        "resolution_due_at": datetime(2026, 1, 4, 3, 4, 5),
        "escalated": False,
        "description": "Wrong amount",
    }

    def arrays(row: dict, **extra: object) -> dict:
        out = {}
        for key, value in {**row, **extra}.items():
            if key in ("signup_date", "churn_date"):
                value = np.datetime64(value, "D") if value else np.datetime64("NaT", "D")
            elif key.endswith("_at"):
                value = np.datetime64(value, "us") if value else np.datetime64("NaT", "us")
            out[key] = np.array([value], dtype=None if value is not None else object)
        return out

    with migrated_engine.begin() as conn:
        conn.execute(insert(Customer), [{**customer, "id": 1}])
        bulk.insert_columns(conn, Customer.__table__, arrays(customer, id=2, external_id="X-2"))
        conn.execute(insert(Complaint), [{**complaint, "id": 1, "customer_id": 1}])
        bulk.insert_columns(conn, Complaint.__table__, arrays(complaint, id=2, customer_id=1))
    with migrated_engine.connect() as conn:
        people = [tuple(r) for r in conn.execute(text("select * from customers order by id"))]
        complaints = [tuple(r) for r in conn.execute(text("select * from complaints order by id"))]
    assert people[0][2:] == people[1][2:]  # all but id and external_id
    assert complaints[0][1:] == complaints[1][1:]
