"""Required fields through AppTest: an administrator marks fields required on the
data-quality page and, after a check run, the scorecard follows (a partly filled field lowers
completeness, a field nobody fills is "not applicable" with the reason); other roles get no
such form. The test puts the marks back the same way, so the shared database is as before."""

from streamlit.testing.v1 import AppTest

from tests.app.conftest import as_read, login

PAGE = "app_pages/data_quality.py"
CUSTOMERS = "Required fields of customers"
INVOICES = "Required fields of invoices"


def open_page(username: str) -> AppTest:
    at = login(username)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def tile(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def marks(at: AppTest, label: str) -> list[str]:
    return list(next(m for m in at.multiselect if m.label == label).value)


def mark(at: AppTest, fields: dict[str, list[str]]) -> AppTest:
    """Save the marks of each table (by its multiselect's label), then run the checks."""
    for label, chosen in fields.items():
        next(m for m in at.multiselect if m.label == label).set_value(chosen)
    next(b for b in at.button if b.label == "Save required fields").click().run()
    assert not at.exception, at.exception
    assert any("Required fields saved" in s.value for s in at.success)
    next(b for b in at.button if b.label == "Run checks now").click().run()
    assert not at.exception, at.exception
    return at


def not_applicable_text(at: AppTest) -> str:
    return "\n".join(as_read(m.value) for m in at.markdown if "Not applicable" in m.value)


def test_admin_marks_fields_required_and_the_scorecard_follows():
    at = open_page("admin")
    before = {label: tile(at, label) for label in ("Overall score", "Completeness")}
    defaults = {CUSTOMERS: marks(at, CUSTOMERS), INVOICES: marks(at, INVOICES)}
    assert defaults == {CUSTOMERS: ["credit_score", "email", "name", "phone"], INVOICES: []}
    assert not_applicable_text(at) == ""
    try:
        # About 40% of the demo's customers have no company; no invoice carries a number.
        mark(at, {CUSTOMERS: [*defaults[CUSTOMERS], "company"], INVOICES: ["invoice_number"]})
        after = tile(at, "Completeness")
        assert float(after.rstrip("%")) < float(before["Completeness"].rstrip("%")) - 1
        shown = not_applicable_text(at)
        assert "INV_INVOICE_NUMBER_NOT_NULL" in shown, shown
        assert "no row has a value in invoices.invoice_number" in shown
        rules = at.dataframe[0].value.set_index("code")
        assert rules.loc["INV_INVOICE_NUMBER_NOT_NULL", "note"] == "Not applicable"
        assert rules.loc["CUS_COMPANY_NOT_NULL", "active"]
    finally:
        mark(at, defaults)
    assert {label: tile(at, label) for label in before} == before
    assert not_applicable_text(at) == ""
    rules = at.dataframe[0].value.set_index("code")
    # The rule created for a mark stays, but is not scored while the field is not required.
    assert rules.loc["CUS_COMPANY_NOT_NULL", "note"] == "Not a required field"


def test_other_roles_cannot_mark_required_fields():
    for username in ("analyst", "risk", "exec"):
        at = open_page(username)
        assert not [m for m in at.multiselect if m.label.startswith("Required fields of")]
        assert not any(b.label == "Save required fields" for b in at.button)
