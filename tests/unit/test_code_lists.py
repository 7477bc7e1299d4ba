"""The organisation's code lists: shipped defaults through the migration, admin edits
(permission, audit, stale refusal, retire, delete only unused), and every consumer reading
the lists instead of the demo's constants: the importer (unknown codes per list, add and
import again, CLI --add-codes), the filters and their URL, the register, user scopes, the
satisfaction focus and the data-quality valid-value rules."""

import io
import json
from datetime import date, datetime

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import insert, select

import importer
from data_access import audit, code_lists, register, user_admin
from data_access.code_lists import CodeListError, StaleCodeError
from data_access.filters import Filters
from data_access.models import Customer, DqRule
from data_access.satisfaction import Focus
from data_access.schema import ALEMBIC_INI
from data_access.security import Viewer
from importer.__main__ import main as importer_cli
from quality.rule_set import DEFAULT_RULES
from quality.rules import evaluate_rule, validate_rule

pytestmark = pytest.mark.db

ADMIN = Viewer("boss", "admin")
EAST_ADMIN = Viewer("east_boss", "admin", "East")
ANALYST = Viewer("analyst", "analyst")
TODAY = date(2026, 11, 1)
HEADER = (
    "external_id,name,email,phone,company,region,industry,segment,tier,channel,"
    "lifecycle_stage,source_system,signup_date,churn_date,churn_reason,contract_type,"
    "credit_score,credit_limit,consent,consent_date"
)
ROW = (
    "{id},Wang Fang,wang@example.com,13812345678,Ruida,{region},Retail,SMB,{tier},Direct,"
    "maintenance,CRM,2025-03-14,,,annual,712,50000,true,2025-03-14"
)


def customers(*rows: tuple[str, str, str]) -> str:
    lines = [ROW.format(id=i, region=r, tier=t) for i, r, t in rows]
    return "\n".join([HEADER, *lines]) + "\n"


def run(engine, text: str, viewer: Viewer = ANALYST, mode: str = "append"):
    data = io.BytesIO(text.encode("utf-8"))
    return importer.import_file(engine, viewer, "customers", data, "f.csv", mode, today=TODAY)


def lists(engine, retired: bool = False) -> dict[str, tuple[str, ...]]:
    with engine.connect() as conn:
        return code_lists.code_lists(conn, include_retired=retired)


def entry(engine, list_name: str, code: str) -> code_lists.CodeEntry:
    with engine.connect() as conn:
        return next(e for e in code_lists.all_entries(conn)[list_name] if e.code == code)


def test_the_migration_ships_the_former_codes_with_both_labels(migrated_engine):
    got = lists(migrated_engine)
    assert got["region"] == ("North", "South", "East", "West", "Central")
    assert got["tier"] == ("normal", "important", "VIP")
    assert set(got) == set(code_lists.LIST_NAMES)
    east = entry(migrated_engine, "region", "East")
    assert (east.label_en, east.label_zh, east.active, east.version) == ("East", "华东", True, 1)
    assert entry(migrated_engine, "industry", "Retail").label_zh == "零售"


def test_an_added_region_imports_and_the_filter_offers_and_accepts_it(migrated_engine):
    refused = run(migrated_engine, customers(("C-1", "Nordics", "normal")))
    assert not refused.ok
    assert (refused.problems[0].row, refused.problems[0].column) == (2, "region")
    assert refused.problems[0].value == "Nordics"
    assert "not in the region list" in refused.problems[0].reason
    end = date(2026, 10, 1)
    assert (
        Filters.from_query_params(
            {"region": "Nordics"}, end, code_lists=lists(migrated_engine)
        ).regions
        == ()
    )

    code_lists.add_code(migrated_engine, ADMIN, "region", "Nordics", "Nordics", "北欧")
    report = run(migrated_engine, customers(("C-1", "Nordics", "normal")))
    assert report.ok and report.inserted == 1
    available = lists(migrated_engine)
    assert available["region"][-1] == "Nordics"  # offered by the sidebar, after the others
    linked = Filters.from_query_params({"region": "Nordics,East"}, end, code_lists=available)
    assert linked.regions == ("East", "Nordics")
    assert Filters.from_query_params(linked.to_query_params(), end, code_lists=available) == linked
    with migrated_engine.connect() as conn:
        assert code_lists.usage_counts(conn, "region") == {"Nordics": 1}
        assert [r.action for r in audit.recent(conn, username="boss")] == ["code_add"]


