"""Cached data of the churn page's actions on warnings: the actions list, the report (save
rate and credit loss avoided), the falling-credit list and the next credit review of listed
customers. Records and actions are read from the primary database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from analytics.actions import (
    LossAvoided,
    credit_loss_avoided,
    is_high_risk_credit,
    next_credit_review,
    save_rates,
)
from components.cache import cached, engine
from components.data.shared import app_settings
from data_access import actions, credit_review
from data_access.filters import Filters
from data_access.security import Viewer

PAGE_SIZE = 50


@cached("churn")
def actions_page(
    viewer: Viewer, filters: Filters, status: str, page: int, today: date, customer: str = ""
) -> tuple[pd.DataFrame, int]:
    """One page of the viewer's actions with `status` (open or done) on customers whose id
    starts with `customer`, and their total; `overdue` flags open actions due before `today`."""
    with engine().connect() as conn:
        return actions.list_actions(
            conn, viewer, status, filters, page, PAGE_SIZE, today, customer
        )


@dataclass
class ActionReport:
    counts: pd.DataFrame  # per kind: actions, open, outcomes, amounts
    save_rates: pd.DataFrame  # per retention kind: rate with its 95% Wilson interval
    loss_avoided: LossAvoided
    min_n: int


@cached("churn")
def action_report(viewer: Viewer, filters: Filters) -> ActionReport:
    """Save rate per retention kind and credit loss avoided, over the viewer's customers."""
    min_n = int(app_settings()["min_sample_size"])
    with engine().connect() as conn:
        counts = actions.outcome_counts(conn, viewer, filters)
    return ActionReport(counts, save_rates(counts, min_n), credit_loss_avoided(counts, min_n), min_n)


def _cadence() -> tuple[int, int]:
    settings = app_settings()
    return int(settings["credit_review_days"]), int(settings["credit_review_days_high_risk"])


@cached("churn")
def falling_credit_page(
    viewer: Viewer, filters: Filters, at: date, page: int
) -> tuple[pd.DataFrame, int]:
    """One page of the customers whose credit score fell, with the next review's day (they
    are high-risk: the shorter cadence), and their total."""
    with engine().connect() as conn:
        rows, total = credit_review.falling_credit_customers(
            conn, viewer, filters, at, page, PAGE_SIZE
        )
    if rows.empty:
        return rows, total
    normal, high = _cadence()
    due = [next_credit_review(d, True, normal, high) for d in rows["last_review"]]
    return rows.assign(next_review=due), total


@cached("churn")
def next_reviews(
    viewer: Viewer, ids: tuple[int, ...], days_overdue: tuple[float, ...]
) -> dict[int, date | None]:
    """The next credit review of listed customers (internal ids, with their days overdue):
    the shorter cadence when their score fell or an invoice is over 60 days overdue."""
    with engine().connect() as conn:
        reviews = credit_review.latest_reviews(conn, viewer, list(ids)).set_index("id")
    normal, high = _cadence()
    due: dict[int, date | None] = {}
    for customer, overdue in zip(ids, days_overdue, strict=True):
        if customer not in reviews.index:
            due[customer] = None
            continue
        falling = bool(reviews.loc[customer, "falling"])
        last = reviews.loc[customer, "last_review"]
        due[customer] = next_credit_review(
            last, is_high_risk_credit(falling, overdue), normal, high
        )
    return due
