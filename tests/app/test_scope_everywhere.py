"""risk_east never receives a row of another region: on any page it may open, with or
without URL parameters asking for other regions. (Downloads are built from these same
scoped frames; the data-layer tests check each query's scope directly.)"""

import pytest

from components.navigation import PAGES
from data_access.security import can
from tests.app.conftest import login

EAST_PAGES = [p.path for p in PAGES if can("risk_manager", p.permission)]


@pytest.mark.parametrize("page", EAST_PAGES)
@pytest.mark.parametrize("params", [{}, {"region": "West"}, {"region": "East,West,North"}])
def test_risk_east_sees_only_east(page, params):
    at = login("risk_east")
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    seen: set[str] = set()
    for frame in (df.value for df in at.dataframe):
        if "region" in frame.columns:
            seen |= set(frame["region"].dropna())
    assert seen <= {"East", "All"}  # "All": register risks that apply to every region
