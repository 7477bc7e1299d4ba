"""Actions on warnings: what was done about a customer on the at-risk, win-back,
falling-credit or overdue list, and how it ended.

Every write checks the permission (ACT_ON_WARNINGS) and the region scope here, validates the
whole input first (a message naming each field and value), and writes its row and one audit
row in one transaction — an audit row is a data change, so cached views drop. Recording an
outcome compares the caller's `version` with the row's and refuses a stale edit. Reads are
scoped in SQL through the customer's region.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, case, func, insert, select, update

from analytics.actions import COLLECTION_KIND, RETENTION_KINDS
from data_access import audit
from data_access.filters import Filters
from data_access.models import Customer, CustomerAction
from data_access.pii import mask_frame
from data_access.scope import customer_conditions
from data_access.security import ACT_ON_WARNINGS, VIEW_RECORDS, Viewer
from data_access.sql import sum_if

ACTION_KINDS = ("retention_offer", "call", "credit_limit_change", COLLECTION_KIND)
# The warning (list) an action came from.
ACTION_SOURCES = ("at_risk", "win_back", "falling_credit", "overdue")
OUTCOMES: dict[str, tuple[str, ...]] = {
    **{kind: ("saved", "lost") for kind in RETENTION_KINDS},
    "credit_limit_change": ("limit_changed",),
    COLLECTION_KIND: ("paid", "partly_paid", "written_off"),
}
STATUSES = ("open", "done")
MAX_NOTE = 4000
MAX_AMOUNT = Decimal("1000000000000")  # what numeric(14, 2) holds
PAGE_SIZE = 50


class ActionError(Exception):
    """Base class: the message is meant for the user."""


class ActionNotAllowedError(ActionError):
    pass


class StaleActionError(ActionError):
    pass


class ActionValidationError(ActionError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _require(viewer: Viewer) -> None:
    if not viewer.can(ACT_ON_WARNINGS):
        raise ActionNotAllowedError("Your role may not record actions on customers.")


def _amount(field: str, value: Any, errors: dict[str, str]) -> Decimal | None:
    """A money amount ≥ 0 (two decimals), or an entry in `errors` naming the value."""
    try:
        if isinstance(value, bool) or value is None:
            raise InvalidOperation
        amount = Decimal(str(value))
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors[field] = f"must be an amount of money, got {value!r}"
        return None
    if amount < 0:
        errors[field] = f"must be 0 or more, got {value}"
        return None
    if amount >= MAX_AMOUNT:
        errors[field] = f"{value} is too large"
        return None
    return amount.quantize(Decimal("0.01"))


def _visible_customer(conn: Connection, viewer: Viewer, customer_id: Any) -> Any:
    if not isinstance(customer_id, int) or isinstance(customer_id, bool):
        return None
    stmt = select(Customer.id, Customer.external_id).where(
        Customer.id == customer_id, *customer_conditions(viewer)
    )
    return conn.execute(stmt).first()


def create_action(
    engine: Engine,
    viewer: Viewer,
    customer_id: int,
    kind: str,
    source: str,
    owner: str,
    due_date: date,
    amount_at_stake: Any,
    note: str = "",
    now: datetime | None = None,
) -> int:
    """Record an open action on a customer of the viewer's scope; returns its id. A customer
    outside the scope is refused as not found. `amount_at_stake`: the customer's monthly
    revenue for a churn warning, the overdue amount for a credit one."""
    _require(viewer)
    now = now or datetime.now()
    errors: dict[str, str] = {}
    if kind not in ACTION_KINDS:
        errors["kind"] = f"unknown kind {kind!r}; one of {', '.join(ACTION_KINDS)}"
    if source not in ACTION_SOURCES:
        errors["source"] = f"unknown warning {source!r}; one of {', '.join(ACTION_SOURCES)}"
    owner = (owner or "").strip()
    if not owner:
        errors["owner"] = "is required"
    elif len(owner) > 80:
        errors["owner"] = f"is {len(owner)} characters; at most 80"
    if not isinstance(due_date, date) or isinstance(due_date, datetime):
        errors["due_date"] = f"must be a date, got {due_date!r}"
    elif due_date < now.date():
        errors["due_date"] = f"{due_date} is in the past (today is {now.date()})"
    note = note or ""
    if len(note) > MAX_NOTE:
        errors["note"] = f"is {len(note)} characters; at most {MAX_NOTE}"
    at_stake = _amount("amount_at_stake", amount_at_stake, errors)
    with engine.begin() as conn:
        customer = _visible_customer(conn, viewer, customer_id)
        if customer is None:
            errors["customer"] = f"customer {customer_id!r} not found"
        if errors:
            raise ActionValidationError(errors)
        new_id = conn.execute(
            insert(CustomerAction)
            .values(
                customer_id=customer_id,
                kind=kind,
                source=source,
                owner=owner,
                due_date=due_date,
                note=note.strip(),
                amount_at_stake=at_stake,
                status="open",
                created_by=viewer.username,
                created_at=now,
                updated_at=now,
                version=1,
            )
            .returning(CustomerAction.id)
        ).scalar_one()
        audit.record(
            conn,
            viewer.username,
            "customer_action_created",
            "customer_action",
            new_id,
            {
                "customer": customer.external_id,
                "kind": kind,
                "source": source,
                "owner": owner,
                "due": str(due_date),
                "amount_at_stake": str(at_stake),
            },
        )
    return int(new_id)


def record_outcome(
    engine: Engine,
    viewer: Viewer,
    action_id: int,
    version: int,
    outcome: str,
    amount_recovered: Any,
    outcome_on: date,
    now: datetime | None = None,
) -> int:
    """Close an open action with its outcome (one that fits its kind), the amount recovered
    (≥ 0; for a collection step at most the amount at stake) and the day it happened (not in
    the future, not before the action was recorded). `version` is the one the form showed: a
    change saved since is refused (StaleActionError). Returns the new version."""
    _require(viewer)
    now = now or datetime.now()
    errors: dict[str, str] = {}
    recovered = _amount("amount_recovered", amount_recovered, errors)
    if not isinstance(outcome_on, date) or isinstance(outcome_on, datetime):
        errors["outcome_at"] = f"must be a date, got {outcome_on!r}"
        outcome_on = None
    elif outcome_on > now.date():
        errors["outcome_at"] = f"{outcome_on} is in the future (today is {now.date()})"
    with engine.begin() as conn:
        stmt = (
            select(CustomerAction)
            .join(Customer, Customer.id == CustomerAction.customer_id)
            .where(CustomerAction.id == action_id, *customer_conditions(viewer))
        )
        action = conn.execute(stmt).first()
        if action is None:
            raise ActionValidationError({"action": f"action {action_id!r} not found"})
        if action.version != version:
            raise StaleActionError(
                f"Action {action_id} was changed by someone else (version {action.version}, "
                f"you edited version {version}). Reload it; nothing was saved."
            )
        if action.status != "open":
            raise ActionValidationError(
                {"action": f"action {action_id} already has an outcome ({action.outcome})"}
            )
        fitting = OUTCOMES[action.kind]
        if outcome not in fitting:
            errors["outcome"] = (
                f"{outcome!r} does not fit a {action.kind} action; one of {', '.join(fitting)}"
            )
        at_stake = Decimal(str(action.amount_at_stake))
        if recovered is not None and action.kind == COLLECTION_KIND and recovered > at_stake:
            errors["amount_recovered"] = (
                f"{recovered} is more than the {at_stake} at stake on a collection step"
            )
        if outcome_on is not None and outcome_on < action.created_at.date():
            errors["outcome_at"] = (
                f"{outcome_on} is before the action was recorded ({action.created_at.date()})"
            )
        if errors:
            raise ActionValidationError(errors)
        done = conn.execute(
            update(CustomerAction)
            .where(CustomerAction.id == action_id, CustomerAction.version == version)
            .values(
                status="done",
                outcome=outcome,
                amount_recovered=recovered,
                outcome_at=outcome_on,
                updated_at=now,
                version=version + 1,
            )
        )
        if done.rowcount != 1:
            raise StaleActionError(
                f"Action {action_id} was changed by someone else; nothing was saved."
            )
        audit.record(
            conn,
            viewer.username,
            "customer_action_outcome",
            "customer_action",
            action_id,
            {"outcome": outcome, "amount_recovered": str(recovered), "on": str(outcome_on)},
        )
    return version + 1


def _prefix_pattern(text: str) -> str:
    """A LIKE pattern matching values that start with `text` taken literally."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def list_actions(
    conn: Connection,
    viewer: Viewer,
    status: str | None = None,
    filters: Filters | None = None,
    page: int = 0,
    page_size: int = PAGE_SIZE,
    on: date | None = None,
    customer: str = "",
) -> tuple[pd.DataFrame, int]:
    """One page of the actions on the viewer's customers (status "open", "done" or None for
    all), open ones due first, and the total. `overdue` = open and due before `on` (today).
    `customer` narrows the list to customer ids starting with it (any case): the id, never
    the name, so a role without personal data cannot probe names through the search."""
    if not viewer.can(VIEW_RECORDS):
        raise PermissionError("customer records")
    if status is not None and status not in STATUSES:
        raise ValueError(f"status: unknown {status!r}")
    on = on or date.today()
    conditions = customer_conditions(viewer, filters)
    if status is not None:
        conditions.append(CustomerAction.status == status)
    if customer.strip():
        conditions.append(Customer.external_id.ilike(_prefix_pattern(customer), escape="\\"))
    joined = CustomerAction.__table__.join(Customer, Customer.id == CustomerAction.customer_id)
    total = conn.execute(select(func.count()).select_from(joined).where(*conditions)).scalar_one()
    stmt = (
        select(
            CustomerAction.id,
            CustomerAction.version,
            Customer.external_id.label("customer_id"),
            Customer.name.label("customer"),
            Customer.region,
            CustomerAction.kind,
            CustomerAction.source,
            CustomerAction.owner,
            CustomerAction.due_date,
            CustomerAction.amount_at_stake,
            CustomerAction.status,
            CustomerAction.outcome,
            CustomerAction.amount_recovered,
            CustomerAction.outcome_at,
            CustomerAction.note,
            CustomerAction.created_by,
        )
        .select_from(joined)
        .where(*conditions)
        .order_by(CustomerAction.status.desc(), CustomerAction.due_date, CustomerAction.id)
        .offset(max(0, page) * page_size)
        .limit(page_size)
    )
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    if frame.empty:
        return frame, int(total)
    for column in ("amount_at_stake", "amount_recovered"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["overdue"] = (frame["status"] == "open") & (frame["due_date"] < on)
    return mask_frame(frame, viewer, {"customer": "name"}), int(total)


def outcome_counts(
    conn: Connection, viewer: Viewer, filters: Filters | None = None
) -> pd.DataFrame:
    """Per action kind, in one grouped query over the viewer's customers: actions, open,
    saved, lost, paid, partly_paid, written_off, limit_changed, the amount recovered and the
    amount at stake of the closed ones (`recovered`, `at_stake_done`). Kinds without actions
    are rows of zeros."""
    done = CustomerAction.status == "done"
    stmt = (
        select(
            CustomerAction.kind,
            func.count().label("actions"),
            sum_if(CustomerAction.status == "open").label("open"),
            *(
                sum_if(CustomerAction.outcome == outcome).label(outcome)
                for outcome in ("saved", "lost", "paid", "partly_paid", "written_off")
            ),
            sum_if(CustomerAction.outcome == "limit_changed").label("limit_changed"),
            func.coalesce(func.sum(CustomerAction.amount_recovered), 0).label("recovered"),
            func.coalesce(func.sum(case((done, CustomerAction.amount_at_stake))), 0).label(
                "at_stake_done"
            ),
        )
        .join(Customer, Customer.id == CustomerAction.customer_id)
        .where(*customer_conditions(viewer, filters))
        .group_by(CustomerAction.kind)
    )
    result = conn.execute(stmt)
    found = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame = pd.DataFrame({"kind": list(ACTION_KINDS)}).merge(found, on="kind", how="left")
    numbers = [c for c in frame.columns if c != "kind"]
    frame[numbers] = frame[numbers].apply(pd.to_numeric, errors="coerce").fillna(0)
    for column in numbers:
        if column not in ("recovered", "at_stake_done"):
            frame[column] = frame[column].astype(int)
        else:
            frame[column] = frame[column].astype(float)
    return frame
