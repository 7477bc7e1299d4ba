"""The customer fields record linkage compares — given and family name, date of birth,
address, postcode, city, national ID: imported (with their English, German and Chinese
headers), checked, masked for viewers without PII, and national IDs hashed with the
organisation's key when the setting asks for it."""

import io
import re
from datetime import date

import pandas as pd
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select

import importer
from data_access.models import Customer, Setting
from data_access.pii import (
    CUSTOMER_PII,
    hash_national_id,
    mask_address,
    mask_birth_date,
    mask_frame,
    mask_national_id,
    mask_postcode,
    normal_national_id,
)
from data_access.schema import ALEMBIC_INI
from data_access.security import Viewer
from data_access.settings import (
    NATIONAL_ID_KEY,
    all_settings,
    national_id_key,
    save_settings,
    settings_problems,
)

pytestmark = pytest.mark.db

ANALYST = Viewer("analyst", "analyst")
ADMIN = Viewer("admin", "admin")
TODAY = date(2026, 11, 1)
BASE = "external_id,region,segment,tier,source_system,signup_date"
BASE_ROW = "C-{n},East,SMB,normal,CRM,2025-03-14"
LINKAGE = "name,given_name,family_name,date_of_birth,address_line,postcode,city,national_id"


def run(engine, text: str, mode: str = "append") -> importer.ImportReport:
    return importer.import_file(
        engine, ANALYST, "customers", io.BytesIO(text.encode()), "f.csv", mode, today=TODAY
    )


def stored(engine, external_id: str) -> Customer:
    with engine.connect() as conn:
        return conn.execute(select(Customer).where(Customer.external_id == external_id)).one()


def csv(header: str, *rows: str) -> str:
    return "\n".join((f"{BASE},{header}", *rows)) + "\n"


def row(n: int, values: str) -> str:
    return f"{BASE_ROW.format(n=n)},{values}"


# --- the migration ------------------------------------------------------------------------------


def test_the_migration_adds_the_columns_and_blocking_indexes(migrated_engine):
    def customer_schema():
        found = inspect(migrated_engine)
        columns = {c["name"]: c for c in found.get_columns("customers")}
        indexes = {i["name"]: i["column_names"] for i in found.get_indexes("customers")}
        return columns, indexes

    columns, indexes = customer_schema()
    for name in ("given_name", "family_name", "date_of_birth", "address_line", "postcode"):
        assert columns[name]["nullable"]
    assert columns["national_id"]["type"].length == 64
    assert indexes["ix_customers_family_birth"] == ["family_name", "date_of_birth"]
    assert indexes["ix_customers_postcode"] == ["postcode"]

    cfg = Config(str(ALEMBIC_INI))
    with migrated_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
    columns, indexes = customer_schema()
    assert "national_id" not in columns and "ix_customers_postcode" not in indexes
    with migrated_engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert "national_id" in customer_schema()[0]


# --- importing ----------------------------------------------------------------------------------


def test_the_new_fields_import_trimmed_and_the_id_stays_text(migrated_engine):
    text = csv(
        LINKAGE,
        row(
            1, "Wang Fang,Fang,Wang,1984-06-02,  88  Century   Avenue ,  200120 , Shanghai ,0012345"
        ),
        row(2, "Li Lei,,,,,,,"),
    )
    report = run(migrated_engine, text)
    assert report.ok, report.problems
    first = stored(migrated_engine, "C-1")
    assert (first.given_name, first.family_name, first.date_of_birth) == (
        "Fang",
        "Wang",
        date(1984, 6, 2),
    )
    assert (first.address_line, first.postcode, first.city) == (
        "88 Century Avenue",
        "200120",
        "Shanghai",
    )
    assert first.national_id == "0012345"  # leading zeros kept: text, never a number
    second = stored(migrated_engine, "C-2")
    # A file with a whole name leaves the parts empty.
    assert (second.name, second.given_name, second.family_name, second.national_id) == (
        "Li Lei",
        None,
        None,
        None,
    )


def test_a_name_is_built_from_given_and_family_name(migrated_engine):
    text = csv(
        "given_name,family_name",
        row(1, "Anna,Müller"),
        row(2, ",Schmidt"),
    )
    report = run(migrated_engine, text)
    assert report.ok, report.problems
    assert stored(migrated_engine, "C-1").name == "Anna Müller"
    assert stored(migrated_engine, "C-2").name == "Schmidt"
    # A name the file gives is kept as it is.
    text = csv("name,given_name,family_name", row(3, "Dr. Anna Müller,Anna,Müller"))
    assert run(migrated_engine, text).ok
    assert stored(migrated_engine, "C-3").name == "Dr. Anna Müller"


