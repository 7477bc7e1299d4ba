"""The importer against a corpus of good and broken files: each broken file gives the right
message naming row, column and value, and writes nothing; good files append and upsert,
in CSV and XLSX, and the import is audited."""

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

import importer
from data_access import audit
from data_access.models import Customer, Invoice, Risk, SurveyResponse
from data_access.security import Viewer
from importer.__main__ import main as importer_cli

pytestmark = pytest.mark.db

ANALYST = Viewer("analyst", "analyst")
EAST_ANALYST = Viewer("east", "analyst", "East")
TODAY = date(2026, 11, 1)
HEADER = (
    "external_id,name,email,phone,company,region,industry,segment,tier,channel,"
    "lifecycle_stage,source_system,signup_date,churn_date,churn_reason,contract_type,"
    "credit_score,credit_limit,consent,consent_date"
)
GOOD_ROW = (
    "C-1,Wang Fang,wang@example.com,13812345678,Ruida,East,Retail,SMB,normal,Direct,"
    "maintenance,CRM,2025-03-14,,,annual,712,50000,true,2025-03-14"
)


def run(engine, table: str, text: str | bytes, mode: str = "append", viewer=ANALYST, name="f.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return importer.import_file(engine, viewer, table, io.BytesIO(data), name, mode, today=TODAY)


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def customers_csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def test_good_customers_append_then_upsert(migrated_engine):
    report = run(
        migrated_engine, "customers", customers_csv(GOOD_ROW, GOOD_ROW.replace("C-1", "C-2"))
    )
    assert report.ok and report.inserted == 2
    changed = GOOD_ROW.replace("Wang Fang", "Wang Fang-Li")
    again = run(migrated_engine, "customers", customers_csv(changed), mode="append")
    assert not again.ok
    assert again.problems[0].reason.startswith("already in the database")
    upsert = run(migrated_engine, "customers", customers_csv(changed), mode="upsert")
    assert upsert.ok and upsert.updated == 1 and upsert.inserted == 0
    with migrated_engine.connect() as conn:
        name = conn.execute(select(Customer.name).where(Customer.external_id == "C-1")).scalar()
        assert name == "Wang Fang-Li"
        assert [r.action for r in audit.recent(conn)].count("import") == 2


@pytest.mark.parametrize(
    ("rows", "row", "column", "value", "reason"),
    [
        ([GOOD_ROW.replace(",East,", ",Atlantis,")], 2, "region", "Atlantis", "unknown code"),
        (
            [GOOD_ROW.replace("2025-03-14,,", "14/03/2025,,")],
            2,
            "signup_date",
            "14/03/2025",
            "not a date",
        ),
        (
            [GOOD_ROW.replace("2025-03-14,,", "2027-01-01,,")],
            2,
            "signup_date",
            "2027-01-01",
            "in the future",
        ),
        ([GOOD_ROW.replace(",712,", ",9000,")], 2, "credit_score", "9000", "above the maximum"),
        ([GOOD_ROW.replace(",712,", ",seven,")], 2, "credit_score", "seven", "not a number"),
        (
            [GOOD_ROW.replace("wang@example.com", "wang-at-example")],
            2,
            "email",
            "wang-at-example",
            "e-mail",
        ),
        ([GOOD_ROW.replace("Wang Fang", "")], 2, "name", "", "required value is empty"),
        ([GOOD_ROW, GOOD_ROW], 3, "external_id", "C-1", "duplicate key in the file"),
        (
            [GOOD_ROW.replace(",,,annual", ",2024-01-01,price,annual")],
            2,
            "churn_date",
            "2024-01-01",
            "before signup_date",
        ),
        ([GOOD_ROW.replace("Wang Fang", "x" * 500)], 2, "name", "x" * 80, "longer than 120"),
    ],
)
def test_broken_rows_name_the_problem_and_write_nothing(
    migrated_engine, rows, row, column, value, reason
):
    good = GOOD_ROW.replace("C-1", "C-9")
    report = run(migrated_engine, "customers", customers_csv(good, *rows))
    assert not report.ok
    problem = next(p for p in report.problems if p.column == column)
    assert (problem.row, problem.value) == (row + 1, value)
    assert reason in problem.reason
    assert count(migrated_engine, Customer) == 0  # not even the good row


def test_missing_and_unknown_columns(migrated_engine):
    text = customers_csv(GOOD_ROW).replace("region,", "regoin,", 1)
    report = run(migrated_engine, "customers", text)
    reasons = {(p.row, p.column, p.reason) for p in report.problems}
    # Issue 13: a column the table does not know is no longer an error by itself; it is
    # listed, and named where it probably belonged.
    assert reasons == {
        (
            1,
            "region",
            "required column is missing (the file has columns the table does not know: regoin)",
        )
    }
    assert report.skipped_columns == ["regoin"]
    assert count(migrated_engine, Customer) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        ("external_id,name\nC-1,王芳\n".encode("gbk"), "not UTF-8"),
        (b"PK\x03\x04 this is not really a workbook", "not a readable .xlsx"),
    ],
)
def test_unreadable_files_are_refused(migrated_engine, content, message):
    with pytest.raises(importer.ImportFileError, match=message):
        run(
            migrated_engine,
            "customers",
            content,
            name="f.xlsx" if content[:2] == b"PK" else "f.csv",
        )
    assert count(migrated_engine, Customer) == 0


