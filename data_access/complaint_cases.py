"""Complaint cases: a complaint worked through its stages (analytics.complaint_cases.STAGES)
by the roles that handle complaints, with an owner, notes, escalation and mediation, and the
customer's answer to the post-resolution satisfaction question recorded at closing.

Every write checks the permission (HANDLE_COMPLAINTS) and the region scope here — a complaint
of a customer outside the viewer's scope is "not found" — validates its input (messages name
the field and the value), compares the caller's `version` with the row's and refuses a stale
edit, and writes the change, one timeline entry and one audit row in one transaction (an
audit row is a data change, so cached views drop).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, case, func, insert, literal_column, select, update

from analytics.complaint_cases import (
    OPEN_STAGES,
    STAGES,
    next_stage,
    stage_clock,
    stage_due,
    transition_problem,
)
from data_access import audit
from data_access.complaints import _in_period
from data_access.filters import Filters
from data_access.models import Complaint, ComplaintCaseEvent, Customer
from data_access.satisfaction import Focus
from data_access.scope import customer_conditions
from data_access.security import HANDLE_COMPLAINTS, Viewer

MAX_NOTE = 4000
MAX_OWNER = 80


class CaseError(Exception):
    """Base class: the message is meant for the user."""


class CaseNotAllowedError(CaseError):
    pass


class StaleCaseError(CaseError):
    pass


class CaseValidationError(CaseError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _require(viewer: Viewer) -> None:
    if not viewer.can(HANDLE_COMPLAINTS):
        raise CaseNotAllowedError("Your role may not handle complaint cases.")


def _note(note: Any, errors: dict[str, str], required: bool = False) -> str:
    if note is not None and not isinstance(note, str):
        errors["note"] = f"must be text, got {note!r}"
        return ""
    note = (note or "").strip()
    if required and not note:
        errors["note"] = "is required"
    elif len(note) > MAX_NOTE:
        errors["note"] = f"is {len(note)} characters; at most {MAX_NOTE}"
    return note


def _load(conn: Connection, viewer: Viewer, complaint_id: Any) -> Any:
    """The complaint row when it exists within the viewer's scope, else a validation error."""
    row = None
    if isinstance(complaint_id, int) and not isinstance(complaint_id, bool):
        row = conn.execute(
            select(Complaint)
            .join(Customer, Customer.id == Complaint.customer_id)
            .where(Complaint.id == complaint_id, *customer_conditions(viewer))
        ).first()
    if row is None:
        raise CaseValidationError({"complaint": f"complaint {complaint_id!r} not found"})
    return row


def _write(
    engine: Engine,
    viewer: Viewer,
    complaint_id: Any,
    version: int,
    now: datetime | None,
    change: Any,
) -> int:
    """Load the case, check its version, let `change(row, errors)` return (values for the row,
    timeline entry, audit action, audit detail); write all in one transaction. Returns the new
    version."""
    _require(viewer)
    now = now or datetime.now()
    with engine.begin() as conn:
        row = _load(conn, viewer, complaint_id)
        if row.version != version:
            raise StaleCaseError(
                f"Complaint {complaint_id} was changed by someone else (version {row.version}, "
                f"you edited version {version}). Reload it; nothing was saved."
            )
        errors: dict[str, str] = {}
        values, event, action, detail = change(row, errors, now)
        if errors:
            raise CaseValidationError(errors)
        done = conn.execute(
            update(Complaint)
            .where(Complaint.id == complaint_id, Complaint.version == version)
            .values(**values, version=version + 1)
        )
        if done.rowcount != 1:
            raise StaleCaseError(
                f"Complaint {complaint_id} was changed by someone else; nothing was saved."
            )
        conn.execute(
            insert(ComplaintCaseEvent).values(
                complaint_id=complaint_id, at=now, by_user=viewer.username, **event
            )
        )
        audit.record(conn, viewer.username, action, "complaint", complaint_id, detail)
    return version + 1