def test_a_row_without_any_name_is_refused_naming_the_row(migrated_engine):
    text = csv("name,given_name,family_name", row(1, "Wang Fang,,"), row(2, ",,"))
    report = run(migrated_engine, text)
    assert [(p.row, p.column, p.value) for p in report.problems] == [(3, "name", "")]
    assert "required value is empty" in report.problems[0].reason
    assert "given_name" in report.problems[0].reason


def test_a_file_without_any_name_column_is_refused(migrated_engine):
    report = run(migrated_engine, csv("email", row(1, "a@example.com")))
    assert [(p.row, p.column) for p in report.problems] == [(1, "name")]
    assert report.problems[0].reason.startswith("required column is missing (or give given_name")


def test_a_built_name_that_is_too_long_is_refused(migrated_engine):
    report = run(migrated_engine, csv("given_name,family_name", row(1, f"{'a' * 80},{'b' * 80}")))
    assert [(p.row, p.column) for p in report.problems] == [(2, "name")]
    assert "longer than 120" in report.problems[0].reason


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2026-11-02", "in the future"),
        ("1899-12-31", "before 1900-01-01"),
        ("02.06.84", "not a date"),
    ],
)
def test_an_implausible_date_of_birth_names_row_field_and_value(migrated_engine, value, reason):
    text = csv("name,date_of_birth", row(1, "Wang Fang,1984-06-02"), row(2, f"Li Lei,{value}"))
    report = run(migrated_engine, text)
    assert [(p.row, p.column, p.value) for p in report.problems] == [(3, "date_of_birth", value)]
    assert reason in report.problems[0].reason
    with migrated_engine.connect() as conn:
        assert conn.execute(select(Customer.id)).first() is None  # nothing written


def test_date_of_birth_follows_the_declared_date_format(migrated_engine):
    text = csv("name,date_of_birth", row(1, "Wang Fang,02/06/1984"))
    report = importer.import_file(
        migrated_engine,
        ANALYST,
        "customers",
        io.BytesIO(text.encode()),
        "f.csv",
        today=TODAY,
        date_format="%d/%m/%Y",
    )
    assert report.ok, report.problems
    assert stored(migrated_engine, "C-1").date_of_birth == date(1984, 6, 2)


def test_a_national_id_without_letters_or_digits_is_refused(migrated_engine):
    report = run(migrated_engine, csv("name,national_id", row(1, "Wang Fang, -- ")))
    assert [(p.row, p.column) for p in report.problems] == [(2, "national_id")]


def test_english_german_and_chinese_headers(migrated_engine):
    header = "客户姓名,名,姓,出生日期,地址,邮编,城市,身份证号"
    german = "Vorname,Nachname,Geburtsdatum,Straße,PLZ,Ort,Personalausweisnummer"
    english = "First Name,Last Name,DOB,Street Address,ZIP Code,Town,National ID Number"
    for n, names in enumerate((header, german, english), start=1):
        values = "Wang Fang,Fang,Wang" if n == 1 else "Anna,Müller"
        values += ",1984-06-02,88 Century Avenue,200120,Shanghai,X01"
        report = run(migrated_engine, csv(names, row(n, values)))
        assert report.ok, (names, report.problems)
        assert report.skipped_columns == []
        customer = stored(migrated_engine, f"C-{n}")
        assert (customer.date_of_birth, customer.postcode, customer.national_id) == (
            date(1984, 6, 2),
            "200120",
            "X01",
        )
    assert stored(migrated_engine, "C-2").name == "Anna Müller"
    documented = {r["column"]: r for r in importer.format_table("customers")}
    assert "身份证号" in documented["national_id"]["also accepted"]
    assert documented["name"]["required"] == "yes, or given_name and/or family_name"
    assert documented["date_of_birth"]["type"] == "date"


def test_the_template_carries_the_new_fields_and_imports(migrated_engine):
    text = importer.template_csv("customers")
    header = text.splitlines()[0].split(",")
    assert {"given_name", "family_name", "date_of_birth", "national_id"} <= set(header)
    assert run(migrated_engine, text).ok


# --- hashing national IDs -----------------------------------------------------------------------


def _hashing_on(engine) -> None:
    with engine.connect() as conn:
        opened = {"hash_national_id": all_settings(conn)["hash_national_id"]}
    save_settings(engine, ADMIN, {"hash_national_id": True}, opened)