def test_header_only_file(migrated_engine):
    report = run(migrated_engine, "customers", HEADER + "\n")
    assert not report.ok and "no rows" in report.problems[0].reason


def test_formula_and_sql_text_is_stored_as_plain_text(migrated_engine):
    hostile = GOOD_ROW.replace("Wang Fang", '=HYPERLINK("http://x")').replace(
        "Ruida", "'); DROP TABLE customers; --"
    )
    report = run(migrated_engine, "customers", customers_csv(hostile))
    assert report.ok
    with migrated_engine.connect() as conn:
        row = conn.execute(select(Customer.name, Customer.company)).one()
    assert row.name.startswith("=HYPERLINK") and row.company.startswith("');")
    assert count(migrated_engine, Customer) == 1


def test_foreign_keys_and_region_scope(migrated_engine):
    run(
        migrated_engine,
        "customers",
        customers_csv(GOOD_ROW, GOOD_ROW.replace("C-1", "C-2").replace(",East,", ",West,")),
    )
    invoices = (
        "customer_id,period_month,amount,due_date,paid_date,paid_amount,status\n"
        "C-1,2026-09-01,100,2026-10-15,,,open\n"
        "C-404,2026-09-01,100,2026-10-15,,,open\n"
        "C-1,2026-09-15,100,2026-10-15,,,open\n"
    )
    report = run(migrated_engine, "invoices", invoices)
    problems = {(p.row, p.column, p.reason) for p in report.problems}
    assert (3, "customer_id", "no such customer") in problems
    assert (4, "period_month", "not the first day of a month") in problems
    assert count(migrated_engine, Invoice) == 0
    west = "customer_id,responded_on,touchpoint,nps,csat,ces,comment\nC-2,2026-10-01,support,9,,,\n"
    scoped = run(migrated_engine, "surveys", west, viewer=EAST_ANALYST)
    assert scoped.problems[0].reason == "customer outside your region"
    assert count(migrated_engine, SurveyResponse) == 0
    ok = run(migrated_engine, "surveys", west.replace("C-2", "C-1"), viewer=EAST_ANALYST)
    assert ok.ok and count(migrated_engine, SurveyResponse) == 1


def test_xlsx_import(migrated_engine):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    values = GOOD_ROW.split(",")
    values[12] = date(2025, 3, 14)  # a real date cell
    values[16] = 712  # a number cell
    sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    report = run(migrated_engine, "customers", buffer.getvalue(), name="export.xlsx")
    assert report.ok, report.problems
    assert count(migrated_engine, Customer) == 1


def test_risks_import_creates_assessed_risks(migrated_engine):
    text = (
        "code,title,category,owner,description,region,segment,tier,likelihood,impact\n"
        "R-901,Key account churn,CHN,Li Na,,East,,,3,4\n"
        "R-902,Bad,XYZ,Li Na,,,,,9,4\n"
    )
    bad = run(migrated_engine, "risks", text)
    reasons = {(p.column, p.reason.split(";")[0]) for p in bad.problems}
    assert ("category", "unknown code") in reasons and (
        "likelihood",
        "above the maximum 5",
    ) in reasons
    assert count(migrated_engine, Risk) == 0
    good = run(migrated_engine, "risks", text.rsplit("R-902", 1)[0])
    assert good.ok and good.inserted == 1
    with migrated_engine.connect() as conn:
        status = conn.execute(select(Risk.status).where(Risk.code == "R-901")).scalar()
    assert status == "Assessed"