def test_a_retired_code_is_refused_on_import_but_stored_rows_stay_readable(migrated_engine):
    code_lists.add_code(migrated_engine, ADMIN, "region", "Nordics")
    assert run(migrated_engine, customers(("C-1", "Nordics", "normal"))).ok
    version = entry(migrated_engine, "region", "Nordics").version
    code_lists.set_active(migrated_engine, ADMIN, "region", "Nordics", False, version)

    report = run(migrated_engine, customers(("C-2", "Nordics", "normal")))
    assert not report.ok and report.problems[0].reason == "retired code of the region list"
    assert report.unknown_codes == {}  # retired is not new: reactivate it instead
    assert "Nordics" not in lists(migrated_engine)["region"]
    readable = lists(migrated_engine, retired=True)
    assert "Nordics" in readable["region"]
    linked = Filters.from_query_params(
        {"region": "Nordics"}, date(2026, 10, 1), code_lists=readable
    )
    assert linked.regions == ("Nordics",)
    with migrated_engine.connect() as conn:
        stored = conn.execute(select(Customer.region).where(Customer.external_id == "C-1"))
        assert stored.scalar_one() == "Nordics"
        assert code_lists.usage_counts(conn, "region")["Nordics"] == 1
    # Reactivated, the same file imports.
    version = entry(migrated_engine, "region", "Nordics").version
    code_lists.set_active(migrated_engine, ADMIN, "region", "Nordics", True, version)
    assert run(migrated_engine, customers(("C-2", "Nordics", "normal"))).ok


@pytest.mark.parametrize("actor", [ANALYST, Viewer("risk", "risk_manager"), EAST_ADMIN])
def test_only_unscoped_administrators_change_code_lists(migrated_engine, actor):
    east = entry(migrated_engine, "region", "East")
    changes = [
        lambda: code_lists.add_code(migrated_engine, actor, "region", "Nordics"),
        lambda: code_lists.add_codes(migrated_engine, actor, {"region": ["Nordics"]}),
        lambda: code_lists.relabel(migrated_engine, actor, "region", "East", "Ost", None, 1),
        lambda: code_lists.set_active(migrated_engine, actor, "region", "East", False, 1),
        lambda: code_lists.move(migrated_engine, actor, "region", "East", -1, 1),
        lambda: code_lists.delete_code(migrated_engine, actor, "region", "East", 1),
    ]
    for change in changes:
        with pytest.raises(PermissionError):
            change()
    assert entry(migrated_engine, "region", "East") == east
    assert lists(migrated_engine)["region"] == ("North", "South", "East", "West", "Central")


def test_a_stale_edit_is_refused_and_the_newer_one_kept(migrated_engine):
    code_lists.relabel(migrated_engine, ADMIN, "region", "East", "East coast", "华东沿海", 1)
    for stale in (
        lambda: code_lists.relabel(migrated_engine, ADMIN, "region", "East", "Orient", None, 1),
        lambda: code_lists.set_active(migrated_engine, ADMIN, "region", "East", False, 1),
        lambda: code_lists.move(migrated_engine, ADMIN, "region", "East", 1, 1),
        lambda: code_lists.delete_code(migrated_engine, ADMIN, "region", "East", 1),
    ):
        with pytest.raises(StaleCodeError):
            stale()
    east = entry(migrated_engine, "region", "East")
    assert (east.label_en, east.label_zh, east.active, east.version) == (
        "East coast",
        "华东沿海",
        True,
        2,
    )


