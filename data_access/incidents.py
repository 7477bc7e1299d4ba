"""Incidents: a register risk that materialised, worked from detection to closing.

An incident has the risk it materialised, a severity, its times (started, detected,
contained, resolved, closed — analytics.incidents keeps them ordered), the affected customers
(by a customer filter, set-based, or by an import of customer ids), a timeline, for a data
breach the notification duties with their deadlines, the register actions it created, and the
lessons learned that closing requires.

Scope follows the register's rule: an incident carries its risk's region (None = all regions);
a region-scoped viewer sees the incidents of their region and the all-region ones, may change
only their region's, and counts only the affected customers of their region. Another region's
incident is "not found". Every write checks MANAGE_INCIDENTS and the scope here, compares the
caller's `version` with the row's (a stale edit is refused), and writes the change, its
timeline entry and one audit row in one transaction.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from analytics.incidents import (
    EVENT_KINDS,
    PARTIES,
    SEVERITIES,
    STATUS_TIME,
    next_status,
    notification_deadline,
    time_order_problems,
    transition_problem,
)
from data_access import audit
from data_access.code_lists import code_lists
from data_access.filters import Filters
from data_access.models import (
    Customer,
    Incident,
    IncidentCustomer,
    IncidentEvent,
    IncidentNotification,
    ResponsePlan,
    Risk,
    RiskAction,
)
from data_access.pii import PII_SHOWN
from data_access.scope import customer_conditions, risk_conditions
from data_access.security import MANAGE_INCIDENTS, Viewer
from data_access.settings import BREACH_NOTICE_KEYS, get_setting

MAX_TEXT = 4000
MAX_TITLE = 200
MAX_OWNER = 80
MAX_IMPORT_CHARS = 5_000_000
MAX_IMPORT_ROWS = 100_000
MAX_ERRORS_NAMED = 20
ID_COLUMNS = ("customer_id", "external_id")
CHUNK = 500  # bounded IN lists on every dialect


class IncidentError(Exception):
    """Base class: the message is meant for the user."""


class IncidentNotAllowedError(IncidentError):
    pass


class IncidentNotFoundError(IncidentError):
    pass


class StaleIncidentError(IncidentError):
    pass


class IncidentValidationError(IncidentError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# --- scope -------------------------------------------------------------------------------------


def incident_conditions(viewer: Viewer) -> list[ColumnElement[bool]]:
    """WHERE conditions on `incidents`: a scoped viewer sees their region's and the
    all-region incidents (the register's rule for risks)."""
    if viewer.region_scope is None:
        return []
    return [or_(Incident.region.is_(None), Incident.region == viewer.region_scope)]


def may_change(viewer: Viewer, region: str | None) -> bool:
    """Whether the viewer may change an incident of `region` (None = all regions)."""
    return viewer.can(MANAGE_INCIDENTS) and (
        viewer.region_scope is None or region == viewer.region_scope
    )


def _require(viewer: Viewer) -> None:
    if not viewer.can(MANAGE_INCIDENTS):
        raise IncidentNotAllowedError("Your role may not record or change incidents.")


def load_visible(conn: Connection, viewer: Viewer, incident_id: Any) -> Any:
    """The incident row when it exists within the viewer's scope, else
    IncidentNotFoundError (another region's incident is "not found")."""
    row = None
    if isinstance(incident_id, int) and not isinstance(incident_id, bool):
        row = conn.execute(
            select(Incident).where(Incident.id == incident_id, *incident_conditions(viewer))
        ).first()
    if row is None:
        raise IncidentNotFoundError(f"Incident {incident_id!r} not found.")
    return row


def _text(value: Any, field: str, errors: dict[str, str], *, required: bool, limit: int) -> str:
    if value is not None and not isinstance(value, str):
        errors[field] = f"must be text, got {value!r}"
        return ""
    text = (value or "").strip()
    if required and not text:
        errors[field] = "is required"
    elif len(text) > limit:
        errors[field] = f"is {len(text)} characters; at most {limit}"
    return text


def _time(value: Any, field: str, errors: dict[str, str]) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time())
    errors[field] = f"must be a date and time, got {value!r}"
    return None


