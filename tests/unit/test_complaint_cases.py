"""Complaint cases: the stage transitions allowed and refused, stale edits, the region scope,
the stage clocks (by hand, with fixed times), the post-resolution satisfaction interval
against a hand computation, the audit trail, and the migration's backfill."""

import math
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import func, insert, select, text

from analytics.complaint_cases import (
    STAGES,
    feedback_estimates,
    next_stage,
    stage_clock,
    stage_due,
    transition_problem,
)
from data_access import audit
from data_access import complaint_cases as cases
from data_access.filters import Filters
from data_access.models import AuditLog, Complaint, ComplaintCaseEvent, Customer
from data_access.schema import ALEMBIC_INI
from data_access.security import HANDLE_COMPLAINTS, Viewer, can

pytestmark = pytest.mark.db

OPENED = datetime(2026, 11, 20, 9, 0)
NOW = datetime(2026, 11, 20, 10, 0)
RISK = Viewer("risk", "risk_manager")
EAST = Viewer("risk_east", "risk_manager", "East")
EXEC = Viewer("exec", "executive")
ANALYST = Viewer("analyst", "analyst")


def _complaint(cid, customer, severity="medium", opened=OPENED, **extra):
    sla = {"low": 120, "medium": 72, "high": 48, "critical": 24}[severity]
    first = {"low": 24, "medium": 12, "high": 8, "critical": 4}[severity]
    return {
        "id": cid,
        "customer_id": customer,
        "category": "billing",
        "severity": severity,
        "channel": "phone",
        "opened_at": opened,
        "sla_hours": sla,
        "first_response_due_at": opened + timedelta(hours=first),
        "resolution_due_at": opened + timedelta(hours=sla),
        "escalated": False,
        "stage": "received",
        "stage_since": opened,
        "version": 1,
        **extra,
    }


@pytest.fixture
def db(migrated_engine):
    """Complaint 1 of an East customer, complaint 2 of a West one; both just received."""
    with migrated_engine.begin() as conn:
        for cid, region in ((1, "East"), (2, "West")):
            conn.execute(
                insert(Customer).values(
                    id=cid,
                    external_id=f"C-{cid}",
                    name=f"Customer {cid}",
                    region=region,
                    segment="SMB",
                    tier="Normal",
                    source_system="CRM",
                    signup_date=date(2024, 1, 1),
                    credit_limit=10_000,
                    updated_at=NOW,
                )
            )
        conn.execute(insert(Complaint).values(_complaint(1, 1)))
        conn.execute(insert(Complaint).values(_complaint(2, 2)))
    return migrated_engine


def stage_of(engine, cid=1):
    with engine.connect() as conn:
        return conn.execute(
            select(Complaint.stage, Complaint.version).where(Complaint.id == cid)
        ).one()


def work_through(engine, viewer=RISK, cid=1, until="resolved"):
    version = 1
    for stage in STAGES[1:]:
        version = cases.advance(engine, viewer, cid, stage, f"to {stage}", version, now=NOW)
        if stage == until:
            return version
    return version


def test_the_roles_that_handle_complaints():
    assert [
        r for r in ("executive", "risk_manager", "analyst", "admin") if can(r, HANDLE_COMPLAINTS)
    ] == [
        "risk_manager",
        "analyst",
        "admin",
    ]


def test_a_case_goes_through_every_stage_to_closed_with_feedback(db):
    with db.connect() as conn:
        before = audit.data_version(conn)
    version = work_through(db)
    assert stage_of(db) == ("resolved", 4)
    version = cases.advance(
        db, RISK, 1, "closed", "asked by phone", version, score=4, comment="ok", now=NOW
    )
    assert version == 5
    with db.connect() as conn:
        row = conn.execute(select(Complaint).where(Complaint.id == 1)).one()
        events = conn.execute(
            select(
                ComplaintCaseEvent.kind, ComplaintCaseEvent.from_stage, ComplaintCaseEvent.to_stage
            ).order_by(ComplaintCaseEvent.id)
        ).all()
        logged = (
            conn.execute(select(AuditLog.action).where(AuditLog.object_type == "complaint"))
            .scalars()
            .all()
        )
        assert audit.data_version(conn) > before
    assert (row.stage, row.feedback, row.feedback_score, row.feedback_comment) == (
        "closed",
        "answered",
        4,
        "ok",
    )
    assert row.first_response_at == NOW and row.resolved_at == NOW and row.closed_at == NOW
    assert [e.to_stage for e in events] == list(STAGES[1:])
    assert events[-1].kind == "close"
    assert logged == ["complaint_stage"] * 4