def test_reorder_delete_and_bad_codes(migrated_engine):
    code_lists.move(migrated_engine, ADMIN, "region", "Central", -1, 1)
    assert lists(migrated_engine)["region"] == ("North", "South", "East", "Central", "West")
    assert run(migrated_engine, customers(("C-1", "East", "normal"))).ok
    with pytest.raises(CodeListError, match="used by 1 row"):
        code_lists.delete_code(migrated_engine, ADMIN, "region", "East", 1)
    code_lists.add_code(migrated_engine, ADMIN, "region", "Nordics")
    code_lists.delete_code(migrated_engine, ADMIN, "region", "Nordics", 1)
    assert "Nordics" not in lists(migrated_engine, retired=True)["region"]
    for bad in ("", "A,B", "x" * 21, "East"):
        with pytest.raises(CodeListError):
            code_lists.add_code(migrated_engine, ADMIN, "region", bad)
    with pytest.raises(CodeListError):
        code_lists.add_code(migrated_engine, ADMIN, "planets", "Mars")
    with migrated_engine.connect() as conn:
        actions = [r.action for r in audit.recent(conn, username="boss")]
    assert actions == ["code_delete", "code_add", "code_move"]


def test_the_importer_lists_unknown_codes_per_list_and_an_admin_adds_them(migrated_engine):
    text = customers(
        ("C-1", "Nordics", "normal"),
        ("C-2", "Baltics", "gold"),
        ("C-3", "Nordics", "VIP"),
    )
    report = run(migrated_engine, text)
    assert not report.ok and report.problem_count == 4
    assert report.unknown_codes == {"region": ["Nordics", "Baltics"], "tier": ["gold"]}
    assert report.unknown_code_count == 3
    assert {(p.row, p.column, p.value) for p in report.problems} == {
        (2, "region", "Nordics"),
        (3, "region", "Baltics"),
        (3, "tier", "gold"),
        (4, "region", "Nordics"),
    }
    for refused in (ANALYST, EAST_ADMIN):
        with pytest.raises(PermissionError):
            importer.add_unknown_codes(migrated_engine, refused, report)
    assert importer.add_unknown_codes(migrated_engine, ADMIN, report) == 3
    again = run(migrated_engine, text)
    assert again.ok and again.inserted == 3
    assert lists(migrated_engine)["tier"][-1] == "gold"
    with migrated_engine.connect() as conn:
        added = [r for r in audit.recent(conn, username="boss") if r.action == "code_add"]
    assert sorted(r.object_id for r in added) == ["region/Baltics", "region/Nordics", "tier/gold"]