def advance(
    engine: Engine,
    viewer: Viewer,
    complaint_id: int,
    to_stage: str,
    note: str,
    version: int,
    *,
    score: Any = None,
    comment: str = "",
    no_answer: bool = False,
    now: datetime | None = None,
) -> int:
    """Move a case to its next stage (skips and backward moves are refused). Classifying sets
    the first response time and resolving the resolution time when they are empty. Closing
    needs the customer's answer to "how satisfied are you with how your complaint was
    resolved?" — `score` 1–5 and an optional `comment` — or `no_answer=True`. Returns the new
    version."""

    def change(row: Any, errors: dict[str, str], at: datetime) -> tuple:
        text = _note(note, errors)
        problem = transition_problem(row.stage, to_stage)
        if problem:
            errors["to_stage"] = problem
        values: dict[str, Any] = {"stage": to_stage, "stage_since": at}
        detail: dict[str, Any] = {"from": row.stage, "to": to_stage}
        if to_stage == "classified" and row.first_response_at is None:
            values["first_response_at"] = at
        if to_stage == "resolved" and row.resolved_at is None:
            values["resolved_at"] = at
        if to_stage == "closed":
            answer = _feedback(score, comment, no_answer, errors)
            values.update(answer, closed_at=at)
            detail.update({k: v for k, v in answer.items() if k != "feedback_comment"})
        elif score is not None or no_answer:
            errors["score"] = "the satisfaction question is answered only when closing"
        event = {"kind": "advance", "from_stage": row.stage, "to_stage": to_stage, "note": text}
        if to_stage == "closed":
            event["kind"] = "close"
        return values, event, "complaint_stage", detail

    return _write(engine, viewer, complaint_id, version, now, change)


def _feedback(score: Any, comment: Any, no_answer: bool, errors: dict[str, str]) -> dict:
    comment = (comment or "").strip() if isinstance(comment, str) or comment is None else None
    if comment is None:
        errors["comment"] = "must be text"
        comment = ""
    elif len(comment) > MAX_NOTE:
        errors["comment"] = f"is {len(comment)} characters; at most {MAX_NOTE}"
    if no_answer:
        if score is not None:
            errors["score"] = (
                f"got {score!r} but the customer did not answer; give one or the other"
            )
        return {"feedback": "no_answer", "feedback_score": None, "feedback_comment": None}
    if score is None:
        errors["score"] = (
            "closing needs the customer's satisfaction score (1–5) or 'customer did not answer'"
        )
        return {}
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        errors["score"] = f"must be a whole number from 1 to 5, got {score!r}"
        return {}
    return {"feedback": "answered", "feedback_score": score, "feedback_comment": comment or None}


def escalate(
    engine: Engine,
    viewer: Viewer,
    complaint_id: int,
    reason: str,
    version: int,
    now: datetime | None = None,
) -> int:
    """Flag an open case (received, classified or investigating) as escalated, with a reason."""

    def change(row: Any, errors: dict[str, str], at: datetime) -> tuple:
        text = (reason or "").strip() if isinstance(reason, str) or reason is None else ""
        if not text:
            errors["reason"] = "is required"
        elif len(text) > MAX_NOTE:
            errors["reason"] = f"is {len(text)} characters; at most {MAX_NOTE}"
        if row.stage not in OPEN_STAGES:
            errors["stage"] = f"a {row.stage} case cannot be escalated"
        elif row.escalated:
            errors["escalated"] = "the case is already escalated"
        event = {"kind": "escalate", "from_stage": row.stage, "to_stage": row.stage, "note": text}
        values = {"escalated": True, "escalation_reason": text}
        return values, event, "complaint_escalated", {"reason": text}

    return _write(engine, viewer, complaint_id, version, now, change)


def set_mediation(
    engine: Engine,
    viewer: Viewer,
    complaint_id: int,
    on: bool,
    version: int,
    note: str = "",
    now: datetime | None = None,
) -> int:
    """Mark (or unmark) a case as handed to mediation; not once it is closed."""

    def change(row: Any, errors: dict[str, str], at: datetime) -> tuple:
        text = _note(note, errors)
        if not isinstance(on, bool):
            errors["mediation"] = f"must be yes or no, got {on!r}"
        if row.stage == "closed":
            errors["stage"] = "a closed case cannot change its mediation"
        event = {"kind": "mediation", "from_stage": row.stage, "to_stage": row.stage, "note": text}
        return {"mediation": on}, event, "complaint_mediation", {"mediation": on}

    return _write(engine, viewer, complaint_id, version, now, change)


def assign_owner(
    engine: Engine,
    viewer: Viewer,
    complaint_id: int,
    owner: str,
    version: int,
    now: datetime | None = None,
) -> int:
    """Give a case an owner (a name of at most 80 characters)."""

    def change(row: Any, errors: dict[str, str], at: datetime) -> tuple:
        name = (owner or "").strip() if isinstance(owner, str) or owner is None else ""
        if not name:
            errors["owner"] = "is required"
        elif len(name) > MAX_OWNER:
            errors["owner"] = f"is {len(name)} characters; at most {MAX_OWNER}"
        event = {"kind": "owner", "from_stage": row.stage, "to_stage": row.stage, "note": name}
        detail = {"from": row.owner, "to": name}
        return {"owner": name}, event, "complaint_owner", detail

    return _write(engine, viewer, complaint_id, version, now, change)


