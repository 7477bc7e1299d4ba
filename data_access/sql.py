"""Small portable SQL building blocks shared by the query modules (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, Connection, Float, Integer, case, cast, func, literal

from data_access.filters import add_months


def sum_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """COUNT of rows where `condition` holds (0, not NULL, when none do)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def month_bucket(column: ColumnElement, months: Sequence[date]) -> ColumnElement[str]:
    """The ISO first day of the month `column` falls in, for rows already limited to `months`
    (a CASE ladder works the same on every dialect, unlike strftime/date_trunc)."""
    return case(*[(column < add_months(m, 1), literal(m.isoformat())) for m in months])


def hours_between(conn: Connection, start: ColumnElement, end: ColumnElement) -> ColumnElement:
    """Elapsed hours from `start` to `end` (timestamps) as a float, per dialect."""
    if conn.dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 24.0
    return cast(func.extract("epoch", end - start), Float) / 3600.0


def days_between(conn: Connection, start: ColumnElement, end: ColumnElement) -> ColumnElement:
    """Whole days from `start` to `end` (dates), per dialect (PostgreSQL: date - date is an
    integer number of days, not an interval)."""
    if conn.dialect.name == "sqlite":
        return cast(func.julianday(end) - func.julianday(start), Integer)
    return end - start