@pytest.mark.parametrize(
    ("to_stage", "words"),
    [("resolved", "cannot skip"), ("received", "cannot go back"), ("done", "unknown stage")],
)
def test_skips_backward_moves_and_unknown_stages_are_refused(db, to_stage, words):
    cases.advance(db, RISK, 1, "classified", "", 1, now=NOW)
    with pytest.raises(cases.CaseValidationError, match=words) as caught:
        cases.advance(db, RISK, 1, to_stage, "", 2, now=NOW)
    assert "to_stage" in caught.value.errors
    assert stage_of(db) == ("classified", 2)


def test_transition_rules_by_hand():
    assert [next_stage(s) for s in STAGES] == [*STAGES[1:], None]
    assert transition_problem("received", "classified") is None
    assert "next stage is 'classified'" in transition_problem("received", "resolved")
    assert "closed" in transition_problem("closed", "received")


def test_closing_needs_the_answer_or_no_answer(db):
    version = work_through(db)
    with pytest.raises(cases.CaseValidationError, match="satisfaction score"):
        cases.advance(db, RISK, 1, "closed", "", version, now=NOW)
    with pytest.raises(cases.CaseValidationError, match="1 to 5, got 6"):
        cases.advance(db, RISK, 1, "closed", "", version, score=6, now=NOW)
    with pytest.raises(cases.CaseValidationError, match="one or the other"):
        cases.advance(db, RISK, 1, "closed", "", version, score=3, no_answer=True, now=NOW)
    cases.advance(db, RISK, 1, "closed", "no reply", version, no_answer=True, now=NOW)
    with db.connect() as conn:
        row = conn.execute(select(Complaint).where(Complaint.id == 1)).one()
    assert (row.stage, row.feedback, row.feedback_score) == ("closed", "no_answer", None)


def test_a_score_before_closing_is_refused(db):
    with pytest.raises(cases.CaseValidationError, match="only when closing"):
        cases.advance(db, RISK, 1, "classified", "", 1, score=5, now=NOW)


def test_a_stale_version_is_refused_and_nothing_is_written(db):
    cases.advance(db, RISK, 1, "classified", "", 1, now=NOW)
    with pytest.raises(cases.StaleCaseError, match="version 2, you edited version 1"):
        cases.advance(db, ANALYST, 1, "investigating", "", 1, now=NOW)
    with pytest.raises(cases.StaleCaseError):
        cases.escalate(db, RISK, 1, "press", 1, now=NOW)
    assert stage_of(db) == ("classified", 2)


def test_a_scoped_user_cannot_see_or_move_another_regions_complaint(db):
    with pytest.raises(cases.CaseValidationError, match="complaint 2 not found"):
        cases.advance(db, EAST, 2, "classified", "", 1, now=NOW)
    with pytest.raises(cases.CaseValidationError, match="not found"), db.connect() as conn:
        cases.case_view(conn, EAST, 2, NOW)
    assert stage_of(db, 2) == ("received", 1)
    assert cases.advance(db, EAST, 1, "classified", "", 1, now=NOW) == 2


def test_an_executive_may_not_handle_cases(db):
    with pytest.raises(cases.CaseNotAllowedError):
        cases.advance(db, EXEC, 1, "classified", "", 1, now=NOW)
    with pytest.raises(cases.CaseNotAllowedError), db.connect() as conn:
        cases.case_view(conn, EXEC, 1, NOW)


def test_escalation_mediation_owner_and_notes_go_on_the_timeline(db):
    v = cases.assign_owner(db, RISK, 1, "  Li Na ", 1, now=NOW)
    v = cases.advance(db, RISK, 1, "classified", "billing error", v, now=NOW)
    v = cases.escalate(db, RISK, 1, "customer threatens to go to the press", v, now=NOW)
    with pytest.raises(cases.CaseValidationError, match="already escalated"):
        cases.escalate(db, RISK, 1, "again", v, now=NOW)
    v = cases.set_mediation(db, RISK, 1, True, v, "consumer association", now=NOW)
    v = cases.add_note(db, RISK, 1, "called back", v, now=NOW)
    with pytest.raises(cases.CaseValidationError, match="note: is required"):
        cases.add_note(db, RISK, 1, "  ", v, now=NOW)
    with pytest.raises(cases.CaseValidationError, match="owner: is 81 characters"):
        cases.assign_owner(db, RISK, 1, "x" * 81, v, now=NOW)
    with db.connect() as conn:
        view = cases.case_view(conn, RISK, 1, NOW)
    assert (view["owner"], view["escalated"], view["mediation"], view["version"]) == (
        "Li Na",
        True,
        True,
        v,
    )
    assert view["escalation_reason"].startswith("customer threatens")
    assert list(view["events"]["kind"]) == ["owner", "advance", "escalate", "mediation", "note"]
    assert view["next_stage"] == "investigating"


