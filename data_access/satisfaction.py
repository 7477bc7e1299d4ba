"""Survey aggregates (NPS, CSAT, CES) per month, per segment and per comparison window, and the
detractor verbatims. Counting happens in SQL; analytics.satisfaction turns counts into scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)

from data_access.churn_basis import lost_on
from data_access.code_lists import code_lists
from data_access.filters import Filters, add_months
from data_access.models import Customer, CustomerAttribute, SurveyResponse
from data_access.pii import mask_frame
from data_access.scope import customer_conditions
from data_access.security import VIEW_RECORDS, Viewer
from data_access.snapshot import ANSWER_COUNTS, ANSWER_DIMENSIONS, SURVEY_MONTHS
from data_access.sql import month_bucket, sum_if

# Dimensions a page may break down by or focus on: an allow-list of names, never user text in
# SQL; each names the organisation's code list its values come from (read from the data).
DIMENSION_CODES: dict[str, str] = {
    "region": "region",
    "segment": "segment",
    "tier": "tier",
    "channel": "channel",
    "lifecycle_stage": "lifecycle_stage",
    "touchpoint": "touchpoint",
}
CUSTOMER_DIMENSIONS = ("region", "segment", "tier", "channel", "lifecycle_stage")
# An imported customer attribute as a dimension: "@" + its name (the name is a bound
# parameter). Offered when it has a handful of values, like a code list.
ATTRIBUTE_PREFIX = "@"
MAX_ATTRIBUTE_VALUES = 20
NOT_GIVEN = "not_given"


def is_attribute_dimension(dimension: str) -> bool:
    name = dimension[len(ATTRIBUTE_PREFIX) :]
    return (
        dimension.startswith(ATTRIBUTE_PREFIX)
        and 0 < len(name) <= 60
        and ":" not in name
        and not any(ord(c) < 32 for c in name)
    )


def is_dimension(dimension: object) -> bool:
    """A dimension a page may group or focus by: a listed one or an imported attribute."""
    return isinstance(dimension, str) and (
        dimension in DIMENSION_CODES or is_attribute_dimension(dimension)
    )


def attribute_dimensions(conn: Connection, viewer: Viewer) -> tuple[str, ...]:
    """The imported attributes of the viewer's customers with 2 to MAX_ATTRIBUTE_VALUES
    values (a breakdown of ids or free text would be one bar per customer), by name."""
    distinct = func.count(func.distinct(CustomerAttribute.value))
    stmt = (
        select(CustomerAttribute.name)
        .join(Customer, Customer.id == CustomerAttribute.customer_id)
        .where(*customer_conditions(viewer))
        .group_by(CustomerAttribute.name)
        .having(distinct.between(2, MAX_ATTRIBUTE_VALUES))
        .order_by(CustomerAttribute.name)
    )
    found = (ATTRIBUTE_PREFIX + name for name in conn.execute(stmt).scalars())
    return tuple(d for d in found if is_attribute_dimension(d))


COUNT_COLUMNS = list(ANSWER_COUNTS)


@dataclass(frozen=True)
class Focus:
    """One segment the page is narrowed to, e.g. region = East (from a chart click or the URL)."""

    dimension: str
    value: str

    def __post_init__(self) -> None:
        # The value is a bound parameter; its shape is checked here, its code by from_param.
        if (
            not is_dimension(self.dimension)
            or not isinstance(self.value, str)
            or not 0 < len(self.value) <= 40
            or any(ord(c) < 32 for c in self.value)
        ):
            raise ValueError(f"unknown segment {self.dimension}={self.value!r}")

    def to_param(self) -> str:
        return f"{self.dimension}:{self.value}"

    @classmethod
    def from_param(
        cls, raw: str | None, lists: Mapping[str, Sequence[str]] | None = None
    ) -> Focus | None:
        """Parse `dimension:value`; anything malformed, or (with the organisation's `lists`,
        by list name) a value not in the dimension's list, gives None."""
        dimension, _, value = str(raw or "")[:100].partition(":")
        try:
            focus = cls(dimension, value)
        except ValueError:
            return None
        listed = DIMENSION_CODES.get(dimension)  # attributes have no list: any stored value
        if lists is not None and listed is not None and value not in lists.get(listed, ()):
            return None
        return focus

    @property
    def applies_to_customers(self) -> bool:
        """False for survey-only dimensions (touchpoint), which cannot narrow complaints."""
        return self.dimension in CUSTOMER_DIMENSIONS or is_attribute_dimension(self.dimension)


