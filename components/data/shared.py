"""What every page reads: the data's latest full month, the settings, and where a period
ends. Not per viewer: the same for everyone."""

from __future__ import annotations

from datetime import date, datetime

from components.cache import cached, engine
from data_access import overview
from data_access.filters import Filters
from data_access.security import Viewer
from data_access.settings import all_settings


@cached("shared")
def latest_full_month() -> date:
    with engine().connect() as conn:
        return overview.latest_full_month(conn)


@cached("shared")
def app_settings() -> dict:
    with engine().connect() as conn:
        return all_settings(conn)


@cached("viewer_counts")
def customer_count(viewer: Viewer) -> int:
    """Customers the viewer may see: 0 means there is nothing to analyse yet."""
    with engine().connect() as conn:
        return overview.customer_count(conn, viewer)


def period_end(filters: Filters, now: datetime) -> datetime:
    """The end of the filters' period, or now if the period has not ended yet."""
    return min(datetime.combine(filters.end_exclusive, datetime.min.time()), now)