def test_a_resolved_case_cannot_be_escalated(db):
    version = work_through(db)
    with pytest.raises(cases.CaseValidationError, match="resolved case cannot be escalated"):
        cases.escalate(db, RISK, 1, "late anger", version, now=NOW)


def test_stage_clocks_by_hand():
    opened = datetime(2026, 11, 20, 9, 0)
    resolution_due = opened + timedelta(hours=72)
    # received, medium: 12 h first-response allowance from opening → due 21:00.
    due = stage_due("received", "medium", opened, opened, resolution_due)
    assert due == datetime(2026, 11, 20, 21, 0)
    clock = stage_clock(opened, due, datetime(2026, 11, 20, 15, 0))
    assert (clock.state, clock.hours_in_stage, clock.hours_left) == ("on_time", 6.0, 6.0)
    # 3 h left of 12 is the last quarter: due soon (the boundary counts as due soon).
    assert stage_clock(opened, due, datetime(2026, 11, 20, 18, 0)).state == "due_soon"
    assert stage_clock(opened, due, datetime(2026, 11, 20, 17, 59)).state == "on_time"
    late = stage_clock(opened, due, datetime(2026, 11, 20, 23, 30))
    assert (late.state, late.hours_left) == ("overdue", -2.5)
    # classified, critical: 4 h from entering the stage.
    since = datetime(2026, 11, 20, 12, 0)
    assert stage_due("classified", "critical", since, opened, resolution_due) == datetime(
        2026, 11, 20, 16, 0
    )
    # investigating: the resolution SLA from opening; 10 h left of 72 → due soon.
    inv = stage_clock(since, resolution_due, resolution_due - timedelta(hours=10), start=opened)
    assert inv.state == "due_soon" and inv.hours_in_stage == 59.0
    # resolved: a week to ask; closed: no clock.
    assert stage_due("resolved", "low", since, opened, resolution_due) == since + timedelta(days=7)
    assert stage_clock(since, None, NOW).state is None


def test_case_view_reads_the_clock(db):
    with db.connect() as conn:
        view = cases.case_view(conn, RISK, 1, datetime(2026, 11, 20, 22, 0))
    assert view["stage"] == "received" and view["clock"].state == "overdue"
    assert view["due"] == datetime(2026, 11, 20, 21, 0)


def test_feedback_interval_against_a_hand_computation(db):
    scores = [5, 4, 4, 3, 5, 4, 2, 5, 4, 4]  # all resolved within SLA
    with db.begin() as conn:
        for i, score in enumerate(scores, start=10):
            conn.execute(
                insert(Complaint).values(
                    _complaint(
                        i,
                        1,
                        resolved_at=OPENED + timedelta(hours=10),
                        stage="closed",
                        feedback="answered",
                        feedback_score=score,
                    )
                )
            )
        conn.execute(  # breached: resolved after its 72 h
            insert(Complaint).values(
                _complaint(
                    30,
                    1,
                    resolved_at=OPENED + timedelta(hours=100),
                    stage="closed",
                    feedback="answered",
                    feedback_score=2,
                )
            )
        )
        conn.execute(  # another region: not the East viewer's
            insert(Complaint).values(
                _complaint(
                    31, 2, resolved_at=OPENED, stage="closed", feedback="answered", feedback_score=1
                )
            )
        )
    filters = Filters(end_month=date(2026, 11, 1), months=1)
    with db.connect() as conn:
        sums = cases.feedback_sums(conn, EAST, filters)
    assert list(sums["n"]) == [10, 1]
    estimates = feedback_estimates(sums, min_n=10)
    within = estimates["within_sla"]
    n = len(scores)
    mean = sum(scores) / n
    sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / (n - 1))
    half = 2.2621571627409915 * sd / math.sqrt(n)  # t(0.975, 9)
    assert within.value == pytest.approx(mean)
    assert (within.low, within.high) == (pytest.approx(mean - half), pytest.approx(mean + half))
    assert not estimates["breached"].sufficient  # one answer
    assert estimates["all"].n == 11
    assert estimates["all"].value == pytest.approx((sum(scores) + 2) / 11)
    with db.connect() as conn:
        counts = cases.stage_counts(conn, EAST, filters)
    assert counts["closed"] == 11 and counts["received"] == 1


