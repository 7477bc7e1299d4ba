"""Column mappings saved under a name: save, load, validation, stale saves, permissions, an
import whose header is nothing like the table's fields, and the command line's --mapping."""

import io
import json
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

import importer
from data_access import audit
from data_access.import_mappings import (
    MappingError,
    StaleMappingError,
    UnknownMappingError,
    delete_mapping,
    get_mapping,
    list_mappings,
    save_mapping,
)
from data_access.models import Customer, CustomerAttribute, ImportMapping
from data_access.security import Viewer
from importer.__main__ import main as importer_cli

pytestmark = pytest.mark.db

ANALYST = Viewer("analyst", "analyst")
OTHER_ANALYST = Viewer("analyst2", "analyst", "East")
TODAY = date(2026, 11, 1)

# A German ERP export: no header cell matches a field by name or alias.
GERMAN = {
    "Kundennummer": "external_id",
    "Kundenname": "name",
    "Gebiet": "region",
    "Branche": "industry",
    "Kundengruppe": "segment",
    "Stufe": "tier",
    "Vertriebsweg": "channel",
    "Lebenszyklus": "lifecycle_stage",
    "Quellsystem": "source_system",
    "Anmeldedatum": "signup_date",
    "Vertragsart": "contract_type",
    "Geschlecht": "attribute",
    "Interne Notiz": "skip",
}
GERMAN_HEADER = ",".join(GERMAN)
GERMAN_ROW = (
    "K-4711,Müller GmbH,East,Retail,SMB,normal,Direct,maintenance,ERP,2025-03-14,annual,w,x"
)


def _import(engine, text: str, mapping: dict | None, **kw) -> importer.ImportReport:
    return importer.import_file(
        engine,
        ANALYST,
        "customers",
        io.BytesIO(text.encode("utf-8")),
        "erp.csv",
        today=TODAY,
        mapping=mapping,
        **kw,
    )


def _customers(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            select(
                Customer.external_id,
                Customer.name,
                Customer.region,
                Customer.signup_date,
                Customer.source_system,
            ).order_by(Customer.external_id)
        ).all()


def _attributes(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(CustomerAttribute.name, CustomerAttribute.value)).all())


def _stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(ImportMapping.table_name, ImportMapping.name, ImportMapping.mapping)
        ).all()
    return [(t, n, json.loads(m)) for t, n, m in rows]


# --- saving and loading ---------------------------------------------------------------------------


def test_save_then_load_and_list(migrated_engine):
    saved = save_mapping(migrated_engine, ANALYST, "customers", " SAP export ", GERMAN, None)
    assert (saved.name, saved.version, saved.created_by) == ("SAP export", 1, "analyst")
    with migrated_engine.connect() as conn:
        loaded = get_mapping(conn, ANALYST, "customers", "SAP export")
        assert loaded.mapping == GERMAN and list(loaded.mapping) == list(GERMAN)  # order kept
        assert [m.name for m in list_mappings(conn, ANALYST, "customers")] == ["SAP export"]
        assert list_mappings(conn, ANALYST, "invoices") == []
        entry = next(r for r in audit.recent(conn) if r.action == "import_mapping_save")
    assert entry.username == "analyst" and entry.object_id == "customers/SAP export"
    assert json.loads(entry.detail) == {"table": "customers", "from": None, "to": GERMAN}
    assert _stored(migrated_engine) == [("customers", "SAP export", GERMAN)]


def test_one_name_per_table_and_the_same_name_for_another_table(migrated_engine):
    save_mapping(
        migrated_engine, ANALYST, "customers", "ERP", {"Kundennummer": "external_id"}, None
    )
    save_mapping(migrated_engine, ANALYST, "invoices", "ERP", {"Kundennummer": "customer_id"}, None)
    with pytest.raises(StaleMappingError, match="already exists for customers"):
        save_mapping(migrated_engine, OTHER_ANALYST, "customers", "ERP", {"Nr": "name"}, None)
    assert sorted((t, n) for t, n, _ in _stored(migrated_engine)) == [
        ("customers", "ERP"),
        ("invoices", "ERP"),
    ]
    with migrated_engine.connect() as conn:
        assert get_mapping(conn, ANALYST, "customers", "ERP").mapping == {
            "Kundennummer": "external_id"
        }


