"""KRI management: define / edit / retire with validation naming field and value, thresholds
against the direction, versions kept, stale edits refused, the region scope, the history
computed at definition (checked against values counted by hand here), retired KRIs leaving the
current states, a KRI turning red queued once per recipient, and the SMTP sender against a
real SMTP server (aiosmtpd) — delivered, and refused then retried."""

import http.server
import json
import socket
import threading
from datetime import date, datetime

import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from alembic import command
from alembic.config import Config
from sqlalchemy import func, insert, select, text, update

from analytics import attention
from data_access import kri, kri_alerts
from data_access import kri_admin as admin
from data_access.models import (
    AuditLog,
    Customer,
    Invoice,
    KeyRiskIndicator,
    KriValue,
    OutboxMessage,
    Risk,
    Setting,
    SurveyResponse,
    User,
)
from data_access.schema import ALEMBIC_INI
from data_access.settings import save_settings, settings_problems
from notify.smtp import SmtpConfig, send_pending
from notify.webhook import post_pending
from quality.runs import seed_rules

pytestmark = pytest.mark.db

RISK = admin.Viewer("risk", "risk_manager")
EAST = admin.Viewer("risk_east", "risk_manager", "East")
EXEC = admin.Viewer("exec", "executive")
NOW = datetime(2026, 11, 20, 10, 0)
OCT = date(2026, 10, 1)
# The 12 months a KRI is computed for: Nov 2025 .. Oct 2026 (the newest invoice month).
MONTHS = [date(2025 + (m > 12), (m - 1) % 12 + 1, 1) for m in range(11, 23)]
# East (CRM) customers' CSAT answers: 10 a month, 8 of them 4 or 5, except October with 4.
EAST_GOOD = {m: (4 if m == OCT else 8) for m in MONTHS}


def _risk(rid, code, region, owner="Li Na"):
    return dict(
        id=rid,
        code=code,
        title=f"Risk {code}",
        description="",
        category="SAT",
        owner=owner,
        region=region,
        status="Assessed",
        inherent_likelihood=3,
        inherent_impact=3,
        current_likelihood=3,
        current_impact=3,
        target_likelihood=2,
        target_impact=2,
        created_at=NOW,
        created_by="risk",
        updated_at=NOW,
        version=1,
    )


@pytest.fixture
def db(migrated_engine):
    """10 East customers (CRM) and 10 West ones (ERP); one CSAT answer each per month; an
    invoice in October (the data's newest month); risks for all regions, East and West."""
    with migrated_engine.begin() as conn:
        seed_rules(conn)
        conn.execute(insert(Setting).values(key="min_sample_size", value="5"))
        for cid in range(1, 21):
            east = cid <= 10
            conn.execute(
                insert(Customer).values(
                    id=cid,
                    external_id=f"C-{cid}",
                    name=f"Customer {cid}",
                    region="East" if east else "West",
                    segment="SMB",
                    tier="normal",
                    source_system="CRM" if east else "ERP",
                    signup_date=date(2024, 1, 1),
                    updated_at=NOW,
                )
            )
        answers = []
        for m in MONTHS:
            for cid in range(1, 21):
                good = cid <= EAST_GOOD[m] if cid <= 10 else True
                answers.append(
                    dict(
                        customer_id=cid,
                        responded_on=m.replace(day=15),
                        touchpoint="support",
                        csat=5 if good else 2,
                    )
                )
        conn.execute(insert(SurveyResponse), answers)
        conn.execute(
            insert(Invoice).values(
                customer_id=1,
                period_month=OCT,
                amount=100,
                due_date=date(2026, 11, 15),
                paid_amount=0,
                status="open",
            )
        )
        conn.execute(
            insert(Risk),
            [
                _risk(1, "R-ALL", None),
                _risk(2, "R-EAST", "East"),
                _risk(3, "R-WEST", "West", owner="Nobody"),
            ],
        )
        conn.execute(
            insert(User).values(
                username="lina",
                name="Li Na",
                email="li.na@example.com",
                password_hash="x",
                role="risk_manager",
                active=True,
                created_at=NOW,
            )
        )
    return migrated_engine


def csat_east(**extra):
    return {
        "risk_id": 2,
        "name": "CSAT East CRM",
        "metric": "csat",
        "scope_region": "East",
        "scope_source": "CRM",
        "direction": "lower_bad",
        "amber_threshold": 0.7,
        "red_threshold": 0.5,
        **extra,
    }