def test_only_importers_may_import(migrated_engine):
    with pytest.raises(PermissionError):
        run(
            migrated_engine,
            "customers",
            customers_csv(GOOD_ROW),
            viewer=Viewer("r", "risk_manager"),
        )
    with pytest.raises(ValueError, match="unknown table"):
        run(migrated_engine, "users", "x\n1\n")


def test_template_matches_the_format_and_imports():
    for table in importer.FORMATS:
        header = importer.template_csv(table).splitlines()[0].split(",")
        assert header == [c.name for c in importer.FORMATS[table].columns]


def test_a_multi_chunk_file_is_all_or_nothing(migrated_engine):
    rows = [GOOD_ROW.replace("C-1", f"C-{i}") for i in range(2 * importer.checks.CHUNK_ROWS + 1)]
    broken = [*rows[:-1], rows[-1].replace(",annual,", ",weekly,")]
    progress: list[int] = []
    report = importer.import_file(
        migrated_engine,
        ANALYST,
        "customers",
        io.BytesIO(customers_csv(*broken).encode()),
        "big.csv",
        progress=progress.append,
        today=TODAY,
    )
    assert not report.ok and report.problems[0].row == len(rows) + 1
    assert progress == [importer.checks.CHUNK_ROWS, 2 * importer.checks.CHUNK_ROWS, len(rows)]
    assert count(migrated_engine, Customer) == 0  # the first two chunks were rolled back
    report = run(migrated_engine, "customers", customers_csv(*rows))
    assert report.ok and count(migrated_engine, Customer) == len(rows)


