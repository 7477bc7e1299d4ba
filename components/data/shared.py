"""What every page reads: the data's latest full month, the settings, and where a period
ends. Not per viewer: the same for everyone."""

from __future__ import annotations

from datetime import date, datetime, time

from components.cache import cached, engine, facts
from data_access import code_lists, overview
from data_access.filters import Filters
from data_access.security import Viewer
from data_access.settings import all_settings


@cached("shared")
def latest_full_month() -> date:
    with facts().connect() as conn:
        return overview.latest_full_month(conn)


@cached("shared")
def app_settings() -> dict:
    with engine().connect() as conn:
        return all_settings(conn)


@cached("shared")
def code_entries() -> dict[str, tuple[code_lists.CodeEntry, ...]]:
    """The organisation's code lists with labels, retired codes included (cleared with every
    admin change, so an added code is offered at once)."""
    with engine().connect() as conn:
        return code_lists.all_entries(conn)


def active_code_lists() -> dict[str, tuple[str, ...]]:
    """The codes new data and new records may use, per list, in display order."""
    return {name: tuple(e.code for e in es if e.active) for name, es in code_entries().items()}


def readable_code_lists() -> dict[str, tuple[str, ...]]:
    """Every code stored data may carry (retired ones too), per list: what filters accept."""
    return {name: tuple(e.code for e in es) for name, es in code_entries().items()}


@cached("shared")
def code_labels() -> dict[str, tuple[str, str | None]]:
    """code → (English, Chinese label) from the lists; a code in two lists takes the first."""
    labels: dict[str, tuple[str, str | None]] = {}
    for entries in code_entries().values():
        for e in entries:
            labels.setdefault(e.code, (e.label_en, e.label_zh))
    return labels


@cached("viewer_counts")
def customer_count(viewer: Viewer) -> int:
    """Customers the viewer may see: 0 means there is nothing to analyse yet."""
    with facts().connect() as conn:
        return overview.customer_count(conn, viewer)


def period_end(filters: Filters, now: datetime) -> datetime:
    """The end of the filters' period, or now if the period has not ended yet."""
    return min(datetime.combine(filters.end_exclusive, datetime.min.time()), now)


def risk_moments(filters: Filters, now: datetime) -> tuple[datetime, datetime]:
    """When the risk figures stand, and the moment they are compared with. While the period
    is the latest (it ends where the running month begins) that is now — the register page
    counts as of today too, so both show the same number — and one period length earlier;
    for an earlier period, its end and the end of the period before."""
    if filters.end_exclusive < now.date().replace(day=1):
        return period_end(filters, now), period_end(filters.previous(), now)
    length = datetime.combine(filters.end_exclusive, time()) - datetime.combine(
        filters.start, time()
    )
    return now, now - length
