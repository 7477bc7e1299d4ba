"""Resolved duplicate clusters: the uniqueness rule, the duplicate count and the silo matrix
read them, on hand-made runs whose pairs and expected figures are written out here (no
linkage engine involved). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, text

from data_access import linkage_store as store
from data_access.dq_results import DQ_RESULTS, DQ_RULES
from data_access.linkage_clusters import (
    components,
    cross_system_duplicates,
    duplicate_count,
    store_members,
)
from data_access.models import Customer, LinkageMember, LinkagePair, LinkageRun
from data_access.security import Viewer
from quality import records
from quality.runs import run_checks, seed_rules

pytestmark = pytest.mark.db

ADMIN = Viewer("boss", "admin")
EAST = Viewer("east", "analyst", "East")
WEST = Viewer("west", "analyst", "West")

# id: (region, source system)
CUSTOMERS = {
    1: ("East", "CRM"),
    2: ("East", "ERP"),
    3: ("East", "billing"),
    4: ("West", "CRM"),
    5: ("West", "CRM"),
    6: ("West", "ERP"),
    7: ("East", "CRM"),
    8: ("West", "support"),
}


def _customer(cid: int) -> dict:
    region, source = CUSTOMERS[cid]
    return {
        "id": cid,
        "external_id": f"C-{cid}",
        "name": f"Person {cid}",
        "region": region,
        "segment": "SMB",
        "tier": "normal",
        "source_system": source,
        "signup_date": date(2021, 1, 1),
        "updated_at": datetime(2026, 6, 1),
        "consent": False,
        "credit_limit": Decimal("1000.00"),
    }


def _run(engine, scope: str | None, threshold: float, pairs: list[tuple]) -> int:
    """A stored run with `pairs` (left, right, probability[, status]) and its clusters."""
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(LinkageRun).values(
                started_at=datetime(2026, 11, 1),
                finished_at=datetime(2026, 11, 1),
                run_by="test",
                region_scope=scope,
                threshold=threshold,
                records=len(CUSTOMERS),
                pairs_compared=28,
                pairs_stored=len(pairs),
                clusters=0,
                seconds=1.0,
            )
        ).inserted_primary_key[0]
        for left, right, p, *status in pairs:
            conn.execute(
                insert(LinkagePair).values(
                    run_id=run_id,
                    left_id=left,
                    right_id=right,
                    match_weight=5.0,
                    probability=p,
                    contributions=json.dumps([]),
                    prior_weight=-5.0,
                    status=status[0] if status else "open",
                    version=1,
                )
            )
        store_members(conn, run_id, threshold)
    return int(run_id)


@pytest.fixture
def engine(migrated_engine):
    with migrated_engine.begin() as conn:
        conn.execute(insert(Customer), [_customer(c) for c in CUSTOMERS])
        seed_rules(conn)
    if migrated_engine.dialect.name == "postgresql":
        with migrated_engine.begin() as conn:
            conn.execute(text("select setval('customers_id_seq', 100)"))
    return migrated_engine


def test_components_name_each_cluster_by_its_smallest_id():
    # a star whose centre has the largest id, a chain, and a pair
    edges = [(1, 9), (5, 9), (7, 9), (20, 21), (21, 22), (30, 31)]
    assert components(edges) == {
        1: 1,
        5: 1,
        7: 1,
        9: 1,
        20: 20,
        21: 20,
        22: 20,
        30: 30,
        31: 30,
    }
    assert components([]) == {}


def _members(engine, run_id: int) -> dict[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(LinkageMember.customer_id, LinkageMember.cluster_id).where(
                LinkageMember.run_id == run_id
            )
        ).all()
    return dict(rows)


def test_clusters_leave_out_rejected_and_below_threshold_pairs(engine):
    run_id = _run(
        engine,
        None,
        0.9,
        [(1, 2, 0.99), (2, 3, 0.95), (4, 5, 0.97, "rejected"), (5, 6, 0.6), (7, 8, 0.91)],
    )
    assert _members(engine, run_id) == {1: 1, 2: 1, 3: 1, 7: 7, 8: 7}
    with engine.connect() as conn:
        # 2 and 3 are second records of 1; 8 of 7
        assert duplicate_count(conn, ADMIN) == 3
        assert duplicate_count(conn, EAST) == 2
        assert duplicate_count(conn, WEST) == 1


def _uniqueness(engine, run_id: int) -> dict[str, tuple[int, int]]:
    with engine.connect() as conn:
        rule_id = conn.execute(
            select(DQ_RULES.c.id).where(DQ_RULES.c.code == "CUS_NOT_DUPLICATE")
        ).scalar_one()
        rows = conn.execute(
            select(DQ_RESULTS.c.source_system, DQ_RESULTS.c.checked, DQ_RESULTS.c.passed).where(
                DQ_RESULTS.c.run_id == run_id,
                DQ_RESULTS.c.rule_id == rule_id,
                DQ_RESULTS.c.region.is_(None),  # the all-region rows
            )
        ).all()
    return {r.source_system: (r.checked, r.passed) for r in rows}


def test_the_uniqueness_rule_fails_each_second_record_per_source_system(engine):
    before = run_checks(engine, "test")
    # no search yet: nobody is a duplicate
    assert _uniqueness(engine, before) == {
        "CRM": (4, 4),
        "ERP": (2, 2),
        "billing": (1, 1),
        "support": (1, 1),
    }
    _run(engine, None, 0.9, [(1, 2, 0.99), (2, 3, 0.95), (7, 8, 0.91)])
    after = run_checks(engine, "test")
    assert _uniqueness(engine, after) == {
        "CRM": (4, 4),
        "ERP": (2, 1),  # 2 duplicates 1
        "billing": (1, 0),  # 3 duplicates 1 (through 2)
        "support": (1, 0),  # 8 duplicates 7
    }


def test_rejecting_a_pair_splits_its_cluster_and_merging_resolves_it(engine):
    run_id = _run(engine, None, 0.9, [(1, 2, 0.99), (2, 3, 0.95)])
    with engine.connect() as conn:
        assert duplicate_count(conn, ADMIN) == 2
        pair = conn.execute(
            select(LinkagePair.id).where(LinkagePair.run_id == run_id, LinkagePair.left_id == 2)
        ).scalar_one()
    store.review_pair(engine, ADMIN, pair, "rejected", 1)
    assert _members(engine, run_id) == {1: 1, 2: 1}  # 3 stands alone now
    with engine.connect() as conn:
        assert duplicate_count(conn, ADMIN) == 1
    # taking the rejection back joins 3 again (the confirmation merges 2 and 3)
    store.review_pair(engine, ADMIN, pair, "confirmed", 2)
    with engine.connect() as conn:
        survivors = conn.execute(select(Customer.id).where(Customer.id.in_([1, 2, 3]))).all()
        assert len(survivors) == 2
        assert duplicate_count(conn, ADMIN) == 1  # one of 2/3 still duplicates 1
    first = _pair_of(engine, run_id, 1)
    store.review_pair(engine, ADMIN, first, "confirmed", 1)
    with engine.connect() as conn:
        assert duplicate_count(conn, ADMIN) == 0
        merges = store.merge_history(conn, ADMIN)
    # undoing the last merge brings its duplicate back
    store.undo_merge(engine, ADMIN, int(merges["merge_id"].iloc[0]))
    with engine.connect() as conn:
        assert duplicate_count(conn, ADMIN) == 1


def _pair_of(engine, run_id: int, left: int) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(LinkagePair.id).where(LinkagePair.run_id == run_id, LinkagePair.left_id == left)
        ).scalar_one()


def test_a_later_run_over_a_region_speaks_for_its_customers(engine):
    _run(engine, None, 0.9, [(1, 2, 0.99), (4, 5, 0.99)])
    # a later East-only search found nothing in East: East customers are no duplicates now,
    # West ones still are (the run over all regions still covers West)
    _run(engine, "East", 0.9, [(1, 7, 0.5)])
    with engine.connect() as conn:
        assert duplicate_count(conn, ADMIN) == 1
        assert duplicate_count(conn, EAST) == 0
        assert duplicate_count(conn, WEST) == 1


def test_the_silo_matrix_counts_duplicates_by_their_and_their_originals_system(engine):
    _run(engine, None, 0.9, [(1, 2, 0.99), (1, 3, 0.95), (4, 5, 0.97), (5, 6, 0.93), (3, 6, 0.92)])
    # one cluster {1..6}: original 1 (East, CRM); 2 ERP, 3 billing, 4 CRM, 5 CRM, 6 ERP
    with engine.connect() as conn:
        everyone = cross_system_duplicates(conn, ADMIN)
        west = cross_system_duplicates(conn, WEST)
    table = everyone.set_index(["source_system", "original_system"])["records"].to_dict()
    assert table == {("ERP", "CRM"): 2, ("billing", "CRM"): 1, ("CRM", "CRM"): 2}
    # West sees its own records; their original lives in East: its system is not shown
    assert west.set_index(["source_system", "original_system"])["records"].to_dict() == {
        ("CRM", "other region"): 2,
        ("ERP", "other region"): 1,
    }


def test_failing_rows_name_the_record_each_duplicates_within_scope(engine):
    _run(engine, None, 0.9, [(1, 2, 0.99), (4, 5, 0.97)])
    with engine.connect() as conn:
        rule = (
            conn.execute(select(DQ_RULES).where(DQ_RULES.c.code == "CUS_NOT_DUPLICATE"))
            .one()
            ._asdict()
        )
        rows, total = records.failing_rows(conn, ADMIN, rule, datetime(2026, 11, 26))
        east, east_total = records.failing_rows(conn, EAST, rule, datetime(2026, 11, 26))
    assert total == 2
    assert rows[["customer_id", "duplicate_of"]].values.tolist() == [["C-2", "C-1"], ["C-5", "C-4"]]
    assert east_total == 1 and east["customer_id"].tolist() == ["C-2"]


def test_the_rule_applies_to_customers_only():
    from quality.rules import validate_rule

    rule = {
        "code": "X",
        "table_name": "invoices",
        "column_name": None,
        "dimension": "uniqueness",
        "rule_type": "not_linked_duplicate",
        "params": {},
        "threshold": 0.9,
        "weight": 1.0,
    }
    assert any("applies to 'customers'" in e for e in validate_rule(rule))
    assert validate_rule({**rule, "table_name": "customers"}) == []


def test_the_migration_fills_the_clusters_of_runs_stored_before_it(engine):
    from alembic import command
    from alembic.config import Config

    from data_access.schema import ALEMBIC_INI

    cfg = Config(str(ALEMBIC_INI))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012")
    with engine.begin() as conn:
        assert not conn.execute(
            select(DQ_RULES.c.id).where(DQ_RULES.c.code == "CUS_NOT_DUPLICATE")
        ).all()
        run_id = conn.execute(
            text(
                "insert into linkage_runs (started_at, finished_at, run_by, threshold, records,"
                " pairs_compared, pairs_stored, clusters, seconds) values"
                " ('2026-11-01', '2026-11-01', 't', 0.9, 8, 28, 2, 1, 1.0) returning id"
            )
        ).scalar_one()
        for left, right, p in ((1, 2, 0.99), (2, 3, 0.4)):
            conn.execute(
                text(
                    "insert into linkage_pairs (run_id, left_id, right_id, match_weight,"
                    " probability, contributions, prior_weight, status, version) values"
                    " (:r, :a, :b, 1.0, :p, '[]', -5.0, 'open', 1)"
                ),
                {"r": run_id, "a": left, "b": right, "p": p},
            )
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert _members(engine, run_id) == {1: 1, 2: 1}
    with engine.connect() as conn:
        assert duplicate_count(conn, ADMIN) == 1
        assert (
            conn.execute(
                select(DQ_RULES.c.dimension).where(DQ_RULES.c.code == "CUS_NOT_DUPLICATE")
            ).scalar_one()
            == "uniqueness"
        )