def test_command_line_import(migrated_engine, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", str(migrated_engine.url.render_as_string(False)))
    good = tmp_path / "customers.csv"
    good.write_text(customers_csv(GOOD_ROW), encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(customers_csv(GOOD_ROW.replace(",East,", ",Mars,")), encoding="utf-8")
    assert importer_cli(["customers", str(bad)]) == 1
    assert "row 2, column region: unknown code" in capsys.readouterr().out
    assert importer_cli(["customers", str(good), "--mode", "upsert"]) == 0
    assert "Imported 1 row(s) into customers: 1 new" in capsys.readouterr().out


# --- issue 11: what an upsert may change, scope, hostile files, audit, locks ----------------------

REQUIRED = [c.name for c in importer.FORMATS["customers"].columns if c.required]


def _stored_customer(engine, external_id):
    with engine.connect() as conn:
        return conn.execute(select(Customer).where(Customer.external_id == external_id)).one()


def _only(columns: list[str], row: str, header: str = HEADER) -> str:
    """The CSV with only `columns` of `row` (a row in `header`'s column order)."""
    values = dict(zip(header.split(","), row.split(","), strict=True))
    return ",".join(columns) + "\n" + ",".join(values[c] for c in columns) + "\n"


def test_an_upsert_leaves_columns_the_file_does_not_carry(migrated_engine):
    """Issue 11 #3: only the required columns in the file: e-mail, phone, credit score and
    consent keep their stored values."""
    assert run(migrated_engine, "customers", customers_csv(GOOD_ROW)).ok
    renamed = GOOD_ROW.replace("Wang Fang", "Wang Fang-Li")
    report = run(migrated_engine, "customers", _only(REQUIRED, renamed), mode="upsert")
    assert report.ok and report.updated == 1 and report.cleared == {}
    stored = _stored_customer(migrated_engine, "C-1")
    assert stored.name == "Wang Fang-Li"
    assert (stored.email, stored.phone, stored.credit_score, stored.consent) == (
        "wang@example.com",
        "13812345678",
        712,
        True,
    )
    assert float(stored.credit_limit) == 50000 and stored.company == "Ruida"


def test_an_explicit_empty_cell_clears_and_is_counted(migrated_engine):
    rows = [GOOD_ROW.replace("C-1", f"C-{i}") for i in (1, 2, 3)]
    assert run(migrated_engine, "customers", customers_csv(*rows)).ok
    columns = [*REQUIRED, "email", "phone", "consent"]
    header, first = _only(columns, rows[0]).splitlines()
    second, third = (_only(columns, row).splitlines()[1] for row in rows[1:])
    first = first.replace("wang@example.com,13812345678,true", ",,")  # C-1: all three empty
    second = second.replace("wang@example.com", "")  # C-2: e-mail only
    text = "\n".join([header, first, second, third]) + "\n"
    report = run(migrated_engine, "customers", text, mode="upsert")
    assert report.ok, report.problems
    assert report.cleared == {"email": 2, "phone": 1, "consent": 1}
    assert importer.cleared_text(report.cleared) == "consent 1, email 2, phone 1"
    one, two, three = (_stored_customer(migrated_engine, f"C-{i}") for i in (1, 2, 3))
    assert (one.email, one.phone, one.consent) == (None, None, False)
    assert (two.email, two.phone, two.consent) == (None, "13812345678", True)
    assert (three.email, three.phone, three.credit_score) == (
        "wang@example.com",
        "13812345678",
        712,
    )
    with migrated_engine.connect() as conn:
        last = audit.recent(conn, 1)[0]
    assert last.action == "import" and '"email": 2' in last.detail


def test_a_scoped_importer_cannot_take_over_another_regions_customer(migrated_engine):
    """Issue 11 #4: an East analyst's upsert of a West customer 'moved to East' is refused."""
    west = GOOD_ROW.replace("C-1", "W-1").replace(",East,", ",West,")
    assert run(migrated_engine, "customers", customers_csv(west)).ok
    takeover = west.replace(",West,", ",East,").replace("Wang Fang", "Taken over")
    report = run(
        migrated_engine, "customers", customers_csv(takeover), "upsert", viewer=EAST_ANALYST
    )
    assert not report.ok
    assert "stored for region West, outside your region East" in report.problems[0].reason
    stored = _stored_customer(migrated_engine, "W-1")
    assert (stored.region, stored.name) == ("West", "Wang Fang")


def test_a_scoped_importer_cannot_insert_an_all_regions_or_other_region_risk(migrated_engine):
    header = "code,title,category,owner,description,region,segment,tier,likelihood,impact\n"
    everywhere = run(
        migrated_engine, "risks", header + "R-1,Global,CHN,Li,,,,,3,3\n", viewer=EAST_ANALYST
    )
    assert "every region" in everywhere.problems[0].reason
    west = run(
        migrated_engine, "risks", header + "R-1,West,CHN,Li,,West,,,3,3\n", viewer=EAST_ANALYST
    )
    assert "outside your region East" in west.problems[0].reason
    assert count(migrated_engine, Risk) == 0
    east = run(
        migrated_engine, "risks", header + "R-1,East,CHN,Li,,East,,,3,3\n", viewer=EAST_ANALYST
    )
    assert east.ok and count(migrated_engine, Risk) == 1


def test_a_cell_over_the_csv_limit_names_row_and_column(migrated_engine):
    """Issue 11 #11: not 'not a readable CSV file', but where."""
    huge = GOOD_ROW.replace("Ruida", "x" * (importer.reading.CSV_FIELD_LIMIT + 10))
    with pytest.raises(importer.ImportFileError, match=r"row 3, column company: a value longer"):
        run(migrated_engine, "customers", customers_csv(GOOD_ROW.replace("C-1", "C-0"), huge))
    assert count(migrated_engine, Customer) == 0


def test_a_nul_byte_is_refused_with_row_and_column(migrated_engine):
    report = run(migrated_engine, "customers", customers_csv(GOOD_ROW.replace("Ruida", "Ru\0da")))
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (2, "company", "contains a NUL character")
    ]
    assert report.problems[0].value == "Ru\\0da"
    assert count(migrated_engine, Customer) == 0


def _workbook(**sheets: list[list]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_workbook_with_data_on_several_sheets_asks_which(migrated_engine):
    header, east = HEADER.split(","), GOOD_ROW.split(",")
    west = GOOD_ROW.replace("C-1", "W-1").replace(",East,", ",West,").split(",")
    data = _workbook(Notes=[["exported by the CRM"]], Empty=[], Customers=[header, east, west])
    with pytest.raises(importer.ImportFileError, match=r"2 sheets \('Notes', 'Customers'\)"):
        run(migrated_engine, "customers", data, name="export.xlsx")
    assert importer.workbook_sheets(io.BytesIO(data)) == ["Notes", "Customers"]
    report = importer.import_file(
        migrated_engine,
        ANALYST,
        "customers",
        io.BytesIO(data),
        "export.xlsx",
        today=TODAY,
        sheet="Customers",
    )
    assert report.ok and report.inserted == 2
    with pytest.raises(importer.ImportFileError, match="no sheet 'Nope'"):
        importer.import_file(
            migrated_engine, ANALYST, "customers", io.BytesIO(data), "e.xlsx", sheet="Nope"
        )


def test_refused_and_unreadable_imports_are_audited(migrated_engine):
    """Issue 11 #12: a failed import leaves an audit row like a successful one."""
    run(migrated_engine, "customers", customers_csv(GOOD_ROW.replace(",East,", ",Mars,")))
    with pytest.raises(importer.ImportFileError):
        run(migrated_engine, "customers", b"", name="empty.csv")
    with migrated_engine.connect() as conn:
        rows = [r for r in audit.recent(conn) if r.action == "import_failed"]
    assert len(rows) == 2
    assert any("row 2, region: unknown code" in r.detail for r in rows)
    assert any("empty" in r.detail for r in rows)


def test_validation_does_not_hold_the_write_lock(migrated_engine, monkeypatch):
    """Issue 11 #10: while the file is checked, another session can write (a login does);
    the write phase is one short transaction afterwards."""
    from sqlalchemy import create_engine

    from data_access.users import attempt_login, create_user

    monkeypatch.setattr(importer.checks, "CHUNK_ROWS", 50)
    with migrated_engine.begin() as conn:
        create_user(conn, "li", "Li", "li@x.cn", "a long password!", "analyst")
    url = migrated_engine.url.render_as_string(hide_password=False)
    # A second session that gives up at once when the database is locked.
    impatient = (
        create_engine(url, connect_args={"timeout": 0.05})
        if url.startswith("sqlite")
        else migrated_engine
    )
    logins: list[bool] = []
    rows = [GOOD_ROW.replace("C-1", f"C-{i}") for i in range(170)]
    report = importer.import_file(
        migrated_engine,
        ANALYST,
        "customers",
        io.BytesIO(customers_csv(*rows).encode()),
        "f.csv",
        progress=lambda _: logins.append(attempt_login(impatient, "li", "a long password!").ok),
        today=TODAY,
    )
    assert report.ok and count(migrated_engine, Customer) == 170
    assert logins == [True] * 4


def test_logins_succeed_while_a_large_import_runs(migrated_engine):
    """Issue 11 #10, end to end on SQLite and on PostgreSQL: a second thread logs in over and
    over while 20,001 customers import; every login succeeds."""
    import threading

    from data_access.users import attempt_login, create_user

    with migrated_engine.begin() as conn:
        create_user(conn, "li", "Li", "li@x.cn", "a long password!", "analyst")
    rows = [GOOD_ROW.replace("C-1", f"C-{i}") for i in range(20_001)]
    data = customers_csv(*rows).encode()
    done, outcomes = threading.Event(), []

    def log_in_repeatedly() -> None:
        while not done.is_set():
            try:
                outcomes.append(attempt_login(migrated_engine, "li", "a long password!").ok)
            except Exception as exc:  # noqa: BLE001 - the failure is what the test looks for
                outcomes.append(repr(exc))
            done.wait(0.05)

    thread = threading.Thread(target=log_in_repeatedly)
    thread.start()
    try:
        report = importer.import_file(
            migrated_engine, ANALYST, "customers", io.BytesIO(data), "big.csv", today=TODAY
        )
    finally:
        done.set()
        thread.join()
    assert report.ok and report.inserted == 20_001
    assert len(outcomes) >= 3 and set(outcomes) == {True}, outcomes


# --- issue 13: headers as real exports spell them, columns the table does not know ---------------


def _attributes(engine) -> dict[tuple[str, str], str]:
    from data_access.models import CustomerAttribute

    with engine.connect() as conn:
        rows = conn.execute(
            select(Customer.external_id, CustomerAttribute.name, CustomerAttribute.value).join(
                Customer, Customer.id == CustomerAttribute.customer_id
            )
        ).all()
    return {(e, n): v for e, n, v in rows}


def test_headers_match_whatever_the_case_spacing_or_documented_alias(migrated_engine):
    spelled = (
        HEADER.replace("external_id", "Customer ID")
        .replace("name,", "Full Name,", 1)
        .replace("email", "E-mail Address")
        .replace("region", "REGION")
        .replace("signup_date", "Signup Date")
        .replace("contract_type", "Contract")
    )
    report = run(migrated_engine, "customers", spelled + "\n" + GOOD_ROW + "\n")
    assert report.ok, report.problems
    stored = _stored_customer(migrated_engine, "C-1")
    assert (stored.name, stored.email, stored.contract_type) == (
        "Wang Fang",
        "wang@example.com",
        "annual",
    )
    row = next(r for r in importer.format_table("customers") if r["column"] == "external_id")
    assert "customer id" in row["also accepted"]


def test_two_header_cells_for_one_column_are_refused(migrated_engine):
    text = HEADER + ",Customer Id\n" + GOOD_ROW + ",C-9\n"
    report = run(migrated_engine, "customers", text)
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (1, "external_id", "two columns of the file feed this column")
    ]


def test_columns_the_table_does_not_know_are_skipped_and_listed(migrated_engine):
    text = HEADER + ",Gender,Senior Citizen\n" + GOOD_ROW + ",Female,0\n"
    report = run(migrated_engine, "customers", text)
    assert report.ok and report.skipped_columns == ["Gender", "Senior Citizen"]
    assert report.kept_columns == [] and _attributes(migrated_engine) == {}


def test_kept_columns_become_customer_attributes_that_upserts_replace_and_clear(
    migrated_engine,
):
    def keep(text: str, mode: str = "append") -> importer.ImportReport:
        return importer.import_file(
            migrated_engine,
            ANALYST,
            "customers",
            io.BytesIO(text.encode()),
            "telco.csv",
            mode,
            today=TODAY,
            extra="keep",
        )

    two = [GOOD_ROW, GOOD_ROW.replace("C-1", "C-2")]
    report = keep(HEADER + ",Gender,Payment Method\n" + "\n".join(f"{r},Female,Card" for r in two))
    assert report.ok and report.kept_columns == ["Gender", "Payment Method"]
    assert _attributes(migrated_engine) == {
        ("C-1", "Gender"): "Female",
        ("C-1", "Payment Method"): "Card",
        ("C-2", "Gender"): "Female",
        ("C-2", "Payment Method"): "Card",
    }
    again = keep(
        "external_id,Gender,Payment Method\nC-1,Male,\nC-2,,Transfer\n".replace(
            "external_id", "customerID"
        ),
        "upsert",
    )
    assert again.problems[0].reason.startswith("required column is missing")
    full = HEADER + ",Gender,Payment Method\n"
    full += GOOD_ROW + ",Male,\n" + GOOD_ROW.replace("C-1", "C-2") + ",,Transfer\n"
    report = keep(full, "upsert")
    assert report.ok and report.updated == 2
    assert report.cleared == {"attribute:Gender": 1, "attribute:Payment Method": 1}
    assert _attributes(migrated_engine) == {
        ("C-1", "Gender"): "Male",
        ("C-2", "Payment Method"): "Transfer",
    }


def test_dates_in_iso_basic_form_or_a_declared_format(migrated_engine):
    basic = GOOD_ROW.replace("2025-03-14,,,annual", "20250314,,,annual")
    assert run(migrated_engine, "customers", customers_csv(basic)).ok
    european = GOOD_ROW.replace("C-1", "C-2").replace("2025-03-14", "14/03/2025")
    refused = run(migrated_engine, "customers", customers_csv(european))
    problem = next(p for p in refused.problems if p.column == "signup_date")
    assert problem.reason == "not a date; accepted: YYYY-MM-DD or YYYYMMDD"
    report = importer.import_file(
        migrated_engine,
        ANALYST,
        "customers",
        io.BytesIO(customers_csv(european).encode()),
        "eu.csv",
        today=TODAY,
        date_format="%d/%m/%Y",
    )
    assert report.ok, report.problems
    assert str(_stored_customer(migrated_engine, "C-2").signup_date) == "2025-03-14"
    assert str(_stored_customer(migrated_engine, "C-1").signup_date) == "2025-03-14"


def test_a_paid_invoice_without_its_paid_date_is_reported(migrated_engine):
    assert run(migrated_engine, "customers", customers_csv(GOOD_ROW)).ok
    text = (
        "customer_id,period_month,amount,due_date,paid_date,paid_amount,status\n"
        "C-1,2026-09-01,100,2026-10-15,,100,paid\n"
    )
    report = run(migrated_engine, "invoices", text)
    assert [(p.row, p.column, p.reason) for p in report.problems] == [
        (2, "paid_date", "the invoice is paid but has no paid_date")
    ]


# --- issue 13: transactions, not only one invoice per customer and month --------------------------

TRANSACTIONS = "customer_id,invoice_number,issued_on,amount,due_date,paid_date,paid_amount,status\n"


def _two_customers(engine) -> None:
    west = GOOD_ROW.replace("C-1", "C-2").replace(",East,", ",West,")
    assert run(engine, "customers", customers_csv(GOOD_ROW, west)).ok


def test_several_invoices_per_customer_and_month_import_as_they_are(migrated_engine):
    _two_customers(migrated_engine)
    text = TRANSACTIONS + (
        "C-1,INV-1,2026-09-03,100.00,2026-09-30,2026-09-10,100,paid\n"
        "C-1,INV-2,2026-09-17,250.50,2026-10-15,,,open\n"
        "C-2,INV-3,2026-09-20,40.00,2026-10-20,,,open\n"
    )
    report = run(migrated_engine, "invoices", text)
    assert report.ok and report.inserted == 3, report.problems
    with migrated_engine.connect() as conn:
        months = conn.execute(
            select(Invoice.period_month, func.count(), func.sum(Invoice.amount))
            .join(Customer, Customer.id == Invoice.customer_id)
            .where(Customer.external_id == "C-1")
            .group_by(Invoice.period_month)
        ).all()
    assert [(str(m), n, float(total)) for m, n, total in months] == [("2026-09-01", 2, 350.5)]


def test_invoice_numbers_key_the_rows(migrated_engine):
    _two_customers(migrated_engine)
    first = TRANSACTIONS + "C-1,INV-9,2026-09-03,100,2026-09-30,,,open\n"
    assert run(migrated_engine, "invoices", first).ok
    twice = TRANSACTIONS + (
        "C-1,INV-7,2026-09-03,1,2026-09-30,,,open\nC-1,INV-7,2026-09-04,2,2026-09-30,,,open\n"
    )
    assert run(migrated_engine, "invoices", twice).problems[0].reason == "duplicate key in the file"
    again = run(migrated_engine, "invoices", first)
    assert again.problems[0].reason.startswith("already in the database")
    paid = TRANSACTIONS + "C-1,INV-9,2026-09-03,100,2026-09-30,2026-09-12,100,paid\n"
    assert run(migrated_engine, "invoices", paid, mode="upsert").updated == 1
    moved = TRANSACTIONS + "C-2,INV-9,2026-09-03,100,2026-09-30,2026-09-12,100,paid\n"
    refused = run(migrated_engine, "invoices", moved, mode="upsert")
    assert refused.problems[0].reason == "this row belongs to another customer"
    no_number = TRANSACTIONS + "C-1,,2026-09-03,100,2026-09-30,,,open\n"
    empty = run(migrated_engine, "invoices", no_number)
    assert empty.problems[0].reason == "required value is empty (it identifies the row)"
    with migrated_engine.connect() as conn:
        stored = conn.execute(select(Invoice.status, Invoice.customer_id)).all()
    assert [s for s, _ in stored] == ["paid"] and len({c for _, c in stored}) == 1


def test_credit_reviews_and_source_records_import_like_the_rest(migrated_engine):
    """Issue 13: credit-score history and the other systems' copies of a customer are
    importable; rows link to the customer by external id, are keyed per customer and day /
    system, and a source record keeps the source's own timestamp."""
    from data_access.models import CreditScoreHistory, CustomerSourceRecord

    assert run(migrated_engine, "customers", customers_csv(GOOD_ROW)).ok
    reviews = (
        "customer,review date,credit score,limit\n"
        "C-1,2026-03-31,712,50000\nC-1,2026-06-30,655,40000\nC-9,2026-06-30,600,1000\n"
    )
    refused = run(migrated_engine, "credit_history", reviews)
    assert [(p.row, p.column, p.reason) for p in refused.problems] == [
        (4, "customer_id", "no such customer")
    ]
    assert count(migrated_engine, CreditScoreHistory) == 0
    assert run(migrated_engine, "credit_history", reviews.rsplit("C-9", 1)[0]).ok
    again = run(
        migrated_engine,
        "credit_history",
        "customer_id,reviewed_on,score,credit_limit\nC-1,2026-06-30,650,40000\n",
    )
    assert [p.reason for p in again.problems] == ["already in the database (use upsert to update)"]
    records = (
        "customer_id,source_system,email,updated_at\n"
        "C-1,billing,old@example.com,2024-05-01 08:00\nC-1,support,,\n"
    )
    assert run(migrated_engine, "source_records", records).ok
    with migrated_engine.connect() as conn:
        rows = conn.execute(
            select(CustomerSourceRecord.source_system, CustomerSourceRecord.updated_at).order_by(
                CustomerSourceRecord.source_system
            )
        ).all()
        scores = (
            conn.execute(select(CreditScoreHistory.score).order_by(CreditScoreHistory.reviewed_on))
            .scalars()
            .all()
        )
    assert scores == [712, 655]
    assert rows[0][1].year == 2024 and rows[1][1].date() >= TODAY


def test_kri_definitions_import_for_administrators_only(migrated_engine):
    """Issue 13: KRI definitions are importable; each names its register risk by code, the
    thresholds are in the direction's order, and only an administrator without a region
    scope may import them (they apply to the whole organisation)."""
    from data_access.kri import refresh_kris
    from data_access.models import KeyRiskIndicator, KriValue

    admin = Viewer("admin", "admin")
    risks = "code,title,category,owner,likelihood,impact\nR-101,Key account churn,CHN,Li Na,3,4\n"
    assert run(migrated_engine, "risks", risks, viewer=admin).ok
    kris = (
        "KRI,risk code,metric,metric_param,region,direction,amber,red\n"
        "Churn East,R-101,churn_rate,,East,higher_bad,0.02,0.03\n"
        "DQ customers,R-101,dq_score,customers,,lower_bad,0.95,0.9\n"
    )
    with pytest.raises(PermissionError):
        run(migrated_engine, "kris", kris, viewer=ANALYST)
    with pytest.raises(PermissionError):
        run(migrated_engine, "kris", kris, viewer=Viewer("east_admin", "admin", "East"))
    broken = kris + (
        "Unknown risk,R-999,nps,,,lower_bad,30,10\n"
        "Backwards,R-101,csat,,,higher_bad,0.9,0.5\n"
        "DQ nowhere,R-101,dq_score,,,lower_bad,0.95,0.9\n"
    )
    refused = run(migrated_engine, "kris", broken, viewer=admin)
    assert sorted((p.row, p.column) for p in refused.problems) == [
        (4, "risk_id"),
        (5, "amber_threshold"),
        (6, "metric_param"),
    ]
    assert count(migrated_engine, KeyRiskIndicator) == 0
    assert run(migrated_engine, "kris", kris, viewer=admin).ok
    refresh_kris(migrated_engine)
    with migrated_engine.connect() as conn:
        stored = conn.execute(
            select(KeyRiskIndicator.name, KeyRiskIndicator.scope_region, Risk.code)
            .join(Risk, Risk.id == KeyRiskIndicator.risk_id)
            .order_by(KeyRiskIndicator.name)
        ).all()
    assert stored == [("Churn East", "East", "R-101"), ("DQ customers", None, "R-101")]
    assert count(migrated_engine, KriValue) > 0