def dimension_column(dimension: str) -> ColumnElement:
    """The column (or, for an attribute, the customer's value of it; "not_given" without
    one) a query groups or filters by."""
    if not is_dimension(dimension):
        raise ValueError(f"cannot group by {dimension!r}")
    if is_attribute_dimension(dimension):
        value = (
            select(CustomerAttribute.value)
            .where(
                CustomerAttribute.customer_id == Customer.id,
                CustomerAttribute.name == dimension[len(ATTRIBUTE_PREFIX) :],
            )
            .correlate(Customer)
            .scalar_subquery()
        )
        return func.coalesce(value, literal(NOT_GIVEN))
    table = SurveyResponse if dimension == "touchpoint" else Customer
    return getattr(table, dimension)


def focus_conditions(focus: Focus | None, surveys: bool = True) -> list[ColumnElement[bool]]:
    """The focus as a WHERE condition; a survey-only focus is ignored for non-survey queries."""
    if focus is None or (not surveys and not focus.applies_to_customers):
        return []
    return [dimension_column(focus.dimension) == focus.value]


def _counts() -> list[ColumnElement]:
    return [
        func.count(SurveyResponse.nps).label("n_nps"),
        sum_if(SurveyResponse.nps >= 9).label("promoters"),
        sum_if(SurveyResponse.nps <= 6).label("detractors"),
        func.count(SurveyResponse.csat).label("n_csat"),
        sum_if(SurveyResponse.csat >= 4).label("csat_top2"),
        func.count(SurveyResponse.ces).label("n_ces"),
        func.coalesce(func.sum(SurveyResponse.ces), 0).label("ces_sum"),
        func.coalesce(func.sum(SurveyResponse.ces * SurveyResponse.ces), 0).label("ces_sumsq"),
    ]


def summarised(conn: Connection, focus: Focus | None, dimensions: Sequence[str] = ()) -> bool:
    """True on the analytical snapshot when the counts are keyed and focused by listed
    dimensions only: then they are sums of its monthly summary (`snapshot.SURVEY_MONTHS`),
    tens of thousands of rows instead of every answer."""
    wanted = [*dimensions, *([focus.dimension] if focus else [])]
    return conn.dialect.name == "duckdb" and all(d in ANSWER_DIMENSIONS for d in wanted)


def answer_day(summary: bool) -> ColumnElement:
    """The day (the summary: the first of the month) an answer was given."""
    return SURVEY_MONTHS.c.month if summary else SurveyResponse.responded_on


def answer_column(dimension: str, summary: bool) -> ColumnElement:
    """The column counts are grouped by for `dimension`, in the answers or the summary."""
    return SURVEY_MONTHS.c[dimension] if summary else dimension_column(dimension)


def answer_stmt(
    viewer: Viewer,
    filters: Filters,
    focus: Focus | None,
    start: date,
    end: date,
    *keys: ColumnElement,
    summary: bool = False,
) -> Select:
    """Answer counts (COUNT_COLUMNS) from `start` to `end` (month starts), grouped by `keys`
    built with `answer_day`/`answer_column` on the same source."""
    if not summary:
        stmt = (
            select(*keys, *_counts())
            .join(Customer, Customer.id == SurveyResponse.customer_id)
            .where(
                SurveyResponse.responded_on >= start,
                SurveyResponse.responded_on < end,
                *customer_conditions(viewer, filters),
                *focus_conditions(focus),
            )
        )
    else:
        months = SURVEY_MONTHS.c
        focused = [months[focus.dimension] == focus.value] if focus else []
        stmt = (
            select(*keys, *(func.coalesce(func.sum(months[n]), 0).label(n) for n in ANSWER_COUNTS))
            .select_from(SURVEY_MONTHS)
            .where(
                months.month >= start,
                months.month < end,
                *customer_conditions(viewer, filters, SURVEY_MONTHS),
                *focused,
            )
        )
    return stmt.group_by(*keys) if keys else stmt


