"""Duplicate customers (data_access/linkage_store.py): a linkage run over hand-made customers
finds the planted duplicates and stores them; region scope and permissions; stale reviews;
confirm = merge with survivorship rules, nothing lost; undo restores every row exactly and
is refused when it cannot; precision with its Wilson interval."""

from __future__ import annotations

import json
import logging
import math
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, func, insert, select, text, update

from data_access import linkage_store as store
from data_access.customer_merge import CHILD_TABLES
from data_access.models import (
    AuditLog,
    Base,
    ChurnModelFit,
    ChurnScore,
    Complaint,
    CreditScoreHistory,
    Customer,
    CustomerAttribute,
    CustomerMerge,
    CustomerSourceRecord,
    Incident,
    IncidentCustomer,
    Invoice,
    LinkagePair,
    LinkageRun,
    Risk,
    SurveyResponse,
)
from data_access.security import Viewer
from quality.linkage import LinkageOptions
from tests.unit.test_incident_metrics import _incident
from tests.unit.test_incidents import _risk

pytestmark = pytest.mark.db
logging.getLogger("splink").setLevel(logging.ERROR)

ANALYST = Viewer("steward", "analyst")
EAST = Viewer("east_steward", "analyst", "East")
ADMIN = Viewer("boss", "admin")
RISK = Viewer("risk", "risk_manager")
EXEC = Viewer("exec", "executive")
# Small samples keep a run at a few seconds on 2 cores.
OPTIONS = LinkageOptions(threads=1, u_max_pairs=2e5, em_max_pairs=2e5)

GIVEN = (
    "james",
    "mary",
    "robert",
    "patricia",
    "john",
    "jennifer",
    "michael",
    "linda",
    "david",
    "elizabeth",
    "william",
    "barbara",
    "richard",
    "susan",
    "joseph",
    "jessica",
    "thomas",
    "sarah",
    "charles",
    "karen",
    "daniel",
    "nancy",
    "matthew",
    "betty",
)
FAMILY = (
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "torres",
)
STREETS = ("oak", "maple", "cedar", "pine", "elm", "birch", "willow", "aspen", "spruce", "hickory")
CITIES = ("Springfield", "Riverton", "Lakeside", "Hillview", "Fairmont")
SOURCES = ("CRM", "ERP", "billing")
BLANK = {
    "email": None,
    "phone": None,
    "company": None,
    "given_name": None,
    "family_name": None,
    "date_of_birth": None,
    "address_line": None,
    "postcode": None,
    "city": None,
    "national_id": None,
}


def customer(cid: int, region: str, source: str, **values) -> dict:
    row = {
        "id": cid,
        "external_id": f"C-{cid}",
        "name": f"{values.get('given_name') or ''} {values.get('family_name') or ''}".strip(),
        "region": region,
        "segment": "SMB",
        "tier": "normal",
        "source_system": source,
        "signup_date": date(2021, 1, 1),
        "updated_at": datetime(2025, 6, 1, 9, 30),
        "consent": False,
        "credit_limit": Decimal("5000.00"),
        **BLANK,
    }
    row.update(values)
    return row


