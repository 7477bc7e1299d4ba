"""Permissions, the Viewer and the URL round trip of the shared filters."""

from datetime import date

import pytest

from data_access import security
from data_access.filters import Filters, add_months
from data_access.security import Viewer, can


@pytest.mark.parametrize(
    "role, perm, allowed",
    [
        ("executive", security.VIEW_OVERVIEW, True),
        ("executive", security.SEE_PII, False),
        ("executive", security.EDIT_RISKS, False),
        ("executive", security.VIEW_RECORDS, False),
        ("risk_manager", security.EDIT_RISKS, True),
        ("risk_manager", security.SEE_PII, False),
        ("analyst", security.SEE_PII, True),
        ("analyst", security.IMPORT_DATA, True),
        ("analyst", security.EDIT_RISKS, False),
        ("admin", security.ADMIN_USERS, True),
        ("admin", security.VIEW_AUDIT, True),
        ("risk_manager", security.ADMIN_USERS, False),
        ("nobody", security.VIEW_OVERVIEW, False),
        (None, security.VIEW_OVERVIEW, False),
    ],
)
def test_can(role, perm, allowed):
    assert can(role, perm) is allowed


def test_viewer_pii_follows_role():
    assert Viewer("a", "analyst").may_see_pii
    assert not Viewer("e", "executive").may_see_pii
    assert Viewer("r", "risk_manager", "East").cache_key == ("r", "risk_manager", "East")


def test_add_months_crosses_years():
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)


def test_filters_period_and_previous():
    f = Filters(end_month=date(2026, 10, 1), months=3)
    assert f.start == date(2026, 8, 1)
    assert f.end_exclusive == date(2026, 11, 1)
    assert f.month_starts == [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
    assert f.previous().start == date(2026, 5, 1) and f.previous().end_month == date(2026, 7, 1)


def test_filters_round_trip_through_query_params():
    f = Filters(date(2026, 6, 1), 6, ("East", "North"), ("SMB",), ("VIP",))
    params = f.to_query_params()
    assert params == {
        "end": "2026-06",
        "months": "6",
        "region": "East,North",
        "segment": "SMB",
        "tier": "VIP",
        "churn": "contract",
    }
    back = Filters.from_query_params(params, default_end=date(2026, 10, 1))
    # Order follows the code list, so the same selection always gives the same URL.
    assert back == Filters(date(2026, 6, 1), 6, ("North", "East"), ("SMB",), ("VIP",))


def test_the_churn_basis_comes_from_the_link_or_the_organisation_default():
    end = date(2026, 10, 1)
    linked = Filters.from_query_params({"churn": "activity"}, end, "contract", 60)
    assert (linked.churn_basis, linked.inactivity_days) == ("activity", 60)
    assert Filters.from_query_params({}, end, "activity", 90).churn_basis == "activity"
    hostile = Filters.from_query_params({"churn": "x' OR 1=1"}, end, "contract", 90)
    assert hostile.churn_basis == "contract"
    assert Filters.from_query_params(linked.to_query_params(), end, "contract", 60) == linked


@pytest.mark.parametrize(
    "params",
    [
        {"end": "2099-01", "months": "7"},
        {"end": "garbage", "months": "x"},
        {"end": "2026-13", "region": "Atlantis,'; DROP TABLE customers;--"},
        {"region": "E" * 10_000},
    ],
)
def test_filters_reject_bad_query_params(params):
    f = Filters.from_query_params(params, default_end=date(2026, 10, 1))
    assert f.end_month == date(2026, 10, 1)
    assert f.months == 3
    assert f.regions == ()