def values(engine, kri_id):
    with engine.connect() as conn:
        return conn.execute(
            select(KriValue.period_month, KriValue.value, KriValue.n, KriValue.state)
            .where(KriValue.kri_id == kri_id)
            .order_by(KriValue.period_month)
        ).all()


def outbox(engine):
    with engine.connect() as conn:
        return conn.execute(select(OutboxMessage).order_by(OutboxMessage.id)).all()


# --- define ------------------------------------------------------------------------------------


def test_define_computes_twelve_months_of_history_at_once(db):
    kri_id = admin.define_kri(db, RISK, csat_east(), now=NOW)
    got = values(db, kri_id)
    assert [r.period_month for r in got] == MONTHS
    # Hand count: 8 of 10 East answers top-2-box (0.8, green), October 4 of 10 (0.4, red).
    assert [(r.value, r.n) for r in got] == [(EAST_GOOD[m] / 10, 10) for m in MONTHS]
    assert [r.state for r in got] == ["green"] * 11 + ["red"]
    with db.connect() as conn:
        row = conn.execute(select(KeyRiskIndicator).where(KeyRiskIndicator.id == kri_id)).one()
        versions = admin.kri_versions(conn, RISK, kri_id)
        actions = (
            conn.execute(select(AuditLog.action).where(AuditLog.object_type == "kri"))
            .scalars()
            .all()
        )
    assert (row.status, row.version, row.created_by, row.created_at) == ("active", 1, "risk", NOW)
    assert list(versions["version"]) == [1] and versions.iloc[0]["change"] == "define"
    assert versions.iloc[0]["scope_source"] == "CRM"
    assert actions == ["kri_defined", "kri_values_computed"]


def test_a_source_scope_counts_only_that_source(db):
    kri_id = admin.define_kri(
        db, RISK, csat_east(scope_region=None, scope_source="ERP", risk_id=1), now=NOW
    )
    # Only the West customers come from ERP: every answer top-2-box, 10 a month.
    assert [(r.value, r.n, r.state) for r in values(db, kri_id)] == [(1.0, 10, "green")] * 12


def test_a_new_red_kri_raises_its_risk_in_needs_attention(db):
    kri_id = admin.define_kri(db, RISK, csat_east(), now=NOW)
    with db.connect() as conn:
        states = kri.latest_kri_states(conn, RISK)
        risks = conn.execute(select(Risk.id, Risk.code, Risk.title)).mappings().all()
    items = attention.kri_items(states, pd.DataFrame(risks))
    assert [(i.kind, i.args["kri"]) for i in items] == [("kri_red", "CSAT East CRM")]
    assert states.set_index("kri_id").loc[kri_id, "state"] == "red"


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"metric": "revenue"}, "metric", "'revenue'"),
        ({"name": "  "}, "name", "required"),
        ({"direction": "sideways"}, "direction", "'sideways'"),
        ({"amber_threshold": 0.4}, "red_threshold", "lower_bad needs amber ≥ red"),
        ({"amber_threshold": 0.5}, "red_threshold", "both 0.5"),
        ({"direction": "higher_bad"}, "red_threshold", "higher_bad needs amber ≤ red"),
        ({"red_threshold": 1.5}, "red_threshold", "1.5 is outside csat's range 0 to 1"),
        ({"amber_threshold": "high"}, "amber_threshold", "'high'"),
        ({"scope_region": "Mars"}, "scope_region", "'Mars'"),
        ({"scope_tier": "gold"}, "scope_tier", "'gold'"),
        ({"scope_source": "fax"}, "scope_source", "'fax'"),
        ({"metric": "nps", "amber_threshold": 20, "red_threshold": 5}, "scope_source", "nps"),
        ({"metric_param": "customers"}, "metric_param", "only a data-quality score"),
        ({"risk_id": 99}, "risk_id", "99"),
    ],
)
def test_bad_definitions_are_refused_naming_field_and_value(db, change, field, fragment):
    with pytest.raises(admin.KriValidationError) as raised:
        admin.define_kri(db, RISK, csat_east(**change), now=NOW)
    assert fragment in raised.value.errors[field]
    with db.connect() as conn:
        assert conn.execute(select(func.count(KeyRiskIndicator.id))).scalar_one() == 0