def background(n: int = 160) -> list[dict]:
    """Distinct people in East and West, and a copy of every tenth with a keying error
    (they teach the model what a match looks like)."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(n):
        g, f = str(rng.choice(GIVEN)), str(rng.choice(FAMILY))
        rows.append(
            customer(
                1000 + i,
                ("East", "West")[i % 2],
                SOURCES[i % 3],
                given_name=g.title(),
                family_name=f.title(),
                date_of_birth=date(
                    int(rng.integers(1945, 2000)),
                    int(rng.integers(1, 13)),
                    int(rng.integers(1, 29)),
                ),
                email=f"{g}.{f}{i}@example.com",
                phone=f"07{rng.integers(100_000_000, 999_999_999)}",
                address_line=f"{rng.integers(1, 200)} {str(rng.choice(STREETS)).title()} Street",
                postcode=f"{rng.integers(10000, 99999)}",
                city=str(rng.choice(CITIES)),
                national_id=f"{rng.integers(10**8, 10**9)}",
            )
        )
    copies = []
    for k, original in enumerate(rows[::10]):
        copy = {**original, "id": 2000 + k, "external_id": f"C-{2000 + k}"}
        copy["source_system"] = SOURCES[(k + 1) % 3]
        if k % 3 == 0:
            copy["email"] = original["email"].replace("example.com", "mail.net")
        elif k % 3 == 1:
            copy["phone"] = None
            copy["family_name"] = original["family_name"][:-1] + "x"
        else:
            copy["address_line"] = original["address_line"].replace("Street", "St")
            copy["national_id"] = None
        copy["name"] = f"{copy['given_name']} {copy['family_name']}"
        copies.append(copy)
    return rows + copies


# The planted duplicates.
SWAP = (1, 2)  # typo in the family name + day and month of birth swapped (CRM vs ERP)
SOURCES_PAIR = (3, 4)  # the same person in CRM and billing, phone with a country prefix
WEST_PAIR = (5, 6)  # West: the same person, another e-mail domain
PLANTED = [
    customer(
        1,
        "East",
        "CRM",
        name="Johanna Vandermeer",
        given_name="Johanna",
        family_name="Vandermeer",
        date_of_birth=date(1987, 4, 11),
        email="johanna.vandermeer@example.com",
        phone=None,
        address_line="12 Kingfisher Crescent",
        postcode="2617",
        city="Belconnen",
        national_id="8812345",
        company="Kingfisher Ltd",
        signup_date=date(2020, 3, 1),
        updated_at=datetime(2026, 5, 1, 8, 0, 0, 123456),
    ),
    customer(
        2,
        "East",
        "ERP",
        name="J. Vandermeir",
        given_name="Johanna",
        family_name="Vandermeir",
        date_of_birth=date(1987, 11, 4),
        email="jo.v@old.example",
        phone="0412 555 019",
        address_line="12 Kingfisher Crescent",
        postcode="2617",
        city="Belconnen",
        national_id="8812345",
        company=None,
        signup_date=date(2022, 7, 1),
        updated_at=datetime(2025, 1, 1, 12, 0),
    ),
    customer(
        3,
        "East",
        "CRM",
        given_name="Liam",
        family_name="O'Brien",
        date_of_birth=date(1979, 3, 22),
        email="liam.obrien@example.org",
        phone="+44 7700 900123",
        address_line="5 Harbour Road",
        postcode="BT1 5GS",
        city="Belfast",
    ),
    customer(
        4,
        "East",
        "billing",
        given_name="Liam",
        family_name="OBrien",
        date_of_birth=date(1979, 3, 22),
        email="liam.obrien@example.org",
        phone="07700900123",
        address_line="5 Harbour Rd",
        postcode="BT15GS",
        city="Belfast",
    ),
    customer(
        5,
        "West",
        "CRM",
        given_name="Mei",
        family_name="Chen",
        date_of_birth=date(1990, 8, 17),
        email="mei.chen@example.com",
        phone="0398765432",
        address_line="40 Lygon Street",
        postcode="3053",
        city="Carlton",
        national_id="7654321",
    ),
    customer(
        6,
        "West",
        "ERP",
        given_name="Mei",
        family_name="Chen",
        date_of_birth=date(1990, 8, 17),
        email="mei.chen@corp.example",
        phone="0398765432",
        address_line="40 Lygon Street",
        postcode="3053",
        city="Carlton",
        national_id="7654321",
    ),
]


def seed(engine, rows: list[dict] | None = None) -> None:
    rows = PLANTED + background() if rows is None else rows
    with engine.begin() as conn:
        conn.execute(insert(Customer), rows)
    if engine.dialect.name == "postgresql":  # explicit ids: move the sequence past them
        with engine.begin() as conn:
            conn.execute(text("select setval('customers_id_seq', (select max(id) from customers))"))


def add_children(engine) -> None:
    """Child rows of every kind for the SWAP pair, with a clash on a source system and on an
    attribute name."""
    with engine.begin() as conn:
        for cid in SWAP:
            for m in (1, 2):
                conn.execute(
                    insert(Invoice).values(
                        customer_id=cid,
                        period_month=date(2026, m, 1),
                        amount=Decimal(f"{100 * cid + m}.25"),
                        due_date=date(2026, m, 28),
                        paid_amount=Decimal("0"),
                        status="open",
                        invoice_number=f"INV-{cid}-{m}",
                        issued_on=date(2026, m, 3 + cid),
                    )
                )
            conn.execute(
                insert(SurveyResponse).values(
                    customer_id=cid,
                    responded_on=date(2026, 2, cid),
                    touchpoint="support",
                    nps=cid + 6,
                    comment=f"comment {cid}",
                )
            )
            conn.execute(
                insert(Complaint).values(
                    customer_id=cid,
                    category="billing",
                    severity="low",
                    channel="phone",
                    opened_at=datetime(2026, 3, cid, 10),
                    sla_hours=48,
                    first_response_due_at=datetime(2026, 3, cid, 14),
                    resolution_due_at=datetime(2026, 3, cid + 2, 10),
                    escalated=False,
                )
            )
            conn.execute(
                insert(CreditScoreHistory).values(
                    customer_id=cid,
                    reviewed_on=date(2026, 1, cid),
                    score=600 + cid,
                    credit_limit=Decimal("1000.50"),
                )
            )
            for source in ("billing", "support" if cid == 1 else "CRM"):
                conn.execute(
                    insert(CustomerSourceRecord).values(
                        customer_id=cid,
                        source_system=source,
                        name=f"src {cid} {source}",
                        updated_at=datetime(2026, 1, 1, cid),
                    )
                )
            for name in ("loyalty_id", f"only_{cid}"):
                conn.execute(
                    insert(CustomerAttribute).values(customer_id=cid, name=name, value=f"v{cid}")
                )
        # Both records affected by incident 1 (a clash), only customer 1 by incident 2.
        conn.execute(insert(Risk).values(_risk(1, None)))
        for iid, started in ((1, datetime(2026, 3, 1, 9)), (2, datetime(2026, 4, 1, 9))):
            conn.execute(insert(Incident).values(_incident(iid, 1, None, started)))
        for iid, cid in ((1, 1), (1, 2), (2, 1)):
            conn.execute(
                insert(IncidentCustomer).values(
                    incident_id=iid, customer_id=cid, source="import", added_at=datetime(2026, 4, 2)
                )
            )
        model_id = conn.execute(
            insert(ChurnModelFit).values(
                churn_basis="contract",
                inactivity_days=0,
                scored_on=date(2026, 6, 1),
                trained_on=date(2026, 1, 1),
                fitted_at=datetime(2026, 6, 1),
                fitted_by="test",
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(ChurnScore),
            [
                {"model_id": model_id, "customer_id": c, "linear": -1.5 + c, "monthly_revenue": 9.5}
                for c in SWAP
            ],
        )


def dump(engine) -> dict[str, list[tuple]]:
    """Every row of customers and of every child table, in a stable order."""
    tables = {"customers": Customer.__table__, **{n: t for n, (t, _, _) in CHILD_TABLES.items()}}
    with engine.connect() as conn:
        return {
            name: sorted(
                (tuple(r) for r in conn.execute(select(table)).all()),
                key=lambda r: tuple(str(v) for v in r),
            )
            for name, table in tables.items()
        }


def counts(engine) -> dict[str, int]:
    return {name: len(rows) for name, rows in dump(engine).items()}


def find_pair(engine, run_id: int, ids: tuple[int, int]):
    with engine.connect() as conn:
        return conn.execute(
            select(LinkagePair).where(
                LinkagePair.run_id == run_id,
                LinkagePair.left_id == min(ids),
                LinkagePair.right_id == max(ids),
            )
        ).first()


def hand_pair(engine, ids: tuple[int, int], scope: str | None = None, status: str = "open") -> int:
    """A run with one pair, without running the engine."""
    now = datetime(2026, 6, 1)
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(LinkageRun).values(
                started_at=now,
                finished_at=now,
                run_by="test",
                region_scope=scope,
                threshold=0.95,
                records=2,
                pairs_compared=1,
                pairs_stored=1,
                clusters=1,
                seconds=0.1,
            )
        ).inserted_primary_key[0]
        return conn.execute(
            insert(LinkagePair).values(
                run_id=run_id,
                left_id=min(ids),
                right_id=max(ids),
                match_weight=12.0,
                probability=0.999,
                contributions="[]",
                prior_weight=-7.0,
                status=status,
            )
        ).inserted_primary_key[0]


# --- schema --------------------------------------------------------------------------------------


def test_models_match_the_migration_and_every_customer_foreign_key_is_merged(migrated_engine):
    with migrated_engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    referencing = {
        table.name
        for table in Base.metadata.tables.values()
        for fk in table.foreign_keys
        if fk.column.table.name == "customers"
    }
    assert referencing <= set(CHILD_TABLES)
    assert "churn_scores" in CHILD_TABLES  # customer_id without a foreign key


# --- runs ----------------------------------------------------------------------------------------


def test_a_run_finds_the_planted_duplicates_and_stores_counts_and_audit(migrated_engine):
    seed(migrated_engine)
    run_id = store.run_linkage(migrated_engine, ANALYST, threshold=0.95, options=OPTIONS)

    with migrated_engine.connect() as conn:
        run = conn.execute(select(LinkageRun).where(LinkageRun.id == run_id)).one()
        stored = conn.execute(
            select(func.count()).select_from(LinkagePair).where(LinkagePair.run_id == run_id)
        ).scalar_one()
        entry = conn.execute(select(AuditLog).where(AuditLog.action == "linkage_run")).one()
        latest = store.latest_run(conn, ANALYST)
        history = store.run_history(conn, ANALYST)
    assert run.records == len(PLANTED) + 176
    assert run.pairs_stored == stored > 0 and run.pairs_compared >= stored
    assert run.clusters >= 3 and run.region_scope is None and run.model_json
    assert entry.username == ANALYST.username and entry.object_id == str(run_id)
    assert json.loads(entry.detail)["pairs_stored"] == stored
    assert latest["id"] == run_id and "model_json" not in latest
    assert history["id"].tolist() == [run_id] and history["open"].iloc[0] == stored
    for ids in (SWAP, SOURCES_PAIR, WEST_PAIR):
        pair = find_pair(migrated_engine, run_id, ids)
        assert pair is not None and pair.probability >= 0.95, ids
        assert pair.status == "open" and pair.version == 1
    swap = find_pair(migrated_engine, run_id, SWAP)
    levels = {c["field"]: c["level"] for c in json.loads(swap.contributions)}
    assert levels["date_of_birth"] == "day and month swapped"
    assert levels["family_name"] == "one typo"
    # the background copies (every tenth person) are found as well
    found = {(p.left_id, p.right_id) for p in _pairs(migrated_engine, run_id, 0.95)}
    assert sum((1000 + 10 * k, 2000 + k) in found for k in range(16)) >= 14
    # no pair of two distinct background people above the threshold
    assert all(r >= 2000 or r < 1000 for _, r in found)


def _pairs(engine, run_id: int, floor: float):
    with engine.connect() as conn:
        return conn.execute(
            select(LinkagePair).where(
                LinkagePair.run_id == run_id, LinkagePair.probability >= floor
            )
        ).all()


def test_zero_and_one_customer_make_an_empty_run(migrated_engine):
    empty = store.run_linkage(migrated_engine, ANALYST, options=OPTIONS)
    seed(migrated_engine, [PLANTED[0]])
    single = store.run_linkage(migrated_engine, ANALYST, options=OPTIONS)
    with migrated_engine.connect() as conn:
        runs = conn.execute(select(LinkageRun).order_by(LinkageRun.id)).all()
        assert store.duplicate_count(conn, ANALYST) == 0
        page, total = store.pair_page(conn, ANALYST, single)
    assert [r.id for r in runs] == [empty, single]
    assert [(r.records, r.pairs_stored, r.clusters) for r in runs] == [(0, 0, 0), (1, 0, 0)]
    assert total == 0 and page.empty and list(page.columns) == store.PAGE_COLUMNS


def test_a_region_scoped_steward_sees_only_their_region(migrated_engine):
    seed(migrated_engine)
    org_run = store.run_linkage(migrated_engine, ADMIN, options=OPTIONS)
    east_run = store.run_linkage(migrated_engine, EAST, options=OPTIONS)
    west_pair = find_pair(migrated_engine, org_run, WEST_PAIR)
    west_ids = {c["id"] for c in PLANTED + background() if c["region"] == "West"}

    with migrated_engine.connect() as conn:
        page, total = store.pair_page(conn, EAST, east_run, status=None, page_size=500)
        assert total == len(page) > 0
        assert not (set(page["left_id"]) | set(page["right_id"])) & west_ids
        assert find_pair(migrated_engine, east_run, WEST_PAIR) is None
        # the organisation's run is not the East steward's, nor its West pair
        assert store.pair_page(conn, EAST, org_run)[1] == 0
        assert store.pair_detail(conn, EAST, west_pair.id) is None
        assert store.latest_run(conn, EAST)["id"] == east_run
        assert store.run_history(conn, EAST)["id"].tolist() == [east_run]
        assert store.run_history(conn, ADMIN)["id"].tolist() == [east_run, org_run]
        # the organisation sees the West pair with its names
        whole, _ = store.pair_page(conn, ADMIN, org_run, page_size=500)
        west = whole[whole["pair_id"] == west_pair.id].iloc[0]
        assert west["left_name"] == "Mei Chen" and west["right_source"] == "ERP"
        assert store.pair_detail(conn, ADMIN, west_pair.id)["left"]["email"] == (
            "mei.chen@example.com"
        )
    with migrated_engine.connect() as conn:
        run = conn.execute(select(LinkageRun).where(LinkageRun.id == east_run)).one()
    assert run.region_scope == "East"
    assert run.records == sum(1 for c in PLANTED + background() if c["region"] == "East")
    with pytest.raises(PermissionError):
        store.review_pair(migrated_engine, EAST, west_pair.id, "rejected", west_pair.version)
    for viewer in (RISK, EXEC):
        with pytest.raises(PermissionError):
            store.run_linkage(migrated_engine, viewer, options=OPTIONS)
        with pytest.raises(PermissionError):
            store.review_pair(migrated_engine, viewer, west_pair.id, "rejected", 1)
    assert find_pair(migrated_engine, org_run, WEST_PAIR).status == "open"


def test_pii_is_masked_in_the_queue_and_the_detail(migrated_engine):
    seed(migrated_engine, PLANTED[:2])
    pair_id = hand_pair(migrated_engine, SWAP)
    contributions = [
        {"field": "family_name", "left": "vandermeer", "right": "vandermeir", "level": "one typo",
         "weight": 4.5},
        {"field": "city", "left": "belconnen", "right": "belconnen", "level": "exact match",
         "weight": 6.0},
        {"field": "national_id", "left": "8812345", "right": "8812345", "level": "exact match",
         "weight": 9.0},
    ]  # fmt: skip
    with migrated_engine.begin() as conn:
        conn.execute(
            update(LinkagePair)
            .where(LinkagePair.id == pair_id)
            .values(contributions=json.dumps(contributions))
        )
    masked = Viewer("rm", "risk_manager")
    with migrated_engine.connect() as conn:
        run_id = conn.execute(select(LinkagePair.run_id)).scalar_one()
        page, _ = store.pair_page(conn, masked, run_id)
        detail = store.pair_detail(conn, masked, pair_id)
        clear = store.pair_detail(conn, ANALYST, pair_id)
    assert page["left_name"].iloc[0] == "Johanna V***"
    fields = detail["fields"].set_index("field")
    assert fields.loc["national_id", "left"] == "****2345"
    assert fields.loc["family_name", "right"] == "v*********"
    assert fields.loc["city", "left"] == "belconnen"  # not identifying alone
    assert detail["left"]["email"] == "j***@example.com"
    assert detail["left"]["date_of_birth"] == "1987-**-**"
    assert clear["fields"]["left"].tolist() == ["vandermeer", "belconnen", "8812345"]
    assert clear["left"]["date_of_birth"] == date(1987, 4, 11)
    assert detail["pair"]["version"] == 1 and detail["pair"]["status"] == "open"
    assert detail["pair"]["prior_weight"] == -7.0


# --- reviews and merges ------------------------------------------------------------------------


def test_a_stale_review_is_refused_and_changes_nothing(migrated_engine):
    seed(migrated_engine, PLANTED)
    add_children(migrated_engine)
    pair_id = hand_pair(migrated_engine, SWAP)
    before = dump(migrated_engine)
    store.review_pair(migrated_engine, ANALYST, pair_id, "rejected", 1)

    with pytest.raises(store.StaleLinkError):
        store.review_pair(migrated_engine, ANALYST, pair_id, "confirmed", 1)

    assert dump(migrated_engine) == before
    with migrated_engine.connect() as conn:
        pair = conn.execute(select(LinkagePair).where(LinkagePair.id == pair_id)).one()
        reviews = conn.execute(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "linkage_review")
        ).scalar_one()
        assert conn.execute(select(func.count()).select_from(CustomerMerge)).scalar_one() == 0
    assert (pair.status, pair.version, pair.reviewed_by) == ("rejected", 2, ANALYST.username)
    assert reviews == 1
    with pytest.raises(store.LinkageError):
        store.review_pair(migrated_engine, ANALYST, pair_id, "maybe", 2)


RULES = {
    "fields": {"name": "longest"},
    "source_ranking": ["ERP", "CRM", "billing", "support"],
}


def test_confirm_merges_with_survivorship_and_undo_restores_every_row(migrated_engine):
    seed(migrated_engine, PLANTED)
    add_children(migrated_engine)
    store.save_survivorship_rules(migrated_engine, ADMIN, RULES, version=0)
    pair_id = hand_pair(migrated_engine, SWAP)
    before, sizes = dump(migrated_engine), counts(migrated_engine)

    store.review_pair(migrated_engine, ANALYST, pair_id, "confirmed", 1)

    with migrated_engine.connect() as conn:
        survivors = conn.execute(select(Customer).where(Customer.id.in_(SWAP))).all()
        merge = conn.execute(select(CustomerMerge)).one()
        pair = conn.execute(select(LinkagePair).where(LinkagePair.id == pair_id)).one()
    # ERP is the most trusted source: customer 2 survives, customer 1 is gone
    assert [c.id for c in survivors] == [2]
    s = survivors[0]
    assert (merge.survivor_id, merge.merged_id, merge.pair_id) == (2, 1, pair_id)
    assert pair.status == "merged" and pair.version == 2
    # name: longest -> "Johanna Vandermeer" (1) over "J. Vandermeir" (2)
    assert s.name == "Johanna Vandermeer"
    # identity fields, most trusted source (ERP, the survivor) where it has a value
    assert (s.family_name, s.date_of_birth, s.national_id) == (
        "Vandermeir",
        date(1987, 11, 4),
        "8812345",
    )
    assert s.company == "Kingfisher Ltd"  # ERP has none: the CRM value
    # contact fields, most recent (1: 2026-05-01) where it has a value
    assert s.email == "johanna.vandermeer@example.com"
    assert s.phone == "0412 555 019"  # the newer record has no phone
    assert s.updated_at == datetime(2026, 5, 1, 8, 0, 0, 123456)
    assert s.external_id == "C-2" and s.source_system == "ERP"
    assert s.last_activity_on == date(2026, 2, 5)  # its own invoices and the moved ones
    # every child row of customer 1 now belongs to 2; nothing lost
    after, after_sizes = dump(migrated_engine), counts(migrated_engine)
    detail = json.loads(merge.detail)
    for name, (table, how, _) in CHILD_TABLES.items():
        assert all(row[list(table.c.keys()).index("customer_id")] != 1 for row in after[name])
        assert after_sizes[name] + len(detail["deleted"].get(name, [])) == sizes[name], name
        if how == "move":
            assert after_sizes[name] == sizes[name]
    assert len(detail["deleted"]["customer_source_records"]) == 1  # billing: 2's own stays
    assert len(detail["deleted"]["customer_attributes"]) == 1  # loyalty_id: 2's value stays
    assert len(detail["deleted"]["churn_scores"]) == 1
    assert len(detail["deleted"]["incident_customers"]) == 1  # incident 1: 2's row stays
    assert len(detail["moved"]["incident_customers"]) == 1  # incident 2 moves to 2
    assert detail["moved"]["customer_attributes"] == ["only_1"]
    assert len(detail["moved"]["invoices"]) == 2
    with migrated_engine.connect() as conn:
        attributes = dict(
            conn.execute(
                select(CustomerAttribute.name, CustomerAttribute.value).where(
                    CustomerAttribute.customer_id == 2
                )
            ).all()
        )
        history = store.merge_history(conn, ANALYST)
        merges_audited = conn.execute(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "customer_merge")
        ).scalar_one()
    assert attributes == {"loyalty_id": "v2", "only_1": "v1", "only_2": "v2"}
    assert history["merged_external_id"].tolist() == ["C-1"] and merges_audited == 1
    assert after_sizes["customers"] == sizes["customers"] - 1

    store.undo_merge(migrated_engine, ANALYST, merge.id)

    assert dump(migrated_engine) == before
    with migrated_engine.connect() as conn:
        pair = conn.execute(select(LinkagePair).where(LinkagePair.id == pair_id)).one()
        merge = conn.execute(select(CustomerMerge)).one()
        undo_audited = conn.execute(
            select(AuditLog).where(AuditLog.action == "customer_merge_undo")
        ).one()
    assert pair.status == "open" and pair.version == 3
    assert merge.undone_by == ANALYST.username and undo_audited.object_id == str(merge.id)
    with pytest.raises(store.UndoRefusedError, match="already undone"):
        store.undo_merge(migrated_engine, ANALYST, merge.id)


def test_undo_is_refused_while_the_external_id_is_taken(migrated_engine):
    seed(migrated_engine, PLANTED)
    add_children(migrated_engine)
    before = dump(migrated_engine)
    with migrated_engine.begin() as conn:
        merge_id = store.merge_customers(conn, ANALYST, 2, 1)
    with migrated_engine.begin() as conn:  # an import brings C-1 back as a new customer
        conn.execute(insert(Customer).values(customer(99, "East", "CRM", external_id="C-1")))

    with pytest.raises(store.UndoRefusedError, match="C-1"):
        store.undo_merge(migrated_engine, ANALYST, merge_id)

    with migrated_engine.begin() as conn:
        conn.execute(delete(Customer).where(Customer.id == 99))
    store.undo_merge(migrated_engine, ANALYST, merge_id)
    assert dump(migrated_engine) == before


def test_merges_on_one_survivor_are_undone_newest_first(migrated_engine):
    seed(migrated_engine, PLANTED)
    add_children(migrated_engine)
    before = dump(migrated_engine)
    first_pair = hand_pair(migrated_engine, SWAP)
    with migrated_engine.begin() as conn:
        first = store.merge_customers(conn, ANALYST, 2, 1, first_pair)
        second = store.merge_customers(conn, ANALYST, 2, 3)
    # a pair naming the merged-away customer 1 and customer 2 now resolves to one customer
    late_pair = hand_pair(migrated_engine, (1, 2))
    store.review_pair(migrated_engine, ANALYST, late_pair, "confirmed", 1)
    with migrated_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CustomerMerge)).scalar_one() == 2
        assert store.pair_detail(conn, ANALYST, late_pair)["pair"]["left_current_id"] == 2
        history = store.merge_history(conn, ANALYST)
    assert history["merge_id"].tolist() == [second, first]

    with pytest.raises(store.UndoRefusedError, match=f"undo merge {second} first"):
        store.undo_merge(migrated_engine, ANALYST, first)

    store.undo_merge(migrated_engine, ANALYST, second)
    store.undo_merge(migrated_engine, ANALYST, first)
    assert dump(migrated_engine) == before
    with pytest.raises(PermissionError):
        store.undo_merge(migrated_engine, RISK, first)


def test_survivorship_rules_are_validated_admin_only_and_versioned(migrated_engine):
    seed(migrated_engine, PLANTED[:2])
    with migrated_engine.connect() as conn:
        defaults = store.survivorship_rules(conn)
    assert defaults["version"] == 0
    assert defaults["fields"]["email"] == "most_recent"
    assert defaults["fields"]["family_name"] == "most_trusted"
    assert defaults["source_ranking"][:2] == ["CRM", "ERP"]  # the code list's order
    for actor in (ANALYST, Viewer("east_boss", "admin", "East")):
        with pytest.raises(PermissionError):
            store.save_survivorship_rules(migrated_engine, actor, RULES)
    bad = {"fields": {"email": "newest", "shoe_size": "longest"}, "source_ranking": ["SAP"]}
    with pytest.raises(store.LinkageError) as refused:
        store.save_survivorship_rules(migrated_engine, ADMIN, bad)
    assert "email" in str(refused.value) and "shoe_size" in str(refused.value)
    assert "SAP" in str(refused.value)
    store.save_survivorship_rules(migrated_engine, ADMIN, RULES, version=0)
    with pytest.raises(store.StaleLinkError):
        store.save_survivorship_rules(migrated_engine, ADMIN, RULES, version=0)
    with migrated_engine.connect() as conn:
        saved = store.survivorship_rules(conn)
        audited = conn.execute(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "survivorship_update")
        ).scalar_one()
    assert saved["version"] == 1 and saved["source_ranking"][0] == "ERP"
    assert saved["fields"]["name"] == "longest" and saved["fields"]["email"] == "most_recent"
    assert audited == 1


def test_an_end_to_end_review_merges_and_the_duplicate_count_falls(migrated_engine):
    seed(migrated_engine)
    run_id = store.run_linkage(migrated_engine, EAST, options=OPTIONS)
    with migrated_engine.connect() as conn:
        remaining = store.duplicate_count(conn, EAST)
        detail = store.pair_detail(conn, EAST, find_pair(migrated_engine, run_id, SWAP).id)
    assert remaining >= 2 + 8  # two planted East pairs and the East background copies
    fields = detail["fields"].set_index("field")
    assert fields.loc["date_of_birth", "level"] == "day and month swapped"
    assert fields.loc["date_of_birth", "weight"] > 0

    store.review_pair(migrated_engine, EAST, detail["pair"]["id"], "confirmed", 1)

    with migrated_engine.connect() as conn:
        assert store.duplicate_count(conn, EAST) == remaining - 1
        assert conn.execute(select(Customer.id).where(Customer.id.in_(SWAP))).scalars().all() == [
            1
        ]  # default ranking: CRM first
        # the queue lists pairs whose two customers still exist; the merge is in the history
        assert store.pair_page(conn, EAST, run_id, status="merged")[1] == 0
        assert store.merge_history(conn, EAST)["pair_id"].tolist() == [detail["pair"]["id"]]
        assert store.precision(conn, EAST)["confirmed"] == 1


# --- precision -----------------------------------------------------------------------------------


def test_precision_with_a_wilson_interval(migrated_engine):
    seed(migrated_engine, PLANTED)
    for status in ("confirmed", "merged", "confirmed", "rejected", "open"):
        hand_pair(migrated_engine, SWAP, scope="East", status=status)
    hand_pair(migrated_engine, WEST_PAIR, scope="West", status="rejected")

    with migrated_engine.connect() as conn:
        east = store.precision(conn, EAST)
        everyone = store.precision(conn, ANALYST)
        nobody = store.precision(conn, Viewer("n", "analyst", "North"))

    # Wilson score interval by hand: 3 of 4, z = 1.959964
    n, p, z = 4, 0.75, 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert (east["confirmed"], east["rejected"], east["reviewed"]) == (3, 1, 4)
    assert east["precision"] == 0.75
    assert east["low"] == pytest.approx(centre - half, abs=1e-12)
    assert east["high"] == pytest.approx(centre + half, abs=1e-12)
    assert east["low"] == pytest.approx(0.3006418, abs=1e-6)  # a textbook value
    assert (everyone["confirmed"], everyone["rejected"]) == (3, 2)
    assert nobody == {
        "confirmed": 0,
        "rejected": 0,
        "reviewed": 0,
        "precision": None,
        "low": None,
        "high": None,
    }


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory):
    """A demo database of this module's own (a search writes runs and an audit entry)."""
    from tests.conftest import _seeded

    yield from _seeded(tmp_path_factory, 2000)