def test_hashing_on_stores_the_same_keyed_hash_for_the_same_id(migrated_engine):
    assert national_id_key(migrated_engine) is None  # off by default: no key made
    text = csv("name,national_id", row(1, "Wang Fang,0012345"))
    assert run(migrated_engine, text).ok
    assert stored(migrated_engine, "C-1").national_id == "0012345"  # stored before: clear

    _hashing_on(migrated_engine)
    text = csv("name,national_id", row(2, "Li Lei,ab 12-34"), row(3, "Li Lei,AB1234"))
    assert run(migrated_engine, text).ok
    second, third = stored(migrated_engine, "C-2"), stored(migrated_engine, "C-3")
    assert re.fullmatch(r"[0-9a-f]{64}", second.national_id)
    assert second.national_id == third.national_id
    key = national_id_key(migrated_engine)
    assert second.national_id == hash_national_id("AB1234", key)
    # Existing clear IDs are not rewritten when the setting changes.
    assert stored(migrated_engine, "C-1").national_id == "0012345"

    # The key is made once: a later import hashes the same ID to the same value.
    assert national_id_key(migrated_engine) == key and len(key) == 32
    assert run(migrated_engine, csv("name,national_id", row(4, "Li Lei,Ab-12 34"))).ok
    assert stored(migrated_engine, "C-4").national_id == second.national_id

    with migrated_engine.connect() as conn:
        ids = set(conn.execute(select(Customer.national_id)).scalars())
        settings = all_settings(conn)
        secret_rows = conn.execute(select(Setting.key)).scalars().all()
    assert not {"ab 12-34", "AB1234", "Ab-12 34"} & ids  # the clear value is never stored
    assert NATIONAL_ID_KEY in secret_rows and NATIONAL_ID_KEY not in settings
    assert settings["hash_national_id"] is True


def test_the_hash_normalises_and_depends_on_the_key():
    key = bytes(32)
    assert normal_national_id(" ab 12-34 ") == "AB1234"
    assert normal_national_id("ＡＢ１２３４") == "AB1234"  # full-width forms
    assert hash_national_id("ab 12-34", key) == hash_national_id("AB1234", key)
    assert hash_national_id("AB1234", key) != hash_national_id("AB1234", b"x" * 32)
    assert re.fullmatch(r"[0-9a-f]{64}", hash_national_id("0012345", key))


def test_the_setting_is_validated_and_the_key_is_not_editable():
    assert settings_problems({"hash_national_id": "yes"}) == ["hash_national_id: true or false"]
    assert settings_problems({"hash_national_id": False}) == []
    assert settings_problems({NATIONAL_ID_KEY: "00"}) == [f"cannot change {NATIONAL_ID_KEY} here"]


# --- masking ------------------------------------------------------------------------------------


def test_masking_the_linkage_fields():
    assert mask_birth_date(date(1980, 6, 2)) == "1980-**-**"
    assert mask_birth_date("1980-06-02") == "1980-**-**"
    assert mask_birth_date(None) is None and mask_birth_date(pd.NaT) is None
    assert mask_address("88 Century Avenue") == "88 ***"
    assert mask_address("Hauptstraße") == "***"  # one word: nothing may stay
    assert mask_postcode("200120") == "200***"
    assert mask_postcode("10115") == "10***"
    assert mask_postcode("SW1A 1AA") == "SW1***"
    assert mask_postcode("12") == "***"
    assert mask_national_id("110101198001010018") == "****0018"
    assert mask_national_id("123") == "****"
    assert mask_national_id(None) is None


def test_a_viewer_without_pii_sees_the_linkage_fields_masked():
    frame = pd.DataFrame(
        {
            "name": ["Wang Fang"],
            "given_name": ["Fang"],
            "family_name": ["Wang"],
            "date_of_birth": [date(1984, 6, 2)],
            "address_line": ["88 Century Avenue"],
            "postcode": ["200120"],
            "city": ["Shanghai"],
            "national_id": ["X0012345"],
        }
    )
    hidden = mask_frame(frame, Viewer("r", "risk_manager"), CUSTOMER_PII).loc[0]
    assert list(hidden) == [
        "Wang F***",
        "F***",
        "W***",
        "1984-**-**",
        "88 ***",
        "200***",
        "Shanghai",  # a city alone identifies no one
        "****2345",
    ]
    shown = mask_frame(frame, Viewer("a", "analyst"), CUSTOMER_PII)
    assert shown.equals(frame)


def test_failing_rows_of_a_rule_on_a_linkage_field_are_masked():
    from quality.records import PII_COLUMNS

    for column in ("given_name", "family_name", "date_of_birth", "address_line", "postcode"):
        assert column in PII_COLUMNS
    assert PII_COLUMNS["national_id"] == "national_id" and "city" not in PII_COLUMNS