def _required_time(
    value: Any, field: str, errors: dict[str, str], not_after: datetime | None = None
) -> datetime | None:
    """`_time`, required, and (given `not_after`, now) not in the future."""
    when = _time(value, field, errors)
    if when is None and field not in errors:
        errors[field] = "is required"
    elif when is not None and not_after is not None and when > not_after:
        errors[field] = f"{when:%Y-%m-%d %H:%M} is in the future"
    return when


# --- writes ------------------------------------------------------------------------------------


def materialise(
    engine: Engine,
    viewer: Viewer,
    risk_id: int,
    title: str,
    description: str,
    severity: str,
    is_data_breach: bool,
    started_at: datetime,
    detected_at: datetime,
    now: datetime | None = None,
) -> int:
    """Record an incident of a register risk (the risk materialised); returns its id. A data
    breach gets its notification duties, with deadlines from the detection time and the
    organisation's hours per party."""
    _require(viewer)
    now = now or datetime.now()
    errors: dict[str, str] = {}
    title = _text(title, "title", errors, required=True, limit=MAX_TITLE)
    description = _text(description, "description", errors, required=False, limit=MAX_TEXT)
    if severity not in SEVERITIES:
        errors["severity"] = f"must be one of {', '.join(SEVERITIES)}, got {severity!r}"
    if not isinstance(is_data_breach, bool):
        errors["is_data_breach"] = f"must be yes or no, got {is_data_breach!r}"
    started = _required_time(started_at, "started_at", errors)
    detected = _required_time(detected_at, "detected_at", errors)
    errors.update(time_order_problems({"started_at": started, "detected_at": detected}, now))
    with engine.begin() as conn:
        risk = None
        if isinstance(risk_id, int) and not isinstance(risk_id, bool):
            risk = conn.execute(
                select(Risk.id, Risk.code, Risk.region, Risk.category).where(
                    Risk.id == risk_id, *risk_conditions(viewer)
                )
            ).first()
        if risk is None:
            raise IncidentNotFoundError(f"Risk {risk_id!r} not found.")
        if viewer.region_scope is not None and risk.region != viewer.region_scope:
            raise IncidentNotAllowedError(
                f"{risk.code} applies to all regions; only a user without a region scope may "
                "record its incidents."
            )
        if errors:
            raise IncidentValidationError(errors)
        # The plan the response follows: the category's version in force now.
        plan_version = conn.execute(
            select(ResponsePlan.version).where(ResponsePlan.category == risk.category)
        ).scalar_one_or_none()
        incident_id = conn.execute(
            insert(Incident)
            .values(
                risk_id=risk.id,
                title=title,
                description=description,
                severity=severity,
                is_data_breach=is_data_breach,
                status="open",
                region=risk.region,
                started_at=started,
                detected_at=detected,
                response_plan_version=plan_version,
                created_by=viewer.username,
                created_at=now,
                updated_at=now,
                version=1,
            )
            .returning(Incident.id)
        ).scalar_one()
        if is_data_breach:
            _add_duties(conn, incident_id, detected)
        conn.execute(
            insert(IncidentEvent).values(
                incident_id=incident_id,
                at=detected,
                by_user=viewer.username,
                kind="happened",
                text=description or title,
            )
        )
        audit.record(
            conn,
            viewer.username,
            "incident_created",
            "incident",
            incident_id,
            {"risk": risk.code, "severity": severity, "breach": is_data_breach},
        )
    return int(incident_id)


def _add_duties(conn: Connection, incident_id: int, detected: datetime) -> None:
    for party in PARTIES:
        hours = int(get_setting(conn, BREACH_NOTICE_KEYS[party]))
        conn.execute(
            insert(IncidentNotification).values(
                incident_id=incident_id,
                party=party,
                deadline=notification_deadline(detected, hours),
            )
        )