def test_the_command_line_adds_unknown_codes_with_add_codes(
    migrated_engine, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("DATABASE_URL", str(migrated_engine.url.render_as_string(False)))
    path = tmp_path / "customers.csv"
    path.write_text(customers(("C-1", "Nordics", "normal")), encoding="utf-8")
    assert importer_cli(["customers", str(path)]) == 1
    out = capsys.readouterr().out
    assert "Codes not in the lists: region: Nordics" in out and "--add-codes" in out
    assert importer_cli(["customers", str(path), "--add-codes"]) == 0
    out = capsys.readouterr().out
    assert "Added 1 code(s) to the lists: region: Nordics" in out
    assert "Imported 1 row(s) into customers: 1 new" in out
    assert "Nordics" in lists(migrated_engine)["region"]


def _rule(code: str) -> dict:
    return next(dict(r) for r in DEFAULT_RULES if r["code"] == code)


def test_the_valid_region_rule_follows_the_list_and_old_value_rules_still_work(migrated_engine):
    rule = _rule("CUS_REGION_VALID")
    assert rule["params"] == {"code_list": "region"} and validate_rule(rule) == []
    with migrated_engine.begin() as conn:
        for external_id, region in (("C-1", "East"), ("C-2", "Nordics")):
            conn.execute(
                insert(Customer).values(
                    external_id=external_id,
                    name="n",
                    region=region,
                    segment="SMB",
                    tier="normal",
                    source_system="CRM",
                    signup_date=date(2025, 1, 1),
                    updated_at=datetime(2026, 1, 1),
                )
            )
    moment = datetime(2026, 11, 1)

    def passed(r: dict) -> tuple[int, int]:
        with migrated_engine.connect() as conn:
            rows = evaluate_rule(conn, r, moment)
        return sum(c for _, c, _ in rows), sum(p for _, _, p in rows)

    assert passed(rule) == (2, 1)
    code_lists.add_code(migrated_engine, ADMIN, "region", "Nordics")
    assert passed(rule) == (2, 2)  # the same rule, the list as it is now
    frozen = {**rule, "params": {"values": ["East"]}}
    assert validate_rule(frozen) == [] and passed(frozen) == (2, 1)
    assert validate_rule({**rule, "params": {"code_list": "planets"}})


def test_the_migration_points_untouched_default_rules_at_the_lists(migrated_engine):
    """An install from before the lists: its default rule listing the shipped regions follows
    the list after the upgrade; a rule someone edited keeps its own values."""
    cfg = Config(str(ALEMBIC_INI))
    with migrated_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    shipped = ["North", "South", "East", "West", "Central"]
    with migrated_engine.begin() as conn:
        for code, values in (("CUS_REGION_VALID", shipped), ("CUS_TIER_VALID", ["VIP"])):
            conn.execute(
                insert(DqRule).values(
                    code=code,
                    table_name="customers",
                    column_name=code.split("_")[1].lower(),
                    dimension="validity",
                    rule_type="in_set",
                    params=json.dumps({"values": values}),
                )
            )
    with migrated_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with migrated_engine.connect() as conn:
        params = dict(conn.execute(select(DqRule.code, DqRule.params)).all())
    assert json.loads(params["CUS_REGION_VALID"]) == {"code_list": "region"}
    assert json.loads(params["CUS_TIER_VALID"]) == {"values": ["VIP"]}
    assert _rule("CMP_SEVERITY_VALID")["params"]["values"]  # a fixed vocabulary stays fixed


def test_register_and_user_scopes_use_the_lists(migrated_engine):
    risk = register.RiskInput(
        title="Nordic churn", category="CHN", owner="Li Na", description="", region="Nordics"
    )
    with pytest.raises(register.ValidationError):
        register.create_risk(migrated_engine, ADMIN, risk, 3, 4)
    with pytest.raises(user_admin.AdminError, match="unknown region"):
        user_admin.add_user(
            migrated_engine,
            ADMIN,
            "nordic",
            "N",
            "n@example.com",
            "a long passphrase",
            "analyst",
            "Nordics",
        )
    code_lists.add_code(migrated_engine, ADMIN, "region", "Nordics")
    assert register.create_risk(migrated_engine, ADMIN, risk, 3, 4) > 0
    user_admin.add_user(
        migrated_engine,
        ADMIN,
        "nordic",
        "N",
        "n@example.com",
        "a long passphrase",
        "analyst",
        "Nordics",
    )
    with migrated_engine.connect() as conn:
        assert code_lists.usage_counts(conn, "region") == {"Nordics": 2}


def test_the_satisfaction_focus_accepts_codes_from_the_lists():
    organisation = {"region": ("Nordics",), "touchpoint": ("app",)}
    assert Focus.from_param("region:Nordics", organisation) == Focus("region", "Nordics")
    assert Focus.from_param("touchpoint:app", organisation) == Focus("touchpoint", "app")
    assert Focus.from_param("region:East", organisation) is None
    assert Focus.from_param("name:Nordics", organisation) is None