def add_note(
    engine: Engine,
    viewer: Viewer,
    complaint_id: int,
    note: str,
    version: int,
    now: datetime | None = None,
) -> int:
    """Add a note to the case's timeline."""

    def change(row: Any, errors: dict[str, str], at: datetime) -> tuple:
        text = _note(note, errors, required=True)
        event = {"kind": "note", "from_stage": row.stage, "to_stage": row.stage, "note": text}
        return {}, event, "complaint_note", {"chars": len(text)}

    return _write(engine, viewer, complaint_id, version, now, change)


def case_view(conn: Connection, viewer: Viewer, complaint_id: int, now: datetime) -> dict:
    """The case as its panel shows it: stage, next stage, owner, flags, version, the clock of
    the current stage, the feedback, and the timeline (oldest first) as `events`."""
    _require(viewer)
    row = _load(conn, viewer, complaint_id)
    since = row.stage_since or row.opened_at
    due = stage_due(row.stage, row.severity, since, row.opened_at, row.resolution_due_at)
    start = row.opened_at if row.stage in ("received", "investigating") else since
    clock = stage_clock(since, due, now, start=start)
    events = conn.execute(
        select(
            ComplaintCaseEvent.at,
            ComplaintCaseEvent.by_user,
            ComplaintCaseEvent.kind,
            ComplaintCaseEvent.from_stage,
            ComplaintCaseEvent.to_stage,
            ComplaintCaseEvent.note,
        )
        .where(ComplaintCaseEvent.complaint_id == complaint_id)
        .order_by(ComplaintCaseEvent.at, ComplaintCaseEvent.id)
    )
    return {
        "id": row.id,
        "stage": row.stage,
        "next_stage": next_stage(row.stage),
        "stage_since": since,
        "due": due,
        "clock": clock,
        "owner": row.owner,
        "severity": row.severity,
        "escalated": bool(row.escalated),
        "escalation_reason": row.escalation_reason,
        "mediation": bool(row.mediation),
        "version": row.version,
        "feedback": row.feedback,
        "feedback_score": row.feedback_score,
        "events": pd.DataFrame(events.all(), columns=list(events.keys())),
    }


def feedback_sums(
    conn: Connection, viewer: Viewer, filters: Filters, focus: Focus | None = None
) -> pd.DataFrame:
    """Post-resolution satisfaction answers of complaints opened in the period, by whether the
    resolution met its SLA ("within_sla", "breached"): n, the sum and the sum of squares of
    the scores, in one grouped query (the interval is analytics.complaint_cases')."""
    breached = Complaint.resolved_at > Complaint.resolution_due_at
    # Inline text, not bound parameters: PostgreSQL must see the same expression in GROUP BY.
    group = case(
        (breached, literal_column("'breached'")), else_=literal_column("'within_sla'")
    ).label("sla")
    score = Complaint.feedback_score
    stmt = (
        select(
            group,
            func.count(score).label("n"),
            func.coalesce(func.sum(score), 0).label("total"),
            func.coalesce(func.sum(score * score), 0).label("total_sq"),
        )
        .join(Customer, Customer.id == Complaint.customer_id)
        .where(
            *_in_period(viewer, filters, focus),
            Complaint.feedback == "answered",
            Complaint.resolved_at.is_not(None),
        )
        .group_by(group)
    )
    found = pd.DataFrame(conn.execute(stmt).all(), columns=["sla", "n", "total", "total_sq"])
    frame = pd.DataFrame({"sla": ["within_sla", "breached"]}).merge(found, on="sla", how="left")
    return frame.infer_objects().fillna(0).astype({"n": int, "total": float, "total_sq": float})


def stage_counts(
    conn: Connection, viewer: Viewer, filters: Filters, focus: Focus | None = None
) -> dict[str, int]:
    """Complaints opened in the period per case stage (every stage present)."""
    stmt = (
        select(Complaint.stage, func.count(Complaint.id))
        .join(Customer, Customer.id == Complaint.customer_id)
        .where(*_in_period(viewer, filters, focus))
        .group_by(Complaint.stage)
    )
    found = dict(conn.execute(stmt).all())
    return {stage: int(found.get(stage, 0)) for stage in STAGES}