def _frame(result: CursorResult, keys: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(result.all(), columns=[*keys, *COUNT_COLUMNS])
    frame[COUNT_COLUMNS] = frame[COUNT_COLUMNS].fillna(0).astype("int64")
    return frame


def survey_by_month(
    conn: Connection, viewer: Viewer, filters: Filters, focus: Focus | None = None
) -> pd.DataFrame:
    """Counts for every month of the period (months without answers are zeros)."""
    summary = summarised(conn, focus)
    month = month_bucket(answer_day(summary), filters.month_starts).label("month")
    stmt = answer_stmt(
        viewer, filters, focus, filters.start, filters.end_exclusive, month, summary=summary
    )
    found = _frame(conn.execute(stmt), ["month"]).set_index("month")
    index = [m.isoformat() for m in filters.month_starts]
    out = found.reindex(index, fill_value=0).reset_index(names="month")
    out["month"] = filters.month_starts
    return out


def survey_breakdown(
    conn: Connection, viewer: Viewer, filters: Filters, by: str, focus: Focus | None = None
) -> pd.DataFrame:
    """Counts in the period per value of `by` (every code listed, zeros where no answers)."""
    column = dimension_column(by).label("value")
    stmt = answer_stmt(viewer, filters, focus, filters.start, filters.end_exclusive, column)
    found = _frame(conn.execute(stmt), ["value"]).set_index("value")
    # Every active code of the list in its order, then values only stored rows still carry
    # (an attribute has no list: the values found).
    listed = list(code_lists(conn)[DIMENSION_CODES[by]]) if by in DIMENSION_CODES else []
    extra = [v for v in found.index if v not in listed and v is not None]
    return found.reindex(listed + extra, fill_value=0).reset_index(names="value")


def survey_windows(
    conn: Connection,
    viewer: Viewer,
    filters: Filters,
    by: str,
    baseline_months: int,
    focus: Focus | None = None,
) -> pd.DataFrame:
    """Counts per value of `by` in two windows: `latest` (the filter period) and `baseline`
    (the `baseline_months` before it). One grouped query."""
    baseline_start = add_months(filters.start, -baseline_months)
    window = case(
        (SurveyResponse.responded_on >= filters.start, literal("latest")), else_=literal("baseline")
    ).label("window")
    column = dimension_column(by).label("value")
    stmt = answer_stmt(
        viewer, filters, focus, baseline_start, filters.end_exclusive, column, window
    )
    return _frame(conn.execute(stmt), ["value", "window"])


LISTED_DIMENSIONS = tuple(DIMENSION_CODES)  # the cube's keys: every listed dimension


def survey_cube(
    conn: Connection,
    viewer: Viewer,
    filters: Filters,
    baseline_months: int,
    focus: Focus | None = None,
) -> pd.DataFrame:
    """Answer counts per window (`latest` = the period, `baseline` = the `baseline_months`
    before it) × every listed dimension, in one grouped scan: at most windows × the product
    of the code lists' sizes rows, whatever the number of answers. Counts add up, so every
    breakdown and every early-warning window is a sum of its rows (`roll_up`)."""
    baseline_start = add_months(filters.start, -baseline_months)
    summary = summarised(conn, focus, LISTED_DIMENSIONS)
    window = case(
        (answer_day(summary) >= filters.start, literal("latest")), else_=literal("baseline")
    ).label("window")
    keys = [answer_column(d, summary).label(d) for d in LISTED_DIMENSIONS]
    stmt = answer_stmt(
        viewer,
        filters,
        focus,
        baseline_start,
        filters.end_exclusive,
        window,
        *keys,
        summary=summary,
    )
    return _frame(conn.execute(stmt), ["window", *LISTED_DIMENSIONS])


def customer_cube(
    conn: Connection, viewer: Viewer, filters: Filters, focus: Focus | None = None
) -> pd.DataFrame:
    """Customers active at some time in the period (`customers`) and in the period before
    (`customers_before`) per combination of the customer dimensions, in one grouped scan; a
    customer has one value of each, so the count of any one dimension's value is a sum of
    rows."""
    lost = lost_on(conn, filters)
    before = filters.previous()
    keys = [dimension_column(d).label(d) for d in CUSTOMER_DIMENSIONS]
    stmt = (
        select(
            *keys,
            sum_if(or_(lost.is_(None), lost >= filters.start)).label("customers"),
            # Every row is still there at the start of the period before (WHERE).
            sum_if(Customer.signup_date < before.end_exclusive).label("customers_before"),
        )
        .where(
            Customer.signup_date < filters.end_exclusive,
            or_(lost.is_(None), lost >= before.start),
            *customer_conditions(viewer, filters),
            *focus_conditions(focus, False),
        )
        .group_by(*keys)
    )
    columns = [*CUSTOMER_DIMENSIONS, "customers", "customers_before"]
    frame = pd.DataFrame(conn.execute(stmt).all(), columns=columns)
    frame[columns[-2:]] = frame[columns[-2:]].fillna(0).astype("int64")
    return frame


def active_from(cube: pd.DataFrame, by: str) -> pd.DataFrame:
    """`active_customers` from the customer cube: per value of `by`, those with any."""
    rolled = roll_up(cube, by, ["customers"])
    return rolled[rolled["customers"] > 0].reset_index(drop=True)


def roll_up(cube: pd.DataFrame, by: str, columns: list[str], *keys: str) -> pd.DataFrame:
    """Sum `columns` of a cube per value of `by` (and `keys`), an empty value kept as its own
    group; `value` names the dimension's column as in the per-dimension queries."""
    summed = cube.groupby([by, *keys], dropna=False, sort=False)[columns].sum().reset_index()
    return summed.rename(columns={by: "value"})


def breakdown_from(conn: Connection, cube: pd.DataFrame, by: str) -> pd.DataFrame:
    """`survey_breakdown` from the cube: the period's counts per value of `by`, every active
    code of its list in order, then values only stored rows carry."""
    latest = roll_up(cube[cube["window"] == "latest"], by, COUNT_COLUMNS).set_index("value")
    listed = list(code_lists(conn)[DIMENSION_CODES[by]])
    extra = [v for v in latest.index if v not in listed and v is not None and v == v]
    found = latest[latest.index.notna()]
    out = found.reindex(listed + extra, fill_value=0).reset_index(names="value")
    out[COUNT_COLUMNS] = out[COUNT_COLUMNS].astype("int64")
    return out


def active_customers(
    conn: Connection, viewer: Viewer, filters: Filters, by: str, focus: Focus | None = None
) -> pd.DataFrame:
    """Customers active at some time in the period, per value of `by`. For touchpoint (not a
    customer attribute) it is the customers who answered a survey at that touchpoint."""
    lost = lost_on(conn, filters)
    active = and_(
        Customer.signup_date < filters.end_exclusive,
        or_(lost.is_(None), lost >= filters.start),
    )
    conditions = [active, *customer_conditions(viewer, filters), *focus_conditions(focus, False)]
    if by == "touchpoint":
        stmt = (
            select(
                SurveyResponse.touchpoint.label("value"),
                func.count(func.distinct(SurveyResponse.customer_id)).label("customers"),
            )
            .join(Customer, Customer.id == SurveyResponse.customer_id)
            .where(
                *conditions,
                *focus_conditions(focus),
                SurveyResponse.responded_on >= filters.start,
                SurveyResponse.responded_on < filters.end_exclusive,
            )
            .group_by(SurveyResponse.touchpoint)
        )
    else:
        column = dimension_column(by)
        stmt = (
            select(column.label("value"), func.count(Customer.id).label("customers"))
            .where(*conditions)
            .group_by(column)
        )
    return pd.DataFrame(conn.execute(stmt).mappings().all(), columns=["value", "customers"])


def detractor_comments(
    conn: Connection,
    viewer: Viewer,
    filters: Filters,
    focus: Focus | None = None,
    limit: int = 25,
) -> pd.DataFrame:
    """The latest detractor (NPS 0–6) comments in the period, PII masked for the viewer.
    Comments are records: a role that sees aggregates only (executives) gets none."""
    if not viewer.can(VIEW_RECORDS):
        raise PermissionError("survey comments are records; this role sees aggregates only")
    stmt = (
        select(
            SurveyResponse.responded_on,
            SurveyResponse.nps,
            SurveyResponse.touchpoint,
            Customer.region,
            Customer.segment,
            Customer.tier,
            Customer.name.label("customer"),
            SurveyResponse.comment,
        )
        .join(Customer, Customer.id == SurveyResponse.customer_id)
        .where(
            SurveyResponse.responded_on >= filters.start,
            SurveyResponse.responded_on < filters.end_exclusive,
            SurveyResponse.nps <= 6,
            SurveyResponse.comment.is_not(None),
            SurveyResponse.comment != "",
            *customer_conditions(viewer, filters),
            *focus_conditions(focus),
        )
        .order_by(SurveyResponse.responded_on.desc(), SurveyResponse.id.desc())
        .limit(max(1, min(limit, 200)))
    )
    columns = ["responded_on", "nps", "touchpoint", "region", "segment", "tier", "customer"]
    frame = pd.DataFrame(conn.execute(stmt).mappings().all(), columns=[*columns, "comment"])
    return mask_frame(frame, viewer, {"customer": "name", "comment": "text"})
