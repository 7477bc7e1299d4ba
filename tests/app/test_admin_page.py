"""The administration page through AppTest: only admins, clear refusals, settings saved."""

from components import state
from tests.app.conftest import as_read, login

PAGE = "app_pages/admin.py"


def test_admin_page_refuses_a_weak_password_and_creates_a_user():
    at = login("admin")
    at.switch_page(PAGE).run()
    assert not at.exception
    at.text_input(key=state.ADMIN_NEW_USERNAME).input("north_analyst")
    at.text_input(key=state.ADMIN_NEW_NAME).input("Ma Li")
    at.text_input(key=state.ADMIN_NEW_EMAIL).input("ma.li@example.com")
    at.text_input(key=state.ADMIN_NEW_PASSWORD).input("north_analyst-1")
    next(b for b in at.button if b.label == "Create user").click().run()
    assert any("must not contain the user name" in e.value for e in at.error)
    at.text_input(key=state.ADMIN_NEW_PASSWORD).input("a much longer secret")
    next(b for b in at.button if b.label == "Create user").click().run()
    assert any("User north_analyst created." in s.value for s in at.success)
    assert "north_analyst" in list(at.dataframe[0].value["username"])


def test_settings_validation_is_shown_and_nothing_saved():
    at = login("admin")
    at.switch_page(PAGE).run()
    low = next(n for n in at.number_input if n.label == "Low")
    low.set_value(20)  # above the Medium bound
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert any("Low < Medium < High" in as_read(e.value) for e in at.error)


def test_last_admin_cannot_deactivate_themself():
    at = login("admin")
    at.switch_page(PAGE).run()
    at.selectbox(key=state.ADMIN_CHOSEN_USER).set_value("admin").run()
    next(b for b in at.button if b.label == "Deactivate").click().run()
    assert any("last active administrator" in e.value for e in at.error)


def test_an_admin_sets_the_merge_rules_and_they_are_stored_and_audited():
    """Issue 15: which value a merged customer keeps per field, and the trusted sources."""
    from components.cache import engine
    from data_access import audit, customer_merge

    at = login("admin")
    at.switch_page(PAGE).run()
    email = at.selectbox(key="admin_survivorship_email")
    assert email.value == "most_recent"  # the default for contact fields
    email.set_value("longest")
    ranking = next(m for m in at.multiselect if m.label == "Source systems, most trusted first")
    ranking.set_value(["CRM", "ERP"])
    next(b for b in at.button if b.label == "Save merge rules").click().run()
    assert not at.exception, at.exception
    assert any("Merge rules saved" in s.value for s in at.success)
    with engine().connect() as conn:
        rules = customer_merge.survivorship_rules(conn)
        entry = audit.recent(conn, 1)[0]
    assert rules["fields"]["email"] == "longest" and rules["fields"]["phone"] == "most_recent"
    assert rules["source_ranking"][:2] == ["CRM", "ERP"] and rules["version"] >= 1
    assert entry.action == "survivorship_update" and entry.username == "admin"