Change = Callable[[Connection, Any, dict[str, str], datetime], tuple[dict, dict | None, str, dict]]


def _write(
    engine: Engine,
    viewer: Viewer,
    incident_id: Any,
    version: Any,
    now: datetime | None,
    change: Change,
) -> int:
    """Load the incident, check scope and version, let `change(conn, row, errors, now)` write
    what it adds and return (values for the row, timeline entry or None, audit action, audit
    detail); all in one transaction. Returns the new version."""
    _require(viewer)
    now = now or datetime.now()
    with engine.begin() as conn:
        row = load_visible(conn, viewer, incident_id)
        if not may_change(viewer, row.region):
            raise IncidentNotAllowedError(
                f"Incident {incident_id} applies to all regions; only a user without a region "
                "scope may change it."
            )
        if row.version != version:
            raise StaleIncidentError(
                f"Incident {incident_id} was changed by someone else (version {row.version}, "
                f"you edited version {version}). Reload it; nothing was saved."
            )
        errors: dict[str, str] = {}
        values, event, action, detail = change(conn, row, errors, now)
        if errors:
            raise IncidentValidationError(errors)
        done = conn.execute(
            update(Incident)
            .where(Incident.id == incident_id, Incident.version == version)
            .values(**values, updated_at=now, version=version + 1)
        )
        if done.rowcount != 1:
            raise StaleIncidentError(
                f"Incident {incident_id} was changed by someone else; nothing was saved."
            )
        if event is not None:
            conn.execute(
                insert(IncidentEvent).values(
                    incident_id=incident_id, by_user=viewer.username, **event
                )
            )
        audit.record(conn, viewer.username, action, "incident", incident_id, detail)
    return version + 1


def _times(row: Any) -> dict[str, datetime | None]:
    return {
        name: getattr(row, name)
        for name in ("started_at", "detected_at", "contained_at", "resolved_at", "closed_at")
    }


def advance(
    engine: Engine,
    viewer: Viewer,
    incident_id: int,
    to_status: str,
    at: datetime,
    version: int,
    note: str = "",
    now: datetime | None = None,
) -> int:
    """Move an open incident to contained, or a contained one to resolved, at time `at`
    (not in the future, not before the earlier times). Closing is `close`."""

    def change(conn: Connection, row: Any, errors: dict[str, str], moment: datetime) -> tuple:
        text = _text(note, "note", errors, required=False, limit=MAX_TEXT)
        if to_status == "closed":
            errors["to_status"] = "closing needs the lessons learned: use close"
        elif problem := transition_problem(row.status, to_status):
            errors["to_status"] = problem
        when = _required_time(at, "at", errors)
        field = STATUS_TIME.get(to_status)
        if field and when is not None:
            for name, message in time_order_problems({**_times(row), field: when}, moment).items():
                errors["at" if name == field else name] = message
        event = {"at": when, "kind": "happened", "text": text or to_status}
        return (
            {"status": to_status, field: when} if field else {},
            event,
            "incident_status",
            {
                "from": row.status,
                "to": to_status,
            },
        )

    return _write(engine, viewer, incident_id, version, now, change)


