"""Every dashboard page in Chinese shows code values (regions, segments, tiers, statuses,
treatments, channels, categories…) by their Chinese label, never the English code (issue 16).
The import and administration pages list the codes themselves on purpose (what a file must
hold, what the lists contain) and are not walked."""

import json
import os
import re

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from components import state
from components.i18n import LOCALES
from data_access.db import make_engine
from data_access.models import Incident, KeyRiskIndicator
from tests.app.conftest import login

DASHBOARDS = (
    "app_pages/overview.py",
    "app_pages/register.py",
    "app_pages/satisfaction.py",
    "app_pages/churn.py",
    "app_pages/data_quality.py",
)
CODED = (
    "region",
    "segment",
    "tier",
    "status",
    "treatment",
    "channel",
    "touchpoint",
    "severity",
    "contract_type",
    "churn_reason",
    "reason",
    "lifecycle_stage",
)
_ZH = json.loads((LOCALES / "zh.json").read_text(encoding="utf-8"))
# English codes whose Chinese label differs (VIP reads VIP in both).
ENGLISH = {
    code
    for group in ("code", "risk_status", "treatment")
    for code, label in _ZH[group].items()
    if code != label
}


def _open_in_chinese(page: str) -> AppTest:
    at = login("admin", link={"lang": "zh"})
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", DASHBOARDS)
def test_code_values_read_in_chinese(page):
    at = _open_in_chinese(page)
    english = set()
    for frame in (df.value for df in at.dataframe):
        for column in (c for c in CODED if c in frame.columns):
            english |= {v for v in frame[column].dropna().astype(str) if v in ENGLISH}
    assert not english, f"English codes on {page}: {sorted(english)}"
    assert any(df.value.shape[0] for df in at.dataframe) or page.endswith("overview.py")


# Words a Chinese hover may keep: measures' names, and units.
_KEPT = {"NPS", "CSAT", "CES", "GRR", "NRR", "DSO", "CNY", "SLA", "KRI", "VIP", "ERP", "CRM"}


def _english_in_hovers(at: AppTest) -> set[str]:
    """English words in the charts' hover templates, placeholders and series names aside."""
    found = set()
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            template = trace.get("hovertemplate")
            if not isinstance(template, str):
                continue
            text = re.sub(r"%\{[^}]*\}|<extra>.*?</extra>|<[^>]+>", " ", template)
            found |= {w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in _KEPT}
    return found


@pytest.mark.parametrize("page", DASHBOARDS)
def test_hover_texts_read_in_chinese(page):
    at = _open_in_chinese(page)
    assert at.get("plotly_chart"), f"no chart on {page}"
    english = _english_in_hovers(at)
    assert not english, f"English in the hover texts on {page}: {sorted(english)}"


def test_the_new_charts_hover_in_chinese():
    """The charts drawn only for a chosen object: an incident's recovery, a KRI's history
    (with month axis), and the actions' save rates on the churn page."""
    engine = make_engine(os.environ["DATABASE_URL"])
    with engine.connect() as conn:
        breach = conn.execute(
            select(Incident.id).where(Incident.status == "resolved").order_by(Incident.id)
        ).scalar()
        kri = conn.execute(select(KeyRiskIndicator.id).order_by(KeyRiskIndicator.id)).scalar()
    engine.dispose()
    at = login("admin", link={"lang": "zh", state.INCIDENT_PARAM: str(breach)})
    at.switch_page("app_pages/incidents.py").run()
    assert not at.exception, at.exception
    assert at.get("plotly_chart"), "no recovery chart"
    english = _english_in_hovers(at)
    # The KRI is picked before the page runs: AppTest formats a changed select box's options
    # outside the app's run, in English, so a Chinese page cannot be re-run after a pick.
    at = login("admin", link={"lang": "zh"})
    at.session_state[state.KRI_PICK] = kri
    at.switch_page("app_pages/register.py").run()
    assert not at.exception, at.exception
    history = [c for c in at.get("plotly_chart") if "kri" in (c.key or "")]
    assert history, "no KRI history chart"
    assert "%b" not in history[0].proto.spec  # month axis by number, not English names
    english |= _english_in_hovers(at)
    assert not english, f"English in the hover texts: {sorted(english)}"