def test_the_migration_backfills_stages(migrated_engine):
    cfg = Config(str(ALEMBIC_INI))
    with migrated_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0015")
    with migrated_engine.begin() as conn:
        conn.execute(
            insert(Customer).values(
                id=1,
                external_id="C-1",
                name="A",
                region="East",
                segment="SMB",
                tier="Normal",
                source_system="CRM",
                signup_date=date(2024, 1, 1),
                credit_limit=1,
                updated_at=NOW,
            )
        )
        for cid, resolved in ((1, "2026-11-21 09:00:00"), (2, None)):
            conn.execute(
                text(
                    "insert into complaints (id, customer_id, category, severity, channel, "
                    "opened_at, resolved_at, sla_hours, first_response_due_at, "
                    "resolution_due_at, escalated) values (:id, 1, 'billing', 'low', 'phone', "
                    "'2026-11-20 09:00:00', :resolved, 120, '2026-11-21 09:00:00', "
                    "'2026-11-25 09:00:00', false)"
                ),
                {"id": cid, "resolved": resolved},
            )
    with migrated_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with migrated_engine.connect() as conn:
        rows = pd.DataFrame(
            conn.execute(
                select(
                    Complaint.id,
                    Complaint.stage,
                    Complaint.stage_since,
                    Complaint.closed_at,
                    Complaint.version,
                    Complaint.mediation,
                    Complaint.feedback,
                ).order_by(Complaint.id)
            ).all()
        )
    assert list(rows["stage"]) == ["closed", "received"]
    assert list(rows["stage_since"]) == [datetime(2026, 11, 21, 9), datetime(2026, 11, 20, 9)]
    assert rows["closed_at"].iloc[0] == datetime(2026, 11, 21, 9)
    assert list(rows["version"]) == [1, 1] and not rows["mediation"].any()
    assert rows["feedback"].isna().all()


def test_complaints_import_takes_a_validated_stage(migrated_engine):
    import io

    import importer

    analyst = Viewer("analyst", "analyst")
    header = (
        "external_id,name,email,phone,company,region,industry,segment,tier,channel,"
        "lifecycle_stage,source_system,signup_date,churn_date,churn_reason,contract_type,"
        "credit_score,credit_limit,consent,consent_date\n"
    )
    customer = (
        "C-1,Wang Fang,wang@example.com,13812345678,Ruida,East,Retail,SMB,normal,Direct,"
        "maintenance,CRM,2025-03-14,,,annual,712,50000,true,2025-03-14\n"
    )

    def run(table, text):
        data = io.BytesIO(text.encode("utf-8"))
        return importer.import_file(
            migrated_engine, analyst, table, data, "f.csv", "append", today=date(2026, 11, 1)
        )

    assert run("customers", header + customer).ok
    head = "customer_id,category,severity,channel,opened_at,resolved_at,sla_hours,stage\n"
    bad = run(
        "complaints",
        head + "C-1,billing,low,phone,2026-10-01 09:00,,120,shelved\n"
        "C-1,billing,low,phone,2026-10-02 09:00,,120,resolved\n",
    )
    reasons = {(p.row, p.column) for p in bad.problems}
    assert (2, "stage") in reasons and (3, "stage") in reasons
    good = run(
        "complaints",
        head + "C-1,billing,low,phone,2026-10-01 09:00,,120,investigating\n"
        "C-1,billing,low,phone,2026-10-02 09:00,2026-10-03 09:00,120,\n",
    )
    assert good.ok, good.problems
    with migrated_engine.connect() as conn:
        stages = conn.execute(
            select(Complaint.stage, Complaint.stage_since).order_by(Complaint.opened_at)
        ).all()
    assert [s.stage for s in stages] == ["investigating", "closed"]
    assert stages[1].stage_since == datetime(2026, 10, 3, 9)


def test_the_demo_plants_stages_and_post_resolution_satisfaction(seeded_engine):
    with seeded_engine.connect() as conn:
        wrong = conn.execute(
            select(Complaint.id).where(
                ((Complaint.resolved_at.is_(None)) & Complaint.stage.in_(("resolved", "closed")))
                | (Complaint.resolved_at.is_not(None) & Complaint.stage.in_(STAGES[:3]))
            )
        ).all()
        stages = dict(
            conn.execute(select(Complaint.stage, func.count()).group_by(Complaint.stage)).all()
        )
        sums = cases.feedback_sums(conn, RISK, Filters(end_month=date(2026, 10, 1), months=24))
    assert wrong == []
    assert stages["closed"] > stages.get("received", 0) > 0
    estimates = feedback_estimates(sums, min_n=10)
    within, breached = estimates["within_sla"], estimates["breached"]
    assert within.sufficient and breached.sufficient
    assert 3.8 < within.value < 4.4 and 2.6 < breached.value < 3.4
    assert breached.high < within.low  # the page can tell them apart