def test_a_dq_score_needs_a_table_with_rules(db):
    dq = dict(
        metric="dq_score",
        scope_region=None,
        scope_source=None,
        amber_threshold=0.99,
        red_threshold=0.97,
    )
    with pytest.raises(admin.KriValidationError) as raised:
        admin.define_kri(db, RISK, csat_east(**dq, metric_param="payroll"), now=NOW)
    assert "'payroll'" in raised.value.errors["metric_param"]
    with db.connect() as conn:
        assert "customers" in admin.dq_tables(conn)
    assert admin.define_kri(db, RISK, csat_east(**dq, metric_param="customers"), now=NOW) > 0


# --- edit and retire ---------------------------------------------------------------------------


def test_edit_keeps_every_version_and_recomputes_states(db):
    kri_id = admin.define_kri(db, RISK, csat_east(), now=NOW)
    version = admin.edit_kri(db, RISK, kri_id, 1, csat_east(red_threshold=0.3), now=NOW)
    assert version == 2
    assert values(db, kri_id)[-1].state == "amber"  # 0.4: above red 0.3, below amber 0.7
    with db.connect() as conn:
        versions = admin.kri_versions(conn, RISK, kri_id)
        detail = conn.execute(
            select(AuditLog.detail).where(AuditLog.action == "kri_edited")
        ).scalar_one()
    assert list(versions["version"]) == [1, 2]
    assert list(versions["red_threshold"]) == [0.5, 0.3]
    assert list(versions["change"]) == ["define", "edit"]
    assert '"red_threshold": [0.5, 0.3]' in detail


def test_a_stale_edit_is_refused_and_nothing_changes(db):
    kri_id = admin.define_kri(db, RISK, csat_east(), now=NOW)
    admin.edit_kri(db, RISK, kri_id, 1, csat_east(name="CSAT East"), now=NOW)
    with pytest.raises(admin.StaleKriError, match="version 2, you edited version 1"):
        admin.edit_kri(db, RISK, kri_id, 1, csat_east(red_threshold=0.2), now=NOW)
    with pytest.raises(admin.StaleKriError):
        admin.retire_kri(db, RISK, kri_id, 1, now=NOW)
    with db.connect() as conn:
        assert admin.kri_definition(conn, RISK, kri_id)["red_threshold"] == 0.5


def test_an_edit_that_changes_nothing_is_refused(db):
    kri_id = admin.define_kri(db, RISK, csat_east(), now=NOW)
    with pytest.raises(admin.KriValidationError, match="nothing changed"):
        admin.edit_kri(db, RISK, kri_id, 1, csat_east(), now=NOW)


def test_a_retired_kri_keeps_its_history_but_leaves_states_and_attention(db):
    kri_id = admin.define_kri(db, RISK, csat_east(), now=NOW)
    before = values(db, kri_id)
    assert admin.retire_kri(db, RISK, kri_id, 1, now=NOW) == 2
    kri.refresh_kris(db)  # a later refresh leaves the retired KRI's values alone
    assert values(db, kri_id) == before
    with db.connect() as conn:
        assert kri.latest_kri_states(conn, RISK).empty
        assert kri.worst_state_per_risk(conn, RISK) == {}
        assert len(kri.kri_history(conn, RISK, kri_id)) == 12
        listed = admin.kri_list(conn, RISK)
        versions = admin.kri_versions(conn, RISK, kri_id)
    assert listed.set_index("kri_id").loc[kri_id, "status"] == "retired"
    assert list(versions["change"]) == ["define", "retire"]
    with pytest.raises(admin.KriValidationError, match="retired"):
        admin.edit_kri(db, RISK, kri_id, 2, csat_east(name="again"), now=NOW)


# --- who may -----------------------------------------------------------------------------------


def test_roles_without_register_rights_may_not_manage_kris(db):
    assert not admin.may_manage(EXEC) and admin.may_manage(RISK)
    with pytest.raises(admin.KriNotAllowedError):
        admin.define_kri(db, EXEC, csat_east(), now=NOW)