def test_saving_over_a_newer_version_is_refused_and_keeps_the_newer(migrated_engine):
    first = save_mapping(migrated_engine, ANALYST, "customers", "ERP", {"Nr": "external_id"}, None)
    # Another importer loaded version 1 too and saves first.
    theirs = save_mapping(
        migrated_engine, OTHER_ANALYST, "customers", "ERP", {"Kunde": "external_id"}, 1
    )
    assert theirs.version == 2 and theirs.created_by == "analyst"  # the creator stays
    with pytest.raises(StaleMappingError, match="changed or deleted by someone else"):
        save_mapping(migrated_engine, ANALYST, "customers", "ERP", {"Nr": "name"}, first.version)
    with migrated_engine.connect() as conn:
        stored = get_mapping(conn, ANALYST, "customers", "ERP")
    assert (stored.mapping, stored.version) == ({"Kunde": "external_id"}, 2)
    again = save_mapping(migrated_engine, ANALYST, "customers", "ERP", {"Nr": "name"}, 2)
    assert again.version == 3 and again.mapping == {"Nr": "name"}


@pytest.mark.parametrize(
    ("table", "name", "mapping", "message"),
    [
        ("customers", "x", {"Kundennummer": "kundennr"}, "'kundennr' is not a column of customers"),
        ("invoices", "x", {"Notiz": "attribute"}, "'attribute' is not a column of invoices"),
        (
            "customers",
            "x",
            {"Kundennummer": "external_id", "Kunden-Nr": "external_id"},
            "external_id is the target of 'Kundennummer', 'Kunden-Nr'",
        ),
        ("customers", "x", {"Kunde": "name", "KUNDE": "company"}, "name the same column"),
        ("customers", "x", {"--": "name"}, "is not a usable file column name"),
        ("customers", "   ", {"Kunde": "name"}, "name: give the mapping a name"),
        ("customers", "a\nb", {"Kunde": "name"}, "on one line"),
        ("customers", "x", {}, "maps no column"),
        ("nowhere", "x", {"Kunde": "name"}, "unknown table 'nowhere'"),
    ],
)
def test_invalid_mappings_are_refused_and_nothing_is_saved(
    migrated_engine, table, name, mapping, message
):
    with pytest.raises(MappingError, match=message):
        save_mapping(migrated_engine, ANALYST, table, name, mapping, None)
    assert _stored(migrated_engine) == []


@pytest.mark.parametrize("role", ["executive", "risk_manager"])
def test_only_importers_may_list_load_save_or_delete(migrated_engine, role):
    save_mapping(migrated_engine, ANALYST, "customers", "ERP", {"Nr": "external_id"}, None)
    viewer = Viewer("someone", role)
    with pytest.raises(PermissionError):
        save_mapping(migrated_engine, viewer, "customers", "Mine", {"Nr": "name"}, None)
    with pytest.raises(PermissionError):
        delete_mapping(migrated_engine, viewer, "customers", "ERP", 1)
    with migrated_engine.connect() as conn:
        with pytest.raises(PermissionError):
            list_mappings(conn, viewer, "customers")
        with pytest.raises(PermissionError):
            get_mapping(conn, viewer, "customers", "ERP")
    assert _stored(migrated_engine) == [("customers", "ERP", {"Nr": "external_id"})]


def test_unknown_name_lists_the_saved_ones(migrated_engine):
    for name in ("SAP", "Navision"):
        save_mapping(migrated_engine, ANALYST, "customers", name, {"Nr": "external_id"}, None)
    with migrated_engine.connect() as conn, pytest.raises(UnknownMappingError) as caught:
        get_mapping(conn, ANALYST, "customers", "Oracle")
    assert str(caught.value) == "no saved mapping 'Oracle' for customers (saved: Navision, SAP)"
    assert caught.value.known == ["Navision", "SAP"]


def test_delete_names_the_version_loaded(migrated_engine):
    save_mapping(migrated_engine, ANALYST, "customers", "ERP", {"Nr": "external_id"}, None)
    save_mapping(migrated_engine, OTHER_ANALYST, "customers", "ERP", {"Nr": "name"}, 1)
    with pytest.raises(StaleMappingError, match="nothing was deleted"):
        delete_mapping(migrated_engine, ANALYST, "customers", "ERP", 1)
    assert len(_stored(migrated_engine)) == 1
    delete_mapping(migrated_engine, ANALYST, "customers", "ERP", 2)
    assert _stored(migrated_engine) == []
    with migrated_engine.connect() as conn:
        assert any(r.action == "import_mapping_delete" for r in audit.recent(conn))


# --- importing with a mapping ---------------------------------------------------------------------


def test_an_import_with_a_mapping_of_headers_unlike_the_fields(migrated_engine):
    text = f"{GERMAN_HEADER}\n{GERMAN_ROW}\n"
    refused = _import(migrated_engine, text, None)
    assert not refused.ok
    assert ("external_id", "required column is missing") in {
        (p.column, p.reason.split(" (")[0]) for p in refused.problems
    }
    report = _import(migrated_engine, text, GERMAN)
    assert report.ok, report.problems
    assert (report.inserted, report.kept_columns, report.skipped_columns) == (
        1,
        ["Geschlecht"],
        ["Interne Notiz"],
    )
    assert _customers(migrated_engine) == [
        ("K-4711", "Müller GmbH", "East", date(2025, 3, 14), "ERP")
    ]
    assert _attributes(migrated_engine) == {"Geschlecht": "w"}  # kept although extra=skip