def test_the_demo_near_duplicates_are_found_and_nothing_else(demo_engine):
    """The seed plants near-duplicate ERP rows (ERP-D…): copies of a customer with the name
    re-spelled, e-mail upper-cased, phone re-formatted, day and month of birth swapped, a
    typo in the family name or the street number dropped. Which base row each copies is
    told by the fields the copy keeps unchanged and linkage never compares (signup date,
    region, segment, tier, credit limit, contract)."""
    run_id = store.run_linkage(demo_engine, ANALYST)
    kept = ["signup_date", "region", "segment", "tier", "credit_limit", "contract_type"]
    with demo_engine.connect() as conn:
        run = conn.execute(select(LinkageRun).where(LinkageRun.id == run_id)).one()
        found = conn.execute(
            select(LinkagePair.left_id, LinkagePair.right_id).where(
                LinkagePair.run_id == run_id, LinkagePair.probability >= run.threshold
            )
        ).all()
        people = pd.read_sql(
            select(Customer.id, Customer.external_id, *(getattr(Customer, k) for k in kept)), conn
        )
    copies = people[people["external_id"].str.startswith("ERP-D")]
    originals = people[~people["external_id"].str.startswith("ERP-D")]
    truth = copies.merge(originals, on=kept, suffixes=("_copy", "_base"))
    assert len(truth) == len(copies) > 0  # every copy has exactly one original
    true_pairs = {tuple(sorted(p)) for p in zip(truth["id_copy"], truth["id_base"], strict=True)}
    predicted = {tuple(sorted(p)) for p in found}
    precision = len(predicted & true_pairs) / len(predicted)
    recall = len(predicted & true_pairs) / len(true_pairs)
    print(f"demo: {len(true_pairs)} planted, precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.95 and recall >= 0.90
