"""Row-level security and shared filters as SQL conditions. Every query goes through here."""

from __future__ import annotations

from sqlalchemy import ColumnElement, FromClause, or_

from data_access.filters import Filters
from data_access.models import Customer, Risk
from data_access.security import Viewer


def _effective(chosen: tuple[str, ...], scope: str | None) -> list[str] | None:
    """Values to keep: the chosen ones within the viewer's scope; None = no restriction.
    A scoped viewer asking for another region gets an empty list, i.e. nothing."""
    if scope is None:
        return list(chosen) if chosen else None
    return [scope] if not chosen or scope in chosen else []


def customer_conditions(
    viewer: Viewer, filters: Filters | None = None, table: FromClause | None = None
) -> list[ColumnElement[bool]]:
    """WHERE conditions on `customers` for the viewer's region scope and the filters; or on
    `table`, a summary with the customers' region, segment and tier columns."""
    columns = table.c if table is not None else Customer
    conditions: list[ColumnElement[bool]] = []
    regions = _effective(filters.regions if filters else (), viewer.region_scope)
    if regions is not None:
        conditions.append(columns.region.in_(regions))
    if filters and filters.segments:
        conditions.append(columns.segment.in_(filters.segments))
    if filters and filters.tiers:
        conditions.append(columns.tier.in_(filters.tiers))
    return conditions


def risk_conditions(viewer: Viewer, filters: Filters | None = None) -> list[ColumnElement[bool]]:
    """WHERE conditions on `risks`: a risk with no region applies to every region."""
    conditions: list[ColumnElement[bool]] = []
    regions = _effective(filters.regions if filters else (), viewer.region_scope)
    if regions is not None:
        conditions.append(or_(Risk.region.is_(None), Risk.region.in_(regions)))
    if filters and filters.segments:
        conditions.append(or_(Risk.segment.is_(None), Risk.segment.in_(filters.segments)))
    if filters and filters.tiers:
        conditions.append(or_(Risk.tier.is_(None), Risk.tier.in_(filters.tiers)))
    return conditions