def test_a_mapping_comes_before_name_matching_and_matches_like_names(migrated_engine):
    """`email` in the file is skipped by the mapping and `Mail privat` feeds email instead;
    the mapping's keys match ignoring case and spacing, like the header itself."""
    mapping = {**GERMAN, "E-Mail": "skip", "mail privat": "email"}
    text = f"{GERMAN_HEADER},email,Mail Privat\n{GERMAN_ROW},work@example.com,home@example.com\n"
    report = _import(migrated_engine, text, mapping)
    assert report.ok, report.problems
    with migrated_engine.connect() as conn:
        assert conn.execute(select(Customer.email)).scalar_one() == "home@example.com"
    assert "email" in report.skipped_columns


def test_problems_still_name_row_column_and_value_and_nothing_is_written(migrated_engine):
    good = GERMAN_ROW.replace("K-4711", "K-1")
    bad = GERMAN_ROW.replace("K-4711", "K-2").replace(",East,", ",Mars,")
    report = _import(migrated_engine, f"{GERMAN_HEADER}\n{good}\n{bad}\n", GERMAN)
    assert [(p.row, p.column, p.value) for p in report.problems] == [(3, "region", "Mars")]
    assert report.problems[0].reason.startswith("unknown code")
    assert _customers(migrated_engine) == []  # the good row was not written either


def test_a_mapped_column_and_a_named_one_feeding_the_same_field_are_refused(migrated_engine):
    text = f"{GERMAN_HEADER},external_id\n{GERMAN_ROW},K-9\n"
    report = _import(migrated_engine, text, GERMAN)
    assert [(p.row, p.column, p.value, p.reason) for p in report.problems] == [
        (1, "external_id", "Kundennummer, external_id", "two columns of the file feed this column")
    ]
    assert _customers(migrated_engine) == []


def test_an_invalid_mapping_is_refused_before_reading(migrated_engine):
    with pytest.raises(ValueError, match="'Kundennummer' → 'kundennr' is not a column"):
        _import(migrated_engine, f"{GERMAN_HEADER}\n{GERMAN_ROW}\n", {"Kundennummer": "kundennr"})
    assert _customers(migrated_engine) == []


def test_the_header_preview_and_reading_only_the_header():
    fmt = importer.FORMATS["customers"]
    header = ["Kundennummer", "Customer ID", "Gender", "Name"]
    assert importer.header_targets(fmt, header, "skip") == ["skip", "external_id", "skip", "name"]
    assert importer.header_targets(fmt, header, "keep", {"kundennummer": "company"}) == [
        "company",
        "external_id",
        "attribute",
        "name",
    ]
    stream = io.BytesIO(f"{GERMAN_HEADER}\n{GERMAN_ROW}\n".encode())
    assert importer.read_header(stream, "erp.csv") == list(GERMAN)
    assert not stream.closed and stream.tell() == 0  # the same upload can still be imported
    book = Workbook()
    book.active.append([" Kundennummer ", "Kundenname"])
    book.active.append(["K-1", "Müller"])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    assert importer.read_header(data, "erp.xlsx") == ["Kundennummer", "Kundenname"]
    assert data.tell() == 0


# --- the command line ---------------------------------------------------------------------------


def test_command_line_with_a_saved_mapping(migrated_engine, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", str(migrated_engine.url.render_as_string(False)))
    save_mapping(migrated_engine, ANALYST, "customers", "SAP export", GERMAN, None)
    save_mapping(migrated_engine, ANALYST, "customers", "Navision", {"Nr": "external_id"}, None)
    export = tmp_path / "erp.csv"
    export.write_text(f"{GERMAN_HEADER}\n{GERMAN_ROW}\n", encoding="utf-8")

    assert importer_cli(["customers", str(export), "--mapping", "Oracle"]) == 1
    out, err = capsys.readouterr()
    assert err.strip().splitlines() == [
        "Nothing imported: no saved mapping 'Oracle' for customers (saved: Navision, SAP export)"
    ]
    assert "Traceback" not in out + err
    with migrated_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Customer)).scalar_one() == 0

    assert importer_cli(["customers", str(export), "--mapping", "SAP export"]) == 0
    out = capsys.readouterr().out
    assert "Imported 1 row(s) into customers: 1 new" in out
    assert "Columns not imported: Interne Notiz" in out
    assert _customers(migrated_engine) == [
        ("K-4711", "Müller GmbH", "East", date(2025, 3, 14), "ERP")
    ]
