"""Issue 11 #4: walk every write path as users limited to region East, on a database that
holds every region, and prove that nothing outside East changed: the rows of the other
regions (and the organisation-wide tables) hash the same before and after, whatever the
East users tried. Each refused attempt is also checked to be refused, and each allowed one
to have happened, so the test cannot pass by doing nothing."""

import hashlib
import io
from datetime import date

import pytest
from sqlalchemy import func, or_, select

import importer
from data_access import register, user_admin
from data_access.models import (
    Complaint,
    Customer,
    DqRule,
    Invoice,
    Risk,
    RiskAction,
    RiskAppetite,
    RiskAssessment,
    RiskHistory,
    RiskReview,
    RiskTreatment,
    Setting,
    SurveyResponse,
    User,
)
from data_access.register import RiskInput
from data_access.security import Viewer
from data_access.settings import all_settings, appetite, save_appetite, save_settings
from data_access.users import create_user
from quality import records as dq_records
from tests.conftest import _seeded

pytestmark = pytest.mark.db

EAST_RISK = Viewer("east_risk", "risk_manager", "East")
EAST_ANALYST = Viewer("east_analyst", "analyst", "East")
EAST_ADMIN = Viewer("east_admin", "admin", "East")
TODAY = date(2026, 11, 1)

OUTSIDE_RISKS = or_(Risk.region.is_(None), Risk.region != "East")
OUTSIDE_CUSTOMERS = Customer.region != "East"