def test_a_scoped_manager_manages_only_kris_of_their_region(db):
    # Allowed: an East KRI on the East risk or on a risk for every region.
    east_id = admin.define_kri(db, EAST, csat_east(), now=NOW)
    admin.define_kri(db, EAST, csat_east(risk_id=1, name="on all-region risk"), now=NOW)
    for change, field in (
        ({"scope_region": None}, "scope_region"),
        ({"scope_region": "West"}, "scope_region"),
        ({"risk_id": 3}, "risk_id"),  # the West risk: not found
    ):
        with pytest.raises(admin.KriValidationError) as raised:
            admin.define_kri(db, EAST, csat_east(**change), now=NOW)
        assert field in raised.value.errors
    dq = csat_east(
        metric="dq_score",
        metric_param="customers",
        scope_source=None,
        amber_threshold=0.99,
        red_threshold=0.97,
    )
    with pytest.raises(admin.KriValidationError) as raised:  # runs count per region only
        admin.define_kri(db, EAST, {**dq, "scope_segment": "SMB"}, now=NOW)
    assert "per region only" in raised.value.errors["scope_segment"]
    # A data-quality score of their own region: check runs store each region's counts.
    assert admin.define_kri(db, EAST, dq, now=NOW) > 0
    # A West KRI defined by an unscoped manager is "not found" for the East manager.
    west_id = admin.define_kri(
        db, RISK, csat_east(risk_id=3, scope_region="West", scope_source=None), now=NOW
    )
    with pytest.raises(admin.KriValidationError, match="not found"):
        admin.retire_kri(db, EAST, west_id, 1, now=NOW)
    with db.connect() as conn:
        assert west_id not in set(admin.kri_list(conn, EAST)["kri_id"])
        assert east_id in set(admin.kri_list(conn, EAST)["kri_id"])
        assert admin.kri_versions(conn, EAST, west_id).empty
        assert admin.scope_choices(conn, EAST)["scope_region"] == ("East",)
        assert set(admin.linkable_risks(conn, EAST)["code"]) == {"R-ALL", "R-EAST"}


# --- alerts ------------------------------------------------------------------------------------


def test_turning_red_queues_one_message_per_recipient_once(db):
    kri_id = admin.define_kri(db, RISK, csat_east(), now=NOW)
    rows = outbox(db)
    assert [(r.recipient, r.status, r.channel) for r in rows] == [
        ("li.na@example.com", "pending", "email")
    ]
    assert rows[0].dedupe_key == f"kri_red:{kri_id}:{OCT}:li.na@example.com"
    assert "CSAT East CRM" in rows[0].subject and "0.4" in rows[0].body
    kri.refresh_kris(db)
    kri.refresh_kris(db)
    assert len(outbox(db)) == 1


def test_a_kri_that_stays_red_is_not_announced_again(db):
    kri_id = admin.define_kri(db, RISK, csat_east(), now=NOW)
    with db.begin() as conn:  # as if the message had been delivered and purged
        conn.execute(OutboxMessage.__table__.delete())
    kri.refresh_kris(db)  # October is red before and after: no turn to red
    assert outbox(db) == []
    # An edit that leaves it green, then one that makes it red again: announced again.
    admin.edit_kri(db, RISK, kri_id, 1, csat_east(red_threshold=0.1, amber_threshold=0.2))
    assert outbox(db) == []
    admin.edit_kri(db, RISK, kri_id, 2, csat_east())
    assert [r.dedupe_key for r in outbox(db)] == [f"kri_red:{kri_id}:{OCT}:li.na@example.com"]


def test_a_kri_defined_green_queues_nothing(db):
    admin.define_kri(db, RISK, csat_east(amber_threshold=0.3, red_threshold=0.2), now=NOW)
    assert outbox(db) == []


def test_without_a_user_owner_the_setting_names_the_recipients(db):
    with db.begin() as conn:
        conn.execute(
            insert(Setting).values(
                key="kri_alert_recipients", value='["risk@example.com", "cro@example.com"]'
            )
        )
        # West answers turn bad in October only.
        conn.execute(
            update(SurveyResponse)
            .where(
                SurveyResponse.customer_id > 10, SurveyResponse.responded_on == date(2026, 10, 15)
            )
            .values(csat=1)
        )
    # Risk 3's owner "Nobody" is no user: the setting's two addresses get one message each.
    kri_id = admin.define_kri(
        db, RISK, csat_east(risk_id=3, scope_region="West", scope_source=None), now=NOW
    )
    assert values(db, kri_id)[-1].value == 0.0
    assert sorted(r.recipient for r in outbox(db)) == ["cro@example.com", "risk@example.com"]


def test_recipients_fall_back_to_the_setting(db):
    with db.begin() as conn:
        conn.execute(
            insert(Setting).values(key="kri_alert_recipients", value='["cro@example.com"]')
        )
        assert kri_alerts.recipients(conn, "Nobody") == ["cro@example.com"]
        assert kri_alerts.recipients(conn, "Li Na") == ["li.na@example.com"]


