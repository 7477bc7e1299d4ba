"""Issue 14: the dashboards' aggregates read a columnar DuckDB snapshot of the analytical
tables. Every figure a page reads from it must equal the same statement on the database it
was copied from — for an unscoped viewer, a region-scoped one and one who sees masked PII —
and a snapshot older than the last import is not used."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from data_access import audit, churn, churn_model, complaints, overview, satisfaction, snapshot
from data_access.churn_model import ModelKey
from data_access.filters import Filters
from data_access.satisfaction import Focus
from data_access.security import Viewer

pytestmark = pytest.mark.db

ALL = Viewer("risk", "risk_manager")
EAST = Viewer("risk_east", "risk_manager", "East")
ANALYST = Viewer("analyst", "analyst")
PERIOD = Filters(end_month=date(2026, 10, 1), months=3)
ACTIVITY = Filters(end_month=date(2026, 10, 1), months=3, churn_basis="activity")
YEAR = PERIOD.over_months(12)
AT = date(2026, 11, 1)
AT_TIME = datetime(2026, 11, 1)

FIGURES = {
    "overview.churn_by_month": lambda c, v: overview.churn_by_month(c, v, YEAR),
    "overview.nps_by_month": lambda c, v: overview.nps_by_month(c, v, YEAR),
    "overview.nps_counts": lambda c, v: overview.nps_counts(c, v, PERIOD, by="region"),
    "overview.complaint_sla_counts": lambda c, v: overview.complaint_sla_counts(
        c, v, PERIOD, AT_TIME
    ),
    "overview.latest_full_month": lambda c, v: overview.latest_full_month(c),
    "overview.customer_count": lambda c, v: overview.customer_count(c, v),
    "churn.churn_by_split": lambda c, v: churn.churn_by_split(c, v, PERIOD, "contract_type"),
    "churn.churn_by_split[activity]": lambda c, v: churn.churn_by_split(c, v, ACTIVITY, "tier"),
    "churn.revenue_retention": lambda c, v: churn.revenue_retention(c, v, YEAR),
    "churn.cohort_churn_counts": lambda c, v: churn.cohort_churn_counts(c, v, PERIOD),
    "churn.cohort_invoices": lambda c, v: churn.cohort_invoices(c, v, PERIOD),
    "churn.cohort_customers": lambda c, v: churn.cohort_customers(
        c, v, PERIOD, date(2025, 11, 1), date(2025, 12, 1), None
    ),
    "churn.survival_counts": lambda c, v: churn.survival_counts(c, v, PERIOD, "region", AT),
    "churn.survival_counts[all]": lambda c, v: churn.survival_counts(c, v, PERIOD, None, AT),
    "churn.churn_reasons": lambda c, v: churn.churn_reasons(c, v, PERIOD, "segment"),
    "churn.churn_reasons_by_month": lambda c, v: churn.churn_reasons_by_month(c, v, YEAR),
    "churn.recently_churned": lambda c, v: churn.recently_churned(c, v, PERIOD),
    "churn.overdue_aging": lambda c, v: churn.overdue_aging(c, v, PERIOD, AT),
    "churn.receivables": lambda c, v: churn.receivables(c, v, PERIOD, AT),
    "churn.credit_score_changes": lambda c, v: churn.credit_score_changes(c, v, PERIOD),
    "churn.top_exposures": lambda c, v: churn.top_exposures(c, v, PERIOD, AT),
    "satisfaction.survey_by_month": lambda c, v: satisfaction.survey_by_month(c, v, YEAR),
    "satisfaction.survey_cube": lambda c, v: satisfaction.survey_cube(c, v, PERIOD, 6),
    "satisfaction.survey_cube[focus]": lambda c, v: satisfaction.survey_cube(
        c, v, PERIOD, 6, Focus("touchpoint", "support")
    ),
    "satisfaction.survey_by_month[focus]": lambda c, v: satisfaction.survey_by_month(
        c, v, YEAR, Focus("segment", "SMB")
    ),
    "overview.nps_counts[all]": lambda c, v: overview.nps_counts(c, v, PERIOD),
    "satisfaction.customer_cube": lambda c, v: satisfaction.customer_cube(c, v, PERIOD),
    "satisfaction.active_customers": lambda c, v: satisfaction.active_customers(
        c, v, PERIOD, "touchpoint"
    ),
    "satisfaction.detractor_comments": lambda c, v: satisfaction.detractor_comments(c, v, PERIOD),
    "complaints.complaint_counts": lambda c, v: complaints.complaint_counts(c, v, PERIOD, AT_TIME),
    "complaints.response_times": lambda c, v: complaints.response_times(c, v, PERIOD),
    "complaints.backlog_aging": lambda c, v: complaints.backlog_aging(c, v, PERIOD, AT_TIME),
    "complaints.complaint_cube": lambda c, v: complaints.complaint_cube(c, v, PERIOD),
    "complaints.complaint_page": lambda c, v: complaints.complaint_page(c, v, PERIOD, AT_TIME),
}


@pytest.fixture(scope="module")
def copy(seeded_engine):
    """A snapshot taken now (other modules refit models on the shared database)."""
    taken = snapshot.refresh(seeded_engine)
    engine = snapshot.reader(taken)
    yield engine
    engine.dispose()


def _comparable(value: object) -> object:
    """Rows in a fixed order (engines may return groups in any order), numbers as floats."""
    if isinstance(value, tuple):
        return tuple(_comparable(v) for v in value)
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        frame = value.reset_index(drop=True)
        for column in frame.columns:
            if pd.api.types.is_numeric_dtype(frame[column]):
                frame[column] = frame[column].astype(float)
            else:
                frame[column] = frame[column].map(lambda x: None if pd.isna(x) else str(x))
        return frame.sort_values(list(frame.columns), ignore_index=True, na_position="first")
    if isinstance(value, int | float | np.number):
        return float(value)
    return value


def _assert_same(expected: object, got: object) -> None:
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(
            got, expected, check_dtype=False, rtol=1e-6
        )  # julianday is a float
    elif isinstance(expected, tuple | list):
        assert len(got) == len(expected)
        for e, g in zip(expected, got, strict=True):
            _assert_same(e, g)
    elif isinstance(expected, dict):
        assert got.keys() == expected.keys()
        for key in expected:
            _assert_same(expected[key], got[key])
    elif isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-6)
    else:
        assert got == expected


@pytest.mark.parametrize("viewer", [ALL, EAST, ANALYST], ids=["all", "east", "analyst"])
@pytest.mark.parametrize("figure", FIGURES)
def test_the_snapshot_answers_exactly_as_the_database(seeded_engine, copy, viewer, figure):
    with seeded_engine.connect() as primary, copy.connect() as columnar:
        expected = _comparable(FIGURES[figure](primary, viewer))
        got = _comparable(FIGURES[figure](columnar, viewer))
    _assert_same(expected, got)


def test_scoped_lists_from_the_snapshot_hold_only_the_region(copy):
    with copy.connect() as conn:
        for frame in (
            churn.recently_churned(conn, EAST, PERIOD),
            churn.top_exposures(conn, EAST, PERIOD, AT),
            churn.cohort_customers(conn, EAST, PERIOD, date(2025, 1, 1), AT, None)[0],
            complaints.complaint_page(conn, EAST, PERIOD, AT_TIME)[0],
        ):
            assert len(frame) and set(frame["region"]) == {"East"}


def test_the_at_risk_list_reads_the_same_from_the_snapshot(seeded_engine, copy):
    with copy.connect() as conn:
        stored = churn_model.stored_model(conn, ModelKey.of(ALL, PERIOD))
        assert stored is not None and churn_model.holds_fit(conn, stored.id)
        got, total = churn_model.at_risk(conn, EAST, PERIOD, stored, 0.05, 0, None)
    with seeded_engine.connect() as conn:
        expected, expected_total = churn_model.at_risk(conn, EAST, PERIOD, stored, 0.05, 0, None)
    assert total == expected_total > 0
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_an_import_after_the_snapshot_makes_it_stale_until_the_next_one(migrated_engine):
    first = snapshot.refresh(migrated_engine)
    with migrated_engine.connect() as conn:
        assert snapshot.is_fresh(first, conn)
    with migrated_engine.begin() as conn:
        audit.record(conn, "ann", "import", "customers", "file.csv", {"rows": 1})
    with migrated_engine.connect() as conn:
        assert not snapshot.is_fresh(first, conn)
        assert snapshot.current(migrated_engine) == first
    again = snapshot.ensure_fresh(migrated_engine)
    assert again != first and again.version > first.version
    with migrated_engine.connect() as conn:
        assert snapshot.is_fresh(again, conn)
    assert snapshot.current(migrated_engine) == again


def test_each_database_has_its_own_snapshot_folder(migrated_engine, seeded_engine):
    assert snapshot.directory(migrated_engine) != snapshot.directory(seeded_engine)


def test_a_snapshot_of_another_format_is_never_read(migrated_engine):
    """After an upgrade that changes the snapshot's tables, the old file (newer data version
    or not) is ignored and removed by the next refresh instead of failing a page."""
    folder = snapshot.directory(migrated_engine)
    folder.mkdir(parents=True, exist_ok=True)
    old = folder / "999999999999-1.duckdb"  # the name an older release gave it
    old.write_bytes(b"")
    assert (
        snapshot.current(migrated_engine) is None or snapshot.current(migrated_engine).path != old
    )
    taken = snapshot.refresh(migrated_engine)
    assert snapshot.current(migrated_engine) == taken
    assert not old.exists()


def test_the_copy_can_read_a_replica_instead_of_the_primary(
    migrated_engine, seeded_engine, monkeypatch
):
    """ANALYTICS_SOURCE_URL: the dashboards' copy is taken from a read replica (here: another
    database holding the customers), never loading the primary people write to."""
    replica = seeded_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("ANALYTICS_SOURCE_URL", replica)
    taken = snapshot.refresh(migrated_engine)
    assert taken.path.parent == snapshot.directory(migrated_engine)
    columnar = snapshot.reader(taken)
    try:
        with columnar.connect() as conn, seeded_engine.connect() as source:
            assert overview.customer_count(conn, ALL) == overview.customer_count(source, ALL) > 0
    finally:
        columnar.dispose()
    with migrated_engine.connect() as conn:
        assert overview.customer_count(conn, ALL) == 0


def test_a_copy_that_fails_leaves_the_data_and_the_primary_answers(migrated_engine, monkeypatch):
    """The import is committed before the copy: a failing copy is logged, not raised, and
    the stale snapshot is not used."""
    first = snapshot.refresh(migrated_engine)
    with migrated_engine.begin() as conn:
        audit.record(conn, "ann", "import", "customers", "file.csv", {"rows": 1})

    def broken(_primary):
        raise OSError("disk full")

    monkeypatch.setattr(snapshot, "refresh", broken)
    assert snapshot.publish(migrated_engine) is None
    assert snapshot.current(migrated_engine) == first
    with migrated_engine.connect() as conn:
        assert not snapshot.is_fresh(first, conn)
