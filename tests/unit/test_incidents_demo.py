"""The demo's incidents: the recovery estimate on the seeded demo recovers the planted
effects (the 95% interval contains the planted churn rise and complaint rise), and the demo's
incident texts exist in every demo language."""

from datetime import datetime

import pytest

from analytics.incidents import difference_in_differences, recovery_windows
from data_access import incident_recovery, incidents
from data_access.security import Viewer
from demo import vocab
from demo.incidents import PLANTED_CHURN, PLANTED_COMPLAINT_SHARE, RECOVERY_MONTHS, TEXTS

pytestmark = pytest.mark.db

RISK = Viewer("risk", "risk_manager")
EAST = Viewer("risk_east", "risk_manager", "East")
NOW = datetime(2026, 11, 1, 12)
ORDER = (
    ("affected", "before"),
    ("affected", "after"),
    ("comparison", "before"),
    ("comparison", "after"),
)


def _breach(conn):
    listed = incidents.list_incidents(conn, RISK, "all", NOW)
    return int(listed[listed["is_data_breach"] & (listed["status"] == "resolved")]["id"].iloc[0])


def test_the_recovery_estimate_recovers_the_planted_effects(seeded_engine):
    with seeded_engine.connect() as conn:
        iid = _breach(conn)
        row = incidents.incident_detail(conn, RISK, iid)["incident"]
        windows = recovery_windows(row["started_at"], row["contained_at"], RECOVERY_MONTHS)
        assert windows.after_end < NOW.date()
        cells = incident_recovery.recovery_cells(conn, RISK, iid, windows).cells
    churn = difference_in_differences("churn", *(cells["churn"][k] for k in ORDER), min_n=30)
    complaints = difference_in_differences(
        "complaints", *(cells["complaints"][k] for k in ORDER), min_n=30
    )
    assert churn.sufficient and churn.low <= PLANTED_CHURN <= churn.high
    assert churn.low > -0.05  # an effect of the planted size, not noise around a large one
    planted = 100 * PLANTED_COMPLAINT_SHARE
    assert complaints.low <= planted <= complaints.high
    assert complaints.low > 0  # the complaint rise is significant


def test_the_demo_incidents_have_a_timeline_duties_actions_and_a_closed_one(seeded_engine):
    with seeded_engine.connect() as conn:
        listed = incidents.list_incidents(conn, RISK, "all", NOW)
        details = [incidents.incident_detail(conn, RISK, int(i)) for i in listed["id"]]
        east = incidents.list_incidents(conn, EAST, "all", NOW)
    assert len(listed) == 3
    assert {"open", "closed"} <= {"closed" if s == "closed" else "open" for s in listed["status"]}
    breach = next(d for d in details if d["incident"]["status"] == "resolved")
    parties = breach["duties"].set_index("party")
    assert parties.loc["regulator", "met_at"] <= parties.loc["regulator", "deadline"]
    assert parties.loc["customers", "met_at"] > parties.loc["customers", "deadline"]
    assert len(breach["events"]) >= 4 and len(breach["actions"]) == 2
    closed = next(d for d in details if d["incident"]["status"] == "closed")
    assert closed["incident"]["lessons_learned"] and not closed["actions"].empty
    # The North outage is not shown to an East-scoped user; the all-region ones are.
    assert set(east["region"].dropna()) == set() and len(east) == 2


def test_the_demo_incident_texts_exist_in_every_language():
    assert set(TEXTS) == set(vocab.LANGUAGES)
    keys = {lang: set(words) for lang, words in TEXTS.items()}
    assert keys["zh"] == keys["en"]
    for key in keys["en"]:
        assert type(TEXTS["zh"][key]) is type(TEXTS["en"][key])
        if isinstance(TEXTS["en"][key], tuple):
            assert len(TEXTS["zh"][key]) == len(TEXTS["en"][key])