def test_the_recipient_setting_is_validated():
    assert settings_problems({"kri_alert_recipients": ["a@example.com"]}) == []
    problems = settings_problems({"kri_alert_recipients": ["a@example.com", "not-an-address"]})
    assert problems == ["kri_alert_recipients: 'not-an-address' is not an e-mail address"]
    assert (
        "listed twice"
        in settings_problems({"kri_alert_recipients": ["a@example.com", "A@example.com"]})[0]
    )
    assert "a list" in settings_problems({"kri_alert_recipients": "a@example.com"})[0]


# --- the sender --------------------------------------------------------------------------------


class Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope)
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_sender_needs_smtp_host():
    assert SmtpConfig.from_env({}) is None
    with pytest.raises(ValueError, match="SMTP_FROM"):
        SmtpConfig.from_env({"SMTP_HOST": "mail"})
    with pytest.raises(ValueError, match="SMTP_PORT"):
        SmtpConfig.from_env({"SMTP_HOST": "mail", "SMTP_FROM": "a@b.c", "SMTP_PORT": "x"})
    config = SmtpConfig.from_env({"SMTP_HOST": "mail", "SMTP_FROM": "a@b.c", "SMTP_STARTTLS": "1"})
    assert (config.port, config.starttls) == (587, True)


def test_the_sender_delivers_to_a_real_smtp_server(db):
    admin.define_kri(db, RISK, csat_east(), now=NOW)
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        config = SmtpConfig("127.0.0.1", controller.port, "crm-risk@example.com")
        report = send_pending(db, config)
    finally:
        controller.stop()
    assert (report.sent, report.failed) == (1, 0)
    assert len(handler.messages) == 1
    envelope = handler.messages[0]
    assert envelope.mail_from == "crm-risk@example.com"
    assert envelope.rcpt_tos == ["li.na@example.com"]
    text = envelope.content.decode()
    assert "Subject: KRI red: CSAT East CRM (R-EAST)" in text
    row = outbox(db)[0]
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at is not None
    assert send_pending(db, config).sent == 0  # nothing pending any more


def test_a_refused_connection_marks_failed_and_the_next_run_retries(db):
    admin.define_kri(db, RISK, csat_east(), now=NOW)
    port = free_port()  # nothing listens there
    report = send_pending(db, SmtpConfig("127.0.0.1", port, "crm-risk@example.com"))
    assert (report.sent, report.failed) == (0, 1)
    row = outbox(db)[0]
    assert (row.status, row.attempts) == ("failed", 1)
    assert f"cannot connect to 127.0.0.1:{port}" in row.last_error
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        report = send_pending(db, SmtpConfig("127.0.0.1", port, "crm-risk@example.com"))
    finally:
        controller.stop()
    assert report.sent == 1 and len(handler.messages) == 1
    row = outbox(db)[0]
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


def test_without_smtp_host_the_command_sends_nothing_and_says_so(db, monkeypatch, capsys):
    from notify.__main__ import main

    admin.define_kri(db, RISK, csat_east(), now=NOW)
    monkeypatch.delenv("SMTP_HOST", raising=False)
    monkeypatch.setenv("DATABASE_URL", db.url.render_as_string(hide_password=False))
    assert main(["send"]) == 0
    assert "SMTP_HOST is not set; no e-mail was sent" in capsys.readouterr().out
    assert [r.status for r in outbox(db)] == ["pending"]


class _Hook(http.server.BaseHTTPRequestHandler):
    """A real HTTP endpoint: records each POST; answers `status` (a list, first to last)."""

    received: list = []
    statuses: list = []

    def do_POST(self):  # noqa: N802 (the http.server name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(type(self).statuses.pop(0) if type(self).statuses else 204)
        self.end_headers()

    def log_message(self, *args):  # quiet
        pass


