"""Table exports: the CSV's stamp line and defused formulas; the workbook read back with
openpyxl — stamp sheet, readable headers, text kept as text, numbers and dates formatted."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pandas as pd
from openpyxl import load_workbook

from components.export import readable, safe_csv, stamped_xlsx

FRAME = pd.DataFrame(
    {
        "code": ["R-001", "R-002"],
        "title": ['=HYPERLINK("http://x","y")', "Churn of VIP accounts"],
        "score": [16, 9],
        "exposure": [1234567.891, 0.5],
        "next_review_date": [date(2026, 12, 1), None],
        "updated_at": pd.to_datetime(["2026-11-26 09:30", "2026-11-25 17:00"]),
    }
)
STAMP = [("View", "Aug 2026 – Oct 2026 · region East"), ("Generated", "2026-11-26 22:15 by risk")]


def test_the_csv_names_its_view_first_and_defuses_formulas():
    text = safe_csv(FRAME, "View: region East · Generated: 2026-11-26 by risk").decode("utf-8-sig")
    first, rest = text.split("\n", 1)
    assert first == "# View: region East · Generated: 2026-11-26 by risk"
    rows = list(csv.DictReader(io.StringIO(rest)))
    assert rows[0]["title"] == '\'=HYPERLINK("http://x","y")'
    assert [r["code"] for r in rows] == ["R-001", "R-002"]
    assert safe_csv(FRAME).decode("utf-8-sig").startswith("code,title")  # no stamp asked


def test_the_workbook_holds_the_stamp_and_a_formatted_table():
    book = load_workbook(io.BytesIO(stamped_xlsx(FRAME, STAMP, "risk_register")))
    assert book.sheetnames == ["About", "risk_register"]
    about = book["About"]
    assert [[c.value for c in row] for row in about.iter_rows()] == [list(s) for s in STAMP]
    sheet = book["risk_register"]
    assert [c.value for c in sheet[1]] == [
        "Code",
        "Title",
        "Score",
        "Exposure",
        "Next review date",
        "Updated at",
    ]
    title = sheet["B2"]
    assert title.value == '=HYPERLINK("http://x","y")' and title.data_type == "s"  # text
    assert sheet["C2"].value == 16 and sheet["C2"].number_format == "#,##0"
    assert sheet["D2"].value == 1234567.891 and sheet["D2"].number_format == "#,##0.00"
    assert sheet["E2"].value == datetime(2026, 12, 1) and sheet["E2"].number_format == "yyyy-mm-dd"
    assert sheet["E3"].value is None  # missing stays empty
    assert sheet["F2"].value == datetime(2026, 11, 26, 9, 30)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:F3"


def test_headers_read_as_words():
    assert readable("next_review_date") == "Next review date"
    assert readable("code") == "Code"