def close(
    engine: Engine,
    viewer: Viewer,
    incident_id: int,
    lessons: str,
    version: int,
    at: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """Close a resolved incident; the lessons learned are required."""

    def change(conn: Connection, row: Any, errors: dict[str, str], moment: datetime) -> tuple:
        text = _text(lessons, "lessons_learned", errors, required=True, limit=MAX_TEXT)
        if problem := transition_problem(row.status, "closed"):
            errors["status"] = problem
        when = _time(at, "at", errors) or moment
        for name, message in time_order_problems(
            {**_times(row), "closed_at": when}, moment
        ).items():
            errors["at" if name == "closed_at" else name] = message
        event = {"at": when, "kind": "decision", "text": text}
        values = {"status": "closed", "closed_at": when, "lessons_learned": text}
        return values, event, "incident_closed", {"from": row.status}

    return _write(engine, viewer, incident_id, version, now, change)


def add_event(
    engine: Engine,
    viewer: Viewer,
    incident_id: int,
    kind: str,
    text: str,
    at: datetime,
    version: int,
    now: datetime | None = None,
) -> int:
    """Add a timeline entry: what happened, who was informed, a decision, a note."""

    def change(conn: Connection, row: Any, errors: dict[str, str], moment: datetime) -> tuple:
        body = _text(text, "text", errors, required=True, limit=MAX_TEXT)
        if kind not in EVENT_KINDS:
            errors["kind"] = f"must be one of {', '.join(EVENT_KINDS)}, got {kind!r}"
        when = _required_time(at, "at", errors, not_after=moment)
        event = {"at": when, "kind": kind, "text": body}
        return {}, event, "incident_event", {"kind": kind, "chars": len(body)}

    return _write(engine, viewer, incident_id, version, now, change)


def record_notification(
    engine: Engine,
    viewer: Viewer,
    incident_id: int,
    party: str,
    met_at: datetime,
    version: int,
    note: str = "",
    now: datetime | None = None,
) -> int:
    """Record that a breach's duty to notify `party` was met at `met_at`."""

    def change(conn: Connection, row: Any, errors: dict[str, str], moment: datetime) -> tuple:
        text = _text(note, "note", errors, required=False, limit=MAX_TEXT)
        if party not in PARTIES:
            errors["party"] = f"must be one of {', '.join(PARTIES)}, got {party!r}"
        when = _required_time(met_at, "met_at", errors, not_after=moment)
        if "met_at" not in errors and when is not None and when < row.detected_at:
            errors["met_at"] = (
                f"{when:%Y-%m-%d %H:%M} is before the breach was detected "
                f"({row.detected_at:%Y-%m-%d %H:%M})"
            )
        duty = conn.execute(
            select(IncidentNotification.id, IncidentNotification.met_at).where(
                IncidentNotification.incident_id == row.id, IncidentNotification.party == party
            )
        ).first()
        if duty is None and "party" not in errors:
            errors["party"] = f"incident {row.id} has no duty to notify {party}"
        elif duty is not None and duty.met_at is not None:
            errors["party"] = f"the {party} were already notified ({duty.met_at:%Y-%m-%d %H:%M})"
        if not errors:
            conn.execute(
                update(IncidentNotification)
                .where(IncidentNotification.id == duty.id)
                .values(met_at=when, note=text or None)
            )
        event = {"at": when, "kind": "informed", "text": text or party}
        return {}, event, "incident_notified", {"party": party}

    return _write(engine, viewer, incident_id, version, now, change)


def create_action(
    engine: Engine,
    viewer: Viewer,
    incident_id: int,
    title: str,
    owner: str,
    due_date: date,
    version: int,
    now: datetime | None = None,
) -> int:
    """Create a register action on the incident's risk, linked to the incident."""

    def change(conn: Connection, row: Any, errors: dict[str, str], moment: datetime) -> tuple:
        name = _text(title, "title", errors, required=True, limit=MAX_TITLE)
        who = _text(owner, "owner", errors, required=True, limit=MAX_OWNER)
        if not isinstance(due_date, date) or isinstance(due_date, datetime):
            errors["due_date"] = f"must be a date, got {due_date!r}"
        elif due_date < row.detected_at.date():
            errors["due_date"] = f"{due_date} is before the incident was detected"
        if row.status == "closed":
            errors["status"] = "a closed incident creates no actions"
        if not errors:
            conn.execute(
                insert(RiskAction).values(
                    risk_id=row.risk_id,
                    incident_id=row.id,
                    title=name,
                    owner=who,
                    due_date=due_date,
                    status="open",
                    created_at=moment,
                )
            )
        event = {"at": moment, "kind": "decision", "text": name}
        return {}, event, "incident_action", {"title": name, "due": str(due_date)}

    return _write(engine, viewer, incident_id, version, now, change)


def add_customers_by_filter(
    engine: Engine,
    viewer: Viewer,
    incident_id: int,
    regions: tuple[str, ...],
    segments: tuple[str, ...],
    tiers: tuple[str, ...],
    version: int,
    now: datetime | None = None,
) -> int:
    """Add the customers of the viewer's scope (and the incident's region) matching the
    filter to the affected set, in one INSERT … SELECT; returns the new version."""

    def change(conn: Connection, row: Any, errors: dict[str, str], moment: datetime) -> tuple:
        lists = code_lists(conn)
        chosen = {"region": regions, "segment": segments, "tier": tiers}
        for name, values in chosen.items():
            if not isinstance(values, tuple | list):
                errors[name] = f"must be a list of codes, got {values!r}"
                continue
            unknown = [v for v in values if v not in lists.get(name, ())]
            if unknown:
                errors[name] = f"unknown {', '.join(repr(v)[:40] for v in unknown[:5])}"
        if errors:
            return {}, None, "", {}
        source = json.dumps(
            {"region": list(regions), "segment": list(segments), "tier": list(tiers)},
            sort_keys=True,
        )
        filters = Filters(
            end_month=moment.date().replace(day=1),
            regions=tuple(regions),
            segments=tuple(segments),
            tiers=tuple(tiers),
        )
        already = exists().where(
            IncidentCustomer.incident_id == row.id, IncidentCustomer.customer_id == Customer.id
        )
        stmt = select(
            literal(row.id),
            Customer.id,
            literal(source),
            literal(moment, type_=Incident.created_at.type),
        ).where(*customer_conditions(viewer, filters), *_region_of(row), ~already)
        added = conn.execute(
            insert(IncidentCustomer).from_select(
                ["incident_id", "customer_id", "source", "added_at"], stmt
            )
        ).rowcount
        event = {"at": moment, "kind": "note", "text": f"+{added} customers ({source})"}
        return {}, event, "incident_customers", {"added": added, "filter": source}

    return _write(engine, viewer, incident_id, version, now, change)


def _region_of(row: Any) -> list[ColumnElement[bool]]:
    """An incident of one region affects customers of that region only."""
    return [] if row.region is None else [Customer.region == row.region]


def import_customers(
    engine: Engine,
    viewer: Viewer,
    incident_id: int,
    text: str,
    version: int,
    now: datetime | None = None,
) -> int:
    """Add customers by their ids (CSV text with a `customer_id` column holding the ids the
    organisation knows them by, i.e. the external id). Rows with an empty or unknown id —
    ids outside the viewer's scope or the incident's region are unknown — are named and
    nothing is written."""

    def change(conn: Connection, row: Any, errors: dict[str, str], moment: datetime) -> tuple:
        ids = _parse_ids(text, errors)
        if "file" in errors:
            return {}, None, "", {}
        wanted = sorted(set(ids.values()))
        found: dict[str, int] = {}
        for i in range(0, len(wanted), CHUNK):
            found.update(
                conn.execute(
                    select(Customer.external_id, Customer.id).where(
                        Customer.external_id.in_(wanted[i : i + CHUNK]),
                        *customer_conditions(viewer),
                        *_region_of(row),
                    )
                ).all()
            )
        unknown = [(n, v) for n, v in ids.items() if v not in found]
        for n, value in unknown[:MAX_ERRORS_NAMED]:
            errors[f"row {n}"] = f"customer_id {value[:40]!r} not found"
        if len(unknown) > MAX_ERRORS_NAMED:
            errors["rows"] = f"{len(unknown) - MAX_ERRORS_NAMED} more unknown ids"
        if errors:
            return {}, None, "", {}
        internal = sorted(set(found.values()))
        added = 0
        already = exists().where(
            IncidentCustomer.incident_id == row.id, IncidentCustomer.customer_id == Customer.id
        )
        for i in range(0, len(internal), CHUNK):
            stmt = select(
                literal(row.id),
                Customer.id,
                literal("import"),
                literal(moment, type_=Incident.created_at.type),
            ).where(Customer.id.in_(internal[i : i + CHUNK]), ~already)
            added += conn.execute(
                insert(IncidentCustomer).from_select(
                    ["incident_id", "customer_id", "source", "added_at"], stmt
                )
            ).rowcount
        event = {"at": moment, "kind": "note", "text": f"+{added} customers (import)"}
        return {}, event, "incident_customers", {"added": added, "rows": len(ids)}

    return _write(engine, viewer, incident_id, version, now, change)


def _parse_ids(text: Any, errors: dict[str, str]) -> dict[int, str]:
    """Row number (the header is row 1) → id, from CSV text with a customer_id column."""
    if not isinstance(text, str) or not text.strip():
        errors["file"] = "is empty"
        return {}
    if len(text) > MAX_IMPORT_CHARS:
        errors["file"] = f"is {len(text):,} characters; at most {MAX_IMPORT_CHARS:,}"
        return {}
    try:
        reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
        header = [h.strip().lower() for h in next(reader)]
        column = next((header.index(c) for c in ID_COLUMNS if c in header), None)
        if column is None:
            errors["file"] = f"needs a column named {ID_COLUMNS[0]}"
            return {}
        ids: dict[int, str] = {}
        for n, cells in enumerate(reader, start=2):
            if not cells or not any(c.strip() for c in cells):
                continue
            if len(ids) >= MAX_IMPORT_ROWS:
                errors["file"] = f"has more than {MAX_IMPORT_ROWS:,} rows"
                return {}
            value = cells[column].strip() if column < len(cells) else ""
            if not value:
                errors[f"row {n}"] = "customer_id is empty"
            elif len(value) > 40:
                errors[f"row {n}"] = f"customer_id {value[:40]!r}… not found"
            else:
                ids[n] = value
            if len(errors) > MAX_ERRORS_NAMED:
                break
        if not ids and not errors:
            errors["file"] = "has no customer ids"
        return ids
    except csv.Error as exc:
        errors["file"] = f"is not readable CSV ({exc})"
        return {}


# --- reads -------------------------------------------------------------------------------------


def _affected_in_scope(viewer: Viewer, incident_id: Any = None) -> Any:
    """Affected customers (of one incident, or correlated with `incidents`) within scope."""
    key = incident_id if incident_id is not None else Incident.id
    return (
        select(func.count(IncidentCustomer.id))
        .join(Customer, Customer.id == IncidentCustomer.customer_id)
        .where(IncidentCustomer.incident_id == key, *customer_conditions(viewer))
        .scalar_subquery()
    )


def list_incidents(conn: Connection, viewer: Viewer, which: str, now: datetime) -> pd.DataFrame:
    """The viewer's incidents, `which` = open (not closed) | closed | all, newest first: risk,
    severity, status, region, times, age in days, affected customers in scope and overdue
    notification duties."""
    overdue = (
        select(func.count(IncidentNotification.id))
        .where(
            IncidentNotification.incident_id == Incident.id,
            IncidentNotification.met_at.is_(None),
            IncidentNotification.deadline < now,
        )
        .scalar_subquery()
    )
    conditions = list(incident_conditions(viewer))
    if which == "open":
        conditions.append(Incident.status != "closed")
    elif which == "closed":
        conditions.append(Incident.status == "closed")
    stmt = (
        select(
            Incident.id,
            Incident.title,
            Risk.code.label("risk_code"),
            Risk.title.label("risk_title"),
            Incident.severity,
            Incident.status,
            Incident.region,
            Incident.is_data_breach,
            Incident.started_at,
            Incident.detected_at,
            Incident.closed_at,
            _affected_in_scope(viewer).label("customers"),
            overdue.label("overdue_duties"),
        )
        .join(Risk, Risk.id == Incident.risk_id)
        .where(*conditions)
        .order_by(Incident.detected_at.desc(), Incident.id.desc())
    )
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    if frame.empty:
        return frame.assign(age_days=pd.Series(dtype=int))
    end = pd.to_datetime(frame["closed_at"]).fillna(pd.Timestamp(now))
    frame["age_days"] = (end - pd.to_datetime(frame["started_at"])).dt.days
    return frame


def incident_detail(conn: Connection, viewer: Viewer, incident_id: int) -> dict[str, Any]:
    """The incident with its risk, timeline (oldest first), notification duties, affected
    customers in scope (count, how the set was made) and linked register actions. Raises
    IncidentNotFoundError."""
    row = load_visible(conn, viewer, incident_id)
    risk = conn.execute(
        select(Risk.code, Risk.title, Risk.category).where(Risk.id == row.risk_id)
    ).one()

    def frame(stmt: Any) -> pd.DataFrame:
        result = conn.execute(stmt)
        return pd.DataFrame(result.all(), columns=list(result.keys()))

    events = frame(
        select(IncidentEvent.at, IncidentEvent.by_user, IncidentEvent.kind, IncidentEvent.text)
        .where(IncidentEvent.incident_id == row.id)
        .order_by(IncidentEvent.at, IncidentEvent.id)
    )
    duties = frame(
        select(
            IncidentNotification.party,
            IncidentNotification.deadline,
            IncidentNotification.met_at,
            IncidentNotification.note,
        )
        .where(IncidentNotification.incident_id == row.id)
        .order_by(IncidentNotification.deadline, IncidentNotification.party)
    )
    in_scope = [IncidentCustomer.incident_id == row.id, *customer_conditions(viewer)]
    sources = frame(
        select(IncidentCustomer.source, func.count(IncidentCustomer.id).label("customers"))
        .join(Customer, Customer.id == IncidentCustomer.customer_id)
        .where(*in_scope)
        .group_by(IncidentCustomer.source)
    )
    actions = frame(
        select(
            RiskAction.id,
            RiskAction.title,
            RiskAction.owner,
            RiskAction.due_date,
            RiskAction.status,
            RiskAction.completed_at,
        )
        .where(RiskAction.incident_id == row.id)
        .order_by(RiskAction.due_date, RiskAction.id)
    )
    incident = {name: getattr(row, name) for name in Incident.__table__.c.keys()}  # noqa: SIM118
    return {
        "incident": incident,
        "risk_code": risk.code,
        "risk_title": risk.title,
        "risk_category": risk.category,
        "next_status": next_status(row.status),
        "events": events,
        "duties": duties,
        "customers": int(sources["customers"].sum()) if not sources.empty else 0,
        "sources": sources,
        "actions": actions,
    }


def affected_customers(
    conn: Connection, viewer: Viewer, incident_id: int, limit: int = 50
) -> pd.DataFrame:
    """The first `limit` affected customers in scope by id, with their names — only for
    viewers who may see personal data (others get IncidentNotAllowedError); the frame is
    marked as showing personal data, so its view is audited."""
    if not viewer.may_see_pii:
        raise IncidentNotAllowedError("Your role may not see customers' names.")
    row = load_visible(conn, viewer, incident_id)
    result = conn.execute(
        select(Customer.external_id, Customer.name, Customer.region, Customer.segment)
        .join(IncidentCustomer, IncidentCustomer.customer_id == Customer.id)
        .where(IncidentCustomer.incident_id == row.id, *customer_conditions(viewer))
        .order_by(Customer.external_id)
        .limit(limit)
    )
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame.attrs[PII_SHOWN] = ["name"]
    return frame


def open_incidents(conn: Connection, viewer: Viewer, now: datetime) -> pd.DataFrame:
    """Open (not closed) incidents for "needs attention": id, title, severity, risk code,
    the overdue notification duties, status and age in days."""
    frame = list_incidents(conn, viewer, "open", now)
    columns = ["id", "title", "severity", "risk_code", "overdue_duties", "status", "age_days"]
    return frame[columns] if not frame.empty else pd.DataFrame(columns=columns)