def _serve(statuses):
    _Hook.received, _Hook.statuses = [], list(statuses)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_red_kri_posts_to_the_webhook_once_and_a_failure_is_retried(db):
    server = _serve([500])  # the endpoint fails once, then accepts
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks/risk?token=x"
    try:
        save_settings(
            db, admin.Viewer("boss", "admin"), {"kri_alert_webhook": url}, {"kri_alert_webhook": ""}
        )
        kri_id = admin.define_kri(db, RISK, csat_east(), now=NOW)
        hooks = [r for r in outbox(db) if r.channel == "webhook"]
        assert [(r.recipient, r.status) for r in hooks] == [(url, "pending")]
        first = post_pending(db)
        assert (first.sent, first.failed) == (0, 1)
        row = next(r for r in outbox(db) if r.channel == "webhook")
        assert (row.status, row.attempts) == ("failed", 1) and "500" in row.last_error
        second = post_pending(db)
        assert (second.sent, second.failed) == (1, 0)
        assert post_pending(db).sent == 0  # nothing left
    finally:
        server.shutdown()
    path, content_type, body = _Hook.received[-1]
    assert path == "/hooks/risk?token=x" and content_type.startswith("application/json")
    sent = json.loads(body)
    assert (sent["event"], sent["kri_id"], sent["risk"]) == ("kri_red", kri_id, "R-EAST")
    assert sent["value"] < sent["red_threshold"]
    # A refresh of the same month queues nothing again; e-mails are left to their sender.
    kri.refresh_kris(db)
    assert len([r for r in outbox(db) if r.channel == "webhook"]) == 1


def test_the_webhook_setting_is_an_http_url():
    for bad in ("ftp://host/x", "http://", "not a url", "https://h/" + "x" * 300, 5):
        assert any("kri_alert_webhook" in p for p in settings_problems({"kri_alert_webhook": bad}))
    assert settings_problems({"kri_alert_webhook": ""}) == []
    assert settings_problems({"kri_alert_webhook": "https://chat.example.com/hook/1"}) == []


# --- the migration -----------------------------------------------------------------------------


def test_the_migration_keeps_existing_kris_as_active_version_one(migrated_engine):
    cfg = Config(str(ALEMBIC_INI))
    with migrated_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0016")
    with migrated_engine.begin() as conn:
        conn.execute(insert(Risk).values(_risk(1, "R-ALL", None)))
        conn.execute(
            text(
                "insert into kris (id, risk_id, name, metric, scope_region, direction, "
                "amber_threshold, red_threshold) values (7, 1, 'NPS East', 'nps', 'East', "
                "'lower_bad', 20, 5)"
            )
        )
    with migrated_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with migrated_engine.connect() as conn:
        row = conn.execute(select(KeyRiskIndicator).where(KeyRiskIndicator.id == 7)).one()
        versions = admin.kri_versions(conn, RISK, 7)
    assert (row.status, row.version, row.scope_source) == ("active", 1, None)
    assert list(versions["version"]) == [1]
    first = versions.iloc[0]
    assert (first["change"], first["changed_by"], first["name"], first["red_threshold"]) == (
        "define",
        "migration",
        "NPS East",
        5.0,
    )


def test_every_metric_has_a_label_and_a_definition_in_both_languages():
    from components.i18n import load_catalog

    catalog = load_catalog()
    for metric in kri.METRICS:
        for key in (f"kri_admin.metric.{metric}", f"kri_admin.metric_help.{metric}"):
            assert set(catalog[key]) == {"en", "zh"}, key
        assert metric in admin.METRIC_RANGES


def test_a_message_queued_meanwhile_by_another_session_is_skipped_not_an_error(db):
    """Two refreshes racing: the second's insert meets the first's row and skips it."""
    kri_id = admin.define_kri(db, RISK, csat_east(), now=NOW)
    row = outbox(db)[0]
    with db.begin() as conn:
        conn.execute(
            kri_alerts._insert_new(conn),
            [
                {
                    c: getattr(row, c)
                    for c in (
                        "created_at",
                        "channel",
                        "recipient",
                        "subject",
                        "body",
                        "dedupe_key",
                        "status",
                        "attempts",
                    )
                }
            ],
        )
    assert [r.dedupe_key for r in outbox(db)] == [f"kri_red:{kri_id}:{OCT}:li.na@example.com"]


def test_the_demo_has_a_kri_with_two_versions(seeded_engine):
    with seeded_engine.connect() as conn:
        kri_id, version = conn.execute(
            select(KeyRiskIndicator.id, KeyRiskIndicator.version).where(
                KeyRiskIndicator.metric == "overdue_30_share"
            )
        ).one()
        versions = admin.kri_versions(conn, RISK, kri_id)
        current = admin.kri_definition(conn, RISK, kri_id)
    assert version == 2
    assert list(versions["change"]) == ["define", "edit"]
    assert list(versions["red_threshold"]) == [0.10, current["red_threshold"]]
    assert versions.iloc[0]["changed_at"] < versions.iloc[1]["changed_at"]