def _outside(conn) -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row outside region East, per table."""
    outside_customer_ids = select(Customer.id).where(OUTSIDE_CUSTOMERS)
    outside_risk_ids = select(Risk.id).where(OUTSIDE_RISKS)
    queries = {
        "customers": select(Customer).where(OUTSIDE_CUSTOMERS),
        "invoices": select(Invoice).where(Invoice.customer_id.in_(outside_customer_ids)),
        "surveys": select(SurveyResponse).where(
            SurveyResponse.customer_id.in_(outside_customer_ids)
        ),
        "complaints": select(Complaint).where(Complaint.customer_id.in_(outside_customer_ids)),
        "risks": select(Risk).where(OUTSIDE_RISKS),
        **{
            model.__tablename__: select(model).where(model.risk_id.in_(outside_risk_ids))
            for model in (RiskAssessment, RiskTreatment, RiskAction, RiskReview, RiskHistory)
        },
        "users": select(User).where(or_(User.region_scope.is_(None), User.region_scope != "East")),
        "dq_rules": select(DqRule),
        "settings": select(Setting),
        "risk_appetite": select(RiskAppetite),
    }
    state = {}
    for name, stmt in queries.items():
        rows = conn.execute(stmt.order_by(*list(stmt.selected_columns)[:1])).all()
        digest = hashlib.sha256(repr([tuple(map(str, r)) for r in rows]).encode()).hexdigest()
        state[name] = (len(rows), digest)
    return state


def _refused(action, *errors) -> None:
    with pytest.raises(errors or (ValueError, PermissionError, register.RegisterError)):
        action()


def _imported(engine, viewer, table, text, mode="append") -> importer.ImportReport:
    return importer.import_file(
        engine, viewer, table, io.BytesIO(text.encode()), "f.csv", mode, today=TODAY
    )


def _every_workflow_step_is_refused(engine, rid: int, v: int) -> None:
    for write in (
        lambda: register.update_details(engine, EAST_RISK, rid, v, {"title": "taken"}),
        lambda: register.assess(engine, EAST_RISK, rid, v, "current", 1, 1),
        lambda: register.set_treatment(engine, EAST_RISK, rid, v, "Avoid", "why"),
        lambda: register.add_action(engine, EAST_RISK, rid, v, "a", "b", TODAY),
        lambda: register.record_review(engine, EAST_RISK, rid, v, "note"),
        lambda: register.materialise(engine, EAST_RISK, rid, v, "incident"),
        lambda: register.close_risk(engine, EAST_RISK, rid, v),
        lambda: register.reopen_risk(engine, EAST_RISK, rid, v),
    ):
        _refused(write, register.NotAllowedError)


@pytest.fixture
def engine(tmp_path_factory):
    for seeded in _seeded(tmp_path_factory, 300):
        with seeded.begin() as conn:
            for viewer in (EAST_RISK, EAST_ANALYST, EAST_ADMIN):
                create_user(
                    conn,
                    viewer.username,
                    viewer.username,
                    "e@x.cn",
                    "a long password!",
                    viewer.role,
                    "East",
                )
            create_user(conn, "west_user", "West", "w@x.cn", "a long password!", "analyst", "West")
        yield seeded


def test_east_users_change_nothing_outside_east(engine):
    with engine.connect() as conn:
        before = _outside(conn)
        west = conn.execute(select(Customer).where(Customer.region == "West").limit(1)).one()
        east = conn.execute(select(Customer).where(Customer.region == "East").limit(1)).one()
        outside_risk = conn.execute(
            select(Risk).where(Risk.region.is_not(None), Risk.region != "East").limit(1)
        ).first()
        global_risk = conn.execute(select(Risk).where(Risk.region.is_(None)).limit(1)).one()
        settings = all_settings(conn)
        limits = appetite(conn)
        rule = conn.execute(select(DqRule).limit(1)).one()
        east_users_before = conn.execute(
            select(func.count()).select_from(User).where(User.region_scope == "East")
        ).scalar_one()
    assert outside_risk is not None and global_risk is not None

    # --- the register, through every workflow step, on a West and an all-regions risk
    for risk in (outside_risk, global_risk):
        _every_workflow_step_is_refused(engine, risk.id, risk.version)
    for region in ("West", None):
        _refused(
            lambda r=region: register.create_risk(
                engine, EAST_RISK, RiskInput("x", "CHN", "Li", region=r), 2, 2
            ),
            register.ValidationError,
        )
    mine = register.create_risk(
        engine, EAST_RISK, RiskInput("East", "CHN", "Li", region="East"), 2, 2
    )
    _refused(
        lambda: register.update_details(engine, EAST_RISK, mine, 1, {"region": "West"}),
        register.ValidationError,
    )
    register.update_details(engine, EAST_RISK, mine, 1, {"title": "East, renamed"})

    # --- the importer: take over a West customer, West rows, all-region risks
    header = (  # the columns the row below fills, by name
        "external_id,name,email,phone,company,region,industry,segment,tier,channel,lifecycle_stage,"
        "source_system,signup_date,churn_date,churn_reason,contract_type,credit_score,"
        "credit_limit,consent,consent_date,updated_at"
    )

    def customer_row(external_id: str, region: str) -> str:
        return (
            f"{external_id},Taken,,,,{region},Retail,SMB,normal,Direct,maintenance,CRM,"
            "2025-01-01,,,annual,,,,"
        )

    for text, mode in (
        (f"{header}\n{customer_row(west.external_id, 'East')}\n", "upsert"),
        (f"{header}\n{customer_row(west.external_id, 'West')}\n", "upsert"),
        (f"{header}\n{customer_row('NEW-W', 'West')}\n", "append"),
    ):
        assert not _imported(engine, EAST_ANALYST, "customers", text, mode).ok
    columns = "customer_id,period_month,amount,due_date,paid_date,paid_amount,status"
    west_invoice = f"{columns}\n{west.external_id},2026-10-01,1,2026-11-15,,,open\n"
    assert not _imported(engine, EAST_ANALYST, "invoices", west_invoice, "upsert").ok
    survey = "customer_id,responded_on,touchpoint,nps,csat,ces,comment\n"
    assert not _imported(
        engine, EAST_ANALYST, "surveys", survey + f"{west.external_id},2026-10-01,support,1,,,\n"
    ).ok
    complaint = "customer_id,category,severity,channel,opened_at,sla_hours\n"
    assert not _imported(
        engine,
        EAST_ANALYST,
        "complaints",
        complaint + f"{west.external_id},billing,low,phone,2026-10-01 10:00,72\n",
    ).ok
    risk_header = "code,title,category,owner,description,region,segment,tier,likelihood,impact\n"
    for region in ("", "West"):
        text = risk_header + f"R-900,x,CHN,Li,,{region},,,3,3\n"
        assert not _imported(engine, EAST_ANALYST, "risks", text).ok
    allowed = f"{header}\n{customer_row(east.external_id, 'East')}\n"
    assert _imported(engine, EAST_ANALYST, "customers", allowed, "upsert").ok

    # --- organisation-wide objects: rules, settings, appetite, users of other regions
    loaded = {k: getattr(rule, k) for k in dq_records.EDITABLE}
    _refused(lambda: dq_records.update_rule(engine, EAST_ANALYST, rule.id, loaded, {"weight": 9.0}))
    _refused(lambda: dq_records.create_rule(engine, EAST_ANALYST, {"code": "X"}))
    _refused(lambda: save_settings(engine, EAST_ADMIN, {"min_sample_size": 99}, settings))
    category, limit = next(iter(limits.items()))
    _refused(lambda: save_appetite(engine, EAST_ADMIN, {category: limit % 25 + 1}, limits))
    _refused(lambda: user_admin.change_role(engine, EAST_ADMIN, "west_user", "admin", "East", 1))
    _refused(lambda: user_admin.set_active(engine, EAST_ADMIN, "west_user", False, 1))
    _refused(lambda: user_admin.reset_password(engine, EAST_ADMIN, "west_user", "x" * 16, 1))
    _refused(lambda: user_admin.unlock(engine, EAST_ADMIN, "west_user", 1))
    _refused(lambda: user_admin.change_role(engine, EAST_ADMIN, "east_analyst", "admin", None, 1))
    _refused(
        lambda: user_admin.add_user(
            engine, EAST_ADMIN, "wider", "W", "w@x.cn", "x" * 16, "admin", None
        )
    )
    user_admin.add_user(
        engine, EAST_ADMIN, "east_new", "N", "n@x.cn", "a long password!", "analyst", "East"
    )

    with engine.connect() as conn:
        after = _outside(conn)
        east_users_after = conn.execute(
            select(func.count()).select_from(User).where(User.region_scope == "East")
        ).scalar_one()
        renamed = conn.execute(select(Risk.title).where(Risk.id == mine)).scalar_one()
        taken = conn.execute(select(Customer.name).where(Customer.id == east.id)).scalar_one()
    assert after == before
    # The allowed writes happened, so the equality above is not the result of doing nothing.
    assert renamed == "East, renamed" and taken == "Taken"
    assert east_users_after == east_users_before + 1
