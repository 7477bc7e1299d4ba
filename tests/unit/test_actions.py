"""Actions on warnings: creating one, recording its outcome, stale edits, validation, region
scope, the report's save rate and credit loss avoided (against hand computations), the credit
review cadence, the falling-credit list, and the planted effects of the demo actions."""

import math
from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import func, insert, select

from analytics.actions import (
    credit_loss_avoided,
    is_high_risk_credit,
    next_credit_review,
    save_rates,
)
from data_access import actions, audit
from data_access.credit_review import falling_credit_customers, latest_reviews
from data_access.filters import Filters
from data_access.models import AuditLog, CreditScoreHistory, Customer, CustomerAction, Invoice
from data_access.security import Viewer
from data_access.settings import DEFAULTS, get_setting, save_settings, settings_problems
from demo.actions import RECOVERY, SAVE_RATES

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 20, 9, 0)
DUE = date(2026, 12, 5)
RISK = Viewer("risk", "risk_manager")
EAST = Viewer("risk_east", "risk_manager", "East")
EXEC = Viewer("exec", "executive")
ADMIN = Viewer("admin", "admin")
EAST_CUSTOMERS = (1, 2)
WEST_CUSTOMER = 3
Z = 1.959963984540054  # the standard normal's 97.5% quantile


def hand_wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson score interval written out: (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n)."""
    p = k / n
    denominator = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denominator
    margin = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denominator
    return centre - margin, centre + margin


@pytest.fixture
def db(migrated_engine):
    """Two East customers and one West, with credit reviews and an overdue invoice."""
    people = [
        (1, "C-1", "Ann East", "East"),
        (2, "C-2", "Bob East", "East"),
        (3, "C-3", "Cy West", "West"),
    ]
    with migrated_engine.begin() as conn:
        for cid, ext, name, region in people:
            conn.execute(
                insert(Customer).values(
                    id=cid,
                    external_id=ext,
                    name=name,
                    region=region,
                    segment="SMB",
                    tier="Normal",
                    source_system="CRM",
                    signup_date=date(2024, 1, 1),
                    credit_limit=10_000,
                    updated_at=NOW,
                )
            )
        scores = {1: (700, 650), 2: (700, 720), 3: (690, 600)}  # previous, latest
        for cid, (previous, latest) in scores.items():
            for day, score in ((date(2026, 6, 30), previous), (date(2026, 9, 30), latest)):
                conn.execute(
                    insert(CreditScoreHistory).values(
                        customer_id=cid, reviewed_on=day, score=score, credit_limit=10_000
                    )
                )
        conn.execute(  # customer 1 owes 800 of 1,000, due 80 days before 1 November
            insert(Invoice).values(
                customer_id=1,
                period_month=date(2026, 7, 1),
                amount=1000,
                due_date=date(2026, 8, 13),
                paid_amount=200,
                status="overdue",
            )
        )
    return migrated_engine


def create(engine, viewer=RISK, customer=1, kind="retention_offer", **changes):
    values = {
        "customer_id": customer,
        "kind": kind,
        "source": "at_risk",
        "owner": "Li Na",
        "due_date": DUE,
        "amount_at_stake": 1200,
        "note": "offer a 10% discount",
        **changes,
    }
    return actions.create_action(engine, viewer, now=NOW, **values)


def count_actions(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count(CustomerAction.id))).scalar_one()


def test_create_then_record_outcome_is_audited_and_versioned(db):
    with db.connect() as conn:
        before = audit.data_version(conn)
    action_id = create(db)
    with db.connect() as conn:
        rows, total = actions.list_actions(conn, RISK, status="open", on=date(2026, 12, 10))
        assert audit.data_version(conn) > before  # cached views drop
    assert total == 1
    row = rows.iloc[0]
    assert (row["kind"], row["source"], row["status"], row["version"]) == (
        "retention_offer",
        "at_risk",
        "open",
        1,
    )
    assert row["amount_at_stake"] == 1200.0 and bool(row["overdue"])  # due 5 Dec < 10 Dec
    assert row["customer"] != "Ann East"  # a risk manager sees names masked
    new_version = actions.record_outcome(
        db, RISK, action_id, 1, "saved", 1200, date(2026, 11, 20), now=NOW
    )
    assert new_version == 2
    with db.connect() as conn:
        done, _ = actions.list_actions(conn, RISK, status="done")
        logged = conn.execute(
            select(AuditLog.action).where(AuditLog.object_type == "customer_action")
        ).scalars()
        assert list(logged) == ["customer_action_created", "customer_action_outcome"]
    assert done.iloc[0]["outcome"] == "saved" and done.iloc[0]["amount_recovered"] == 1200.0
    assert done.iloc[0]["outcome_at"] == date(2026, 11, 20)


def test_a_stale_outcome_is_refused_and_nothing_changes(db):
    action_id = create(db)
    actions.record_outcome(db, RISK, action_id, 1, "lost", 0, date(2026, 11, 20), now=NOW)
    with pytest.raises(actions.StaleActionError, match="version 2, you edited version 1"):
        actions.record_outcome(db, ADMIN, action_id, 1, "saved", 900, date(2026, 11, 20), now=NOW)
    with db.connect() as conn:
        stored = conn.execute(select(CustomerAction)).one()
    assert (stored.outcome, stored.version) == ("lost", 2)
    # the current version, but the action is closed already
    with pytest.raises(actions.ActionValidationError, match="already has an outcome"):
        actions.record_outcome(db, RISK, action_id, 2, "saved", 0, date(2026, 11, 20), now=NOW)


def test_bad_input_names_each_field_and_value_and_writes_nothing(db):
    with pytest.raises(actions.ActionValidationError) as err:
        create(
            db,
            kind="email",
            source="rumour",
            owner=" ",
            due_date=date(2026, 11, 1),
            amount_at_stake=-5,
        )
    errors = err.value.errors
    assert set(errors) == {"kind", "source", "owner", "due_date", "amount_at_stake"}
    assert "'email'" in errors["kind"] and "'rumour'" in errors["source"]
    assert "2026-11-01 is in the past" in errors["due_date"]
    assert "-5" in errors["amount_at_stake"]
    with pytest.raises(actions.ActionValidationError, match="amount_at_stake: must be an amount"):
        create(db, amount_at_stake="lots")
    with pytest.raises(actions.ActionValidationError, match="customer 99 not found"):
        create(db, customer=99)
    assert count_actions(db) == 0
    with db.connect() as conn:
        assert conn.execute(select(func.count(AuditLog.id))).scalar_one() == 0


def test_an_outcome_must_fit_the_kind_amount_and_date(db):
    offer = create(db)
    collection = create(db, kind="collection_step", source="overdue", amount_at_stake=800)
    with pytest.raises(actions.ActionValidationError) as err:
        actions.record_outcome(db, RISK, offer, 1, "paid", -1, date(2026, 11, 21), now=NOW)
    errors = err.value.errors
    assert "'paid' does not fit a retention_offer action; one of saved, lost" in errors["outcome"]
    assert "-1" in errors["amount_recovered"]
    assert "2026-11-21 is in the future" in errors["outcome_at"]
    with pytest.raises(actions.ActionValidationError, match="900.00 is more than the 800.00"):
        actions.record_outcome(db, RISK, collection, 1, "paid", 900, date(2026, 11, 20), now=NOW)
    with pytest.raises(actions.ActionValidationError, match="before the action was recorded"):
        actions.record_outcome(db, RISK, collection, 1, "paid", 800, date(2026, 11, 1), now=NOW)
    with db.connect() as conn:
        assert set(conn.execute(select(CustomerAction.status)).scalars()) == {"open"}


def test_roles_without_the_permission_are_refused(db):
    with pytest.raises(actions.ActionNotAllowedError):
        create(db, viewer=EXEC)
    action_id = create(db)
    with pytest.raises(actions.ActionNotAllowedError):
        actions.record_outcome(db, EXEC, action_id, 1, "saved", 0, date(2026, 11, 20), now=NOW)
    with db.connect() as conn, pytest.raises(PermissionError):
        actions.list_actions(conn, EXEC)


def test_a_region_scoped_viewer_neither_acts_on_nor_sees_other_regions(db):
    with pytest.raises(actions.ActionValidationError, match=f"customer {WEST_CUSTOMER} not found"):
        create(db, viewer=EAST, customer=WEST_CUSTOMER)
    assert count_actions(db) == 0
    west = create(db, customer=WEST_CUSTOMER)  # an unscoped risk manager may
    east = create(db, viewer=EAST, customer=EAST_CUSTOMERS[1])
    with db.connect() as conn:
        seen, total = actions.list_actions(conn, EAST)
        counts = actions.outcome_counts(conn, EAST)
        everyone, all_total = actions.list_actions(conn, RISK)
    assert total == 1 and list(seen["id"]) == [east] and set(seen["region"]) == {"East"}
    assert all_total == 2 and set(everyone["id"]) == {west, east}
    assert counts.set_index("kind").loc["retention_offer", "actions"] == 1
    with pytest.raises(actions.ActionValidationError, match="not found"):
        actions.record_outcome(db, EAST, west, 1, "saved", 0, date(2026, 11, 20), now=NOW)


def test_the_list_finds_a_customer_by_id_prefix_taken_literally(db):
    first, second = create(db, customer=1), create(db, customer=2)
    west = create(db, customer=WEST_CUSTOMER)
    with db.connect() as conn:

        def found(viewer: Viewer, text: str) -> set[int]:
            rows, total = actions.list_actions(conn, viewer, customer=text)
            assert total == len(rows)
            return set(rows["id"]) if total else set()

        assert found(RISK, "c-2") == {second}  # any case
        assert found(RISK, " C- ") == {first, second, west}  # surrounding blanks ignored
        assert found(RISK, "") == {first, second, west}
        assert found(RISK, "C_1") == set()  # "_" and "%" are literal, not wildcards
        assert found(RISK, "%") == set()
        assert found(RISK, "'; DROP TABLE customer_actions; --") == set()
        assert found(EAST, "C-3") == set()  # another region's customer stays out of scope
    assert count_actions(db) == 3


def test_save_rate_and_its_wilson_interval_match_a_hand_computation(db):
    for k in range(10):
        action_id = create(db, customer=EAST_CUSTOMERS[k % 2])
        outcome = "saved" if k < 6 else "lost"
        actions.record_outcome(db, RISK, action_id, 1, outcome, 0, date(2026, 11, 20), now=NOW)
    create(db, kind="call")  # open: no outcome yet, not in the rate
    with db.connect() as conn:
        counts = actions.outcome_counts(conn, RISK)
    by_kind = counts.set_index("kind")
    assert by_kind.loc["retention_offer", ["actions", "saved", "lost"]].tolist() == [10, 6, 4]
    assert by_kind.loc["call", ["actions", "open"]].tolist() == [1, 1]
    rates = save_rates(counts, min_n=10).set_index("kind")
    low, high = hand_wilson(6, 10)
    offer = rates.loc["retention_offer"]
    assert offer["rate"] == pytest.approx(0.6)
    assert offer["low"] == pytest.approx(low, abs=1e-12)
    assert offer["high"] == pytest.approx(high, abs=1e-12)
    assert (round(low, 4), round(high, 4)) == (0.3127, 0.8318)
    assert pd.isna(rates.loc["call", "rate"])  # no outcome yet
    assert pd.isna(save_rates(counts, min_n=11).set_index("kind").loc["retention_offer", "rate"])


def test_credit_loss_avoided_sums_the_recovered_amounts(db):
    plan = [(1000, "paid", 1000), (500, "partly_paid", 150), (200, "written_off", 0)]
    for stake, outcome, recovered in plan:
        action_id = create(db, kind="collection_step", source="overdue", amount_at_stake=stake)
        actions.record_outcome(
            db, RISK, action_id, 1, outcome, recovered, date(2026, 11, 20), now=NOW
        )
    limit = create(db, kind="credit_limit_change", source="falling_credit", amount_at_stake=0)
    actions.record_outcome(db, RISK, limit, 1, "limit_changed", 0, date(2026, 11, 20), now=NOW)
    with db.connect() as conn:
        counts = actions.outcome_counts(conn, RISK)
    avoided = credit_loss_avoided(counts, min_n=3)
    assert avoided.recovered == 1000 + 150 + 0
    assert avoided.at_stake == 1700
    assert avoided.amount_share == pytest.approx(1150 / 1700)
    assert (avoided.rate.successes, avoided.rate.n) == (2, 3)
    low, high = hand_wilson(2, 3)
    assert avoided.rate.value == pytest.approx(2 / 3)
    assert (avoided.rate.low, avoided.rate.high) == (pytest.approx(low), pytest.approx(high))
    assert not credit_loss_avoided(counts, min_n=4).rate.sufficient
    assert counts.set_index("kind").loc["credit_limit_change", "limit_changed"] == 1


def test_the_credit_review_cadence_rule():
    # high risk: the score fell, or an invoice more than 60 days overdue
    assert is_high_risk_credit(True, None)
    assert is_high_risk_credit(False, 61)
    assert not is_high_risk_credit(False, 60)
    assert not is_high_risk_credit(False, float("nan"))
    last = date(2026, 9, 30)
    assert next_credit_review(last, True, 90, 30) == date(2026, 10, 30)
    assert next_credit_review(last, False, 90, 30) == date(2026, 12, 29)
    assert next_credit_review(None, True, 90, 30) is None
    assert (DEFAULTS["credit_review_days"], DEFAULTS["credit_review_days_high_risk"]) == (90, 30)


def test_credit_review_settings_are_validated():
    assert settings_problems({"credit_review_days": 90, "credit_review_days_high_risk": 30}) == []
    longer = settings_problems({"credit_review_days": 60, "credit_review_days_high_risk": 90})
    assert longer and "90 days is longer than credit_review_days (60)" in longer[0]
    zero = settings_problems({"credit_review_days": 0})
    assert zero == ["credit_review_days: a whole number of days from 1 to 730, got 0"]
    assert settings_problems({"credit_review_days_high_risk": "soon"})


def test_the_falling_credit_list_is_scoped_with_the_drop_and_overdue(db):
    filters = Filters(end_month=date(2026, 10, 1))
    at = date(2026, 11, 1)
    with db.connect() as conn:
        everyone, total = falling_credit_customers(conn, ADMIN, filters, at)
        east, east_total = falling_credit_customers(conn, EAST, filters, at)
        reviews = latest_reviews(conn, EAST, [1, 2, 3])
    assert total == 2 and list(everyone["customer_id"]) == ["C-3", "C-1"]  # largest drop first
    assert east_total == 1
    row = east.iloc[0]
    assert (row["customer_id"], row["previous_score"], row["credit_score"], row["drop"]) == (
        "C-1",
        700,
        650,
        50,
    )
    assert row["overdue"] == 800.0 and row["days_overdue"] == 80
    assert row["last_review"] == date(2026, 9, 30)
    assert row["customer"] != "Ann East"  # masked for a risk manager
    by_id = reviews.set_index("id")
    assert sorted(by_id.index) == [1, 2]  # West's customer 3 is out of scope
    assert bool(by_id.loc[1, "falling"]) and not bool(by_id.loc[2, "falling"])


def test_the_demo_actions_report_recovers_the_planted_rates(seeded_engine):
    min_n = DEFAULTS["min_sample_size"]
    with seeded_engine.connect() as conn:
        counts = actions.outcome_counts(conn, ADMIN)
    rates = save_rates(counts, min_n).set_index("kind")
    for kind, planted in SAVE_RATES.items():
        row = rates.loc[kind]
        assert row["with_outcome"] >= min_n
        assert row["low"] <= planted <= row["high"], (kind, row.to_dict())
    avoided = credit_loss_avoided(counts, min_n)
    planted = RECOVERY["paid"] + RECOVERY["partly_paid"]
    assert avoided.rate.low <= planted <= avoided.rate.high
    assert avoided.recovered > 0


def test_the_cadence_settings_save_and_a_bad_pair_writes_nothing(migrated_engine):
    opened = {"credit_review_days": 90, "credit_review_days_high_risk": 30}
    save_settings(
        migrated_engine,
        ADMIN,
        {"credit_review_days": 120, "credit_review_days_high_risk": 45},
        opened,
    )
    with migrated_engine.connect() as conn:
        assert get_setting(conn, "credit_review_days") == 120
        assert get_setting(conn, "credit_review_days_high_risk") == 45
    bad = {"credit_review_days": 20, "credit_review_days_high_risk": 45}
    with pytest.raises(ValueError, match="45 days is longer than credit_review_days"):
        save_settings(migrated_engine, ADMIN, bad, {"credit_review_days": 120})
    with migrated_engine.connect() as conn:
        assert get_setting(conn, "credit_review_days") == 120
