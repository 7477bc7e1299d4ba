"""The risk register: scoped reads and the audited, optimistically locked workflow.

Every write checks the permission and the region scope here (not in the page), compares the
caller's `version` with the row's and refuses a stale edit, bumps the version, and writes a
risk_history row per changed field plus one audit_log row — all in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, update

from analytics.risk import risk_level
from data_access import audit
from data_access.code_lists import code_lists
from data_access.codes import RISK_CATEGORIES, TREATMENTS
from data_access.filters import Filters
from data_access.models import (
    Risk,
    RiskAction,
    RiskAppetite,
    RiskAssessment,
    RiskHistory,
    RiskReview,
    RiskTreatment,
)
from data_access.scope import risk_conditions
from data_access.security import EDIT_RISKS, Viewer
from data_access.settings import get_setting

MAX_TEXT = 4000


class RegisterError(Exception):
    """Base class: the message is meant for the user."""


class NotAllowedError(RegisterError):
    pass


class StaleEditError(RegisterError):
    pass


class ValidationError(RegisterError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class RiskInput:
    title: str
    category: str
    owner: str
    description: str = ""
    region: str | None = None
    segment: str | None = None
    tier: str | None = None


# --- validation --------------------------------------------------------------------------------


def _score_errors(likelihood: Any, impact: Any) -> dict[str, str]:
    errors = {}
    for name, value in (("likelihood", likelihood), ("impact", impact)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            errors[name] = f"must be a whole number from 1 to 5, got {value!r}"
    return errors


def validate_input(
    data: RiskInput, viewer: Viewer, allowed: Mapping[str, Sequence[str]]
) -> dict[str, str]:
    """Field → message for everything wrong with a risk's descriptive fields; region, segment
    and tier must be codes `allowed` lists (the organisation's lists, by list name)."""
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = "is required"
    elif len(data.title) > 200:
        errors["title"] = f"is {len(data.title)} characters; at most 200"
    if not data.owner.strip():
        errors["owner"] = "is required"
    elif len(data.owner) > 80:
        errors["owner"] = "is longer than 80 characters"
    if data.category not in RISK_CATEGORIES:
        errors["category"] = f"unknown category {data.category!r}"
    if len(data.description) > MAX_TEXT:
        errors["description"] = f"is longer than {MAX_TEXT} characters"
    for field, value, codes in (
        ("region", data.region, allowed.get("region", ())),
        ("segment", data.segment, allowed.get("segment", ())),
        ("tier", data.tier, allowed.get("tier", ())),
    ):
        if value is not None and value not in codes:
            errors[field] = f"unknown value {value!r}"
    if viewer.region_scope and data.region != viewer.region_scope:
        errors["region"] = f"you may only record risks for region {viewer.region_scope}"
    return errors


# --- reads -------------------------------------------------------------------------------------


def _open_actions_overdue(on: date):  # noqa: ANN202 - a scalar subquery
    return (
        select(func.count(RiskAction.id))
        .where(RiskAction.risk_id == Risk.id, RiskAction.status != "done", RiskAction.due_date < on)
        .correlate(Risk)
        .scalar_subquery()
    )


def register_rows(
    conn: Connection, viewer: Viewer, filters: Filters | None, on: date, include_closed: bool
) -> pd.DataFrame:
    """Register rows the viewer may see, with appetite and overdue-action counts."""
    stmt = (
        select(
            Risk.id,
            Risk.code,
            Risk.title,
            Risk.category,
            Risk.status,
            Risk.owner,
            Risk.region,
            Risk.segment,
            Risk.tier,
            Risk.treatment,
            Risk.inherent_likelihood,
            Risk.inherent_impact,
            Risk.current_likelihood.label("likelihood"),
            Risk.current_impact.label("impact"),
            Risk.target_likelihood,
            Risk.target_impact,
            Risk.next_review_date,
            Risk.updated_at,
            Risk.version,
            RiskAppetite.max_score.label("appetite"),
            _open_actions_overdue(on).label("overdue_actions"),
        )
        .outerjoin(RiskAppetite, RiskAppetite.category == Risk.category)
        .where(*risk_conditions(viewer, filters))
        .order_by(Risk.code)
    )
    if not include_closed:
        stmt = stmt.where(Risk.status != "Closed")
    return pd.DataFrame(conn.execute(stmt).mappings().all())


def heatmap_counts(
    conn: Connection, viewer: Viewer, filters: Filters | None, kind: str
) -> pd.DataFrame:
    """Open risks per (likelihood, impact) cell for kind ∈ inherent | current | target."""
    if kind not in ("inherent", "current", "target"):
        raise ValueError(f"unknown assessment kind {kind!r}")
    lik, imp = getattr(Risk, f"{kind}_likelihood"), getattr(Risk, f"{kind}_impact")
    rows = conn.execute(
        select(lik.label("likelihood"), imp.label("impact"), func.count(Risk.id).label("count"))
        .where(Risk.status != "Closed", *risk_conditions(viewer, filters))
        .group_by(lik, imp)
    ).mappings()
    return pd.DataFrame(rows.all(), columns=["likelihood", "impact", "count"])


def _visible_risk(conn: Connection, viewer: Viewer, risk_id: int) -> Any:
    """The risk row if it exists and lies within the viewer's scope, else None."""
    return conn.execute(
        select(*Risk.__table__.c).where(Risk.id == risk_id, *risk_conditions(viewer))
    ).first()


def risk_detail(conn: Connection, viewer: Viewer, risk_id: int) -> dict[str, Any] | None:
    """A risk and its assessments, treatments, actions, reviews and history — or None when
    it does not exist or lies outside the viewer's scope."""
    risk = _visible_risk(conn, viewer, risk_id)
    if risk is None:
        return None

    def frame(model: Any, order: Any) -> pd.DataFrame:
        table = model.__table__
        rows = conn.execute(
            select(*table.c).where(table.c.risk_id == risk_id).order_by(order, table.c.id)
        ).mappings()
        return pd.DataFrame(rows.all(), columns=[c.name for c in table.c])

    return {
        "risk": dict(risk._mapping),
        "assessments": frame(RiskAssessment, RiskAssessment.assessed_at),
        "treatments": frame(RiskTreatment, RiskTreatment.decided_at),
        "actions": frame(RiskAction, RiskAction.due_date),
        "reviews": frame(RiskReview, RiskReview.reviewed_at),
        "history": frame(RiskHistory, RiskHistory.changed_at),
        "appetite": conn.execute(
            select(RiskAppetite.max_score).where(RiskAppetite.category == risk.category)
        ).scalar_one_or_none(),
    }


def monthly_flow(conn: Connection, viewer: Viewer, start: datetime, end: datetime) -> pd.DataFrame:
    """Risks created and closed per month, with closed risks' days open (for mean time to
    close). Returns created_at, closed_at per risk in the window; the page bins them."""
    rows = conn.execute(
        select(Risk.id, Risk.created_at, Risk.closed_at).where(
            or_(
                and_(Risk.created_at >= start, Risk.created_at < end),
                and_(Risk.closed_at >= start, Risk.closed_at < end),
            ),
            *risk_conditions(viewer),
        )
    ).mappings()
    return pd.DataFrame(rows.all(), columns=["id", "created_at", "closed_at"])


def overdue_actions_count(conn: Connection, viewer: Viewer, at: datetime) -> int:
    """Actions open at `at` whose due date had passed (created before `at`, not completed)."""
    return int(
        conn.execute(
            select(func.count(RiskAction.id))
            .join(Risk, Risk.id == RiskAction.risk_id)
            .where(
                RiskAction.created_at <= at,
                RiskAction.due_date < at.date(),
                or_(RiskAction.completed_at.is_(None), RiskAction.completed_at > at),
                *risk_conditions(viewer),
            )
        ).scalar_one()
    )


# --- writes ------------------------------------------------------------------------------------


def may_change(viewer: Viewer, risk_region: str | None) -> bool:
    """Whether the viewer may change a risk recorded for `risk_region` (None = all regions)."""
    return viewer.can(EDIT_RISKS) and (
        viewer.region_scope is None or risk_region == viewer.region_scope
    )


def _editable(conn: Connection, viewer: Viewer, risk_id: int, version: int) -> Any:
    if not viewer.can(EDIT_RISKS):
        raise NotAllowedError("Your role may not change the risk register.")
    risk = _visible_risk(conn, viewer, risk_id)
    if risk is None:
        raise NotAllowedError("This risk does not exist or is outside your region scope.")
    if viewer.region_scope and risk.region != viewer.region_scope:
        # A scoped user reads the risks that apply to every region but may not change them.
        raise NotAllowedError(
            f"{risk.code} applies to all regions; only a user without a region scope may change it."
        )
    if risk.version != version:
        raise StaleEditError(
            f"{risk.code} was changed by someone else (version {risk.version}, you edited "
            f"version {version}). Reload it; nothing was saved."
        )
    return risk


def _apply(
    conn: Connection,
    viewer: Viewer,
    risk: Any,
    changes: dict[str, Any],
    action: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> int:
    """Write changed fields with the version check, history rows and the audit row."""
    changed = {k: v for k, v in changes.items() if getattr(risk, k) != v}
    result = conn.execute(
        update(Risk)
        .where(Risk.id == risk.id, Risk.version == risk.version)
        .values(**changed, version=risk.version + 1, updated_at=now)
    )
    if result.rowcount != 1:
        raise StaleEditError(f"{risk.code} was changed by someone else; nothing was saved.")
    for field, new in changed.items():
        conn.execute(
            insert(RiskHistory).values(
                risk_id=risk.id,
                changed_at=now,
                changed_by=viewer.username,
                field=field,
                old_value=None if getattr(risk, field) is None else str(getattr(risk, field)),
                new_value=None if new is None else str(new),
            )
        )
    if not changed:  # the action itself (a review, an action) is still history
        conn.execute(
            insert(RiskHistory).values(
                risk_id=risk.id,
                changed_at=now,
                changed_by=viewer.username,
                field=action,
                old_value=None,
                new_value=str(detail or ""),
            )
        )
    audit.record(
        conn,
        viewer.username,
        action,
        "risk",
        risk.code,
        {**{k: str(v) for k, v in changed.items()}, **(detail or {})},
    )
    return risk.version + 1


def _level_of(conn: Connection, likelihood: int, impact: int) -> str:
    return risk_level(likelihood * impact, get_setting(conn, "risk_level_bands"))


def create_risk(
    engine: Engine,
    viewer: Viewer,
    data: RiskInput,
    likelihood: int,
    impact: int,
    now: datetime | None = None,
) -> int:
    """Record a new risk (status Assessed) with its inherent = current assessment and the
    first review date from its level's cadence. Returns the new id."""
    if not viewer.can(EDIT_RISKS):
        raise NotAllowedError("Your role may not change the risk register.")
    with engine.connect() as conn:
        allowed = code_lists(conn)  # a new risk uses active codes only
    errors = {**validate_input(data, viewer, allowed), **_score_errors(likelihood, impact)}
    if errors:
        raise ValidationError(errors)
    now = now or datetime.now()
    with engine.begin() as conn:
        return insert_risk(conn, viewer, data, likelihood, impact, now)


def insert_risk(
    conn: Connection,
    viewer: Viewer,
    data: RiskInput,
    likelihood: int,
    impact: int,
    now: datetime,
    code: str | None = None,
) -> int:
    """The writes of `create_risk` inside the caller's transaction (the importer uses it);
    the caller has validated the input. `code` defaults to the next R-nnn."""
    last = conn.execute(select(func.max(Risk.id))).scalar_one() or 0
    code = code or f"R-{last + 1:03d}"
    cadence = get_setting(conn, "review_cadence_days")
    next_review = (now + timedelta(days=cadence[_level_of(conn, likelihood, impact)])).date()
    risk_id = conn.execute(
        insert(Risk)
        .values(
            code=code,
            title=data.title.strip(),
            description=data.description.strip(),
            category=data.category,
            owner=data.owner.strip(),
            region=data.region,
            segment=data.segment,
            tier=data.tier,
            status="Assessed",
            inherent_likelihood=likelihood,
            inherent_impact=impact,
            current_likelihood=likelihood,
            current_impact=impact,
            target_likelihood=likelihood,
            target_impact=impact,
            next_review_date=next_review,
            created_at=now,
            created_by=viewer.username,
            updated_at=now,
            version=1,
        )
        .returning(Risk.id)
    ).scalar_one()
    for kind in ("inherent", "current", "target"):
        conn.execute(
            insert(RiskAssessment).values(
                risk_id=risk_id,
                kind=kind,
                likelihood=likelihood,
                impact=impact,
                assessed_by=viewer.username,
                assessed_at=now,
                note="Initial assessment",
            )
        )
    conn.execute(
        insert(RiskReview).values(
            risk_id=risk_id,
            reviewed_at=now,
            reviewer=viewer.username,
            note="Identified",
            next_review_date=next_review,
        )
    )
    conn.execute(
        insert(RiskHistory).values(
            risk_id=risk_id,
            changed_at=now,
            changed_by=viewer.username,
            field="status",
            old_value=None,
            new_value="Assessed",
        )
    )
    audit.record(
        conn,
        viewer.username,
        "risk_created",
        "risk",
        code,
        {"title": data.title, "category": data.category},
    )
    return risk_id


DETAIL_FIELDS = ("title", "description", "category", "owner", "region", "segment", "tier")


def update_details(
    engine: Engine,
    viewer: Viewer,
    risk_id: int,
    version: int,
    changes: dict[str, Any],
    now: datetime | None = None,
) -> int:
    """Change only the descriptive fields named in `changes` (field → new value); every other
    field keeps its stored value. The result is validated as a whole (a scoped user's risk
    stays in their region). Returns the new version."""
    unknown = sorted(set(changes) - set(DETAIL_FIELDS))
    if unknown:
        raise ValidationError({field: "cannot be changed here" for field in unknown})
    with engine.begin() as conn:
        risk = _editable(conn, viewer, risk_id, version)
        merged = {f: changes[f] if f in changes else getattr(risk, f) for f in DETAIL_FIELDS}
        for field in ("title", "description", "owner"):
            merged[field] = (merged[field] or "").strip()
        # Active codes, and the risk's own stored ones (a code retired since stays as it is).
        lists = code_lists(conn)
        allowed = {
            name: (*lists[name], getattr(risk, name)) for name in ("region", "segment", "tier")
        }
        errors = validate_input(RiskInput(**merged), viewer, allowed)
        if errors:
            raise ValidationError(errors)
        return _apply(
            conn,
            viewer,
            risk,
            {field: merged[field] for field in changes},
            "risk_updated",
            now or datetime.now(),
        )


def assess(
    engine: Engine,
    viewer: Viewer,
    risk_id: int,
    version: int,
    kind: str,
    likelihood: int,
    impact: int,
    note: str = "",
    now: datetime | None = None,
) -> int:
    """Record an inherent, current or target assessment."""
    errors = _score_errors(likelihood, impact)
    if kind not in ("inherent", "current", "target"):
        errors["kind"] = f"unknown assessment kind {kind!r}"
    if errors:
        raise ValidationError(errors)
    now = now or datetime.now()
    with engine.begin() as conn:
        risk = _editable(conn, viewer, risk_id, version)
        current = risk.current_likelihood * risk.current_impact
        if kind == "target" and likelihood * impact > current:
            # A target is the residual level the treatment aims for: never worse than now.
            raise ValidationError(
                {"target": f"score {likelihood * impact} is above the current score {current}"}
            )
        conn.execute(
            insert(RiskAssessment).values(
                risk_id=risk_id,
                kind=kind,
                likelihood=likelihood,
                impact=impact,
                assessed_by=viewer.username,
                assessed_at=now,
                note=note[:MAX_TEXT],
            )
        )
        changes: dict[str, Any] = {f"{kind}_likelihood": likelihood, f"{kind}_impact": impact}
        if risk.status == "Identified":
            changes["status"] = "Assessed"
        return _apply(conn, viewer, risk, changes, "risk_assessed", now, {"kind": kind})


def set_treatment(
    engine: Engine,
    viewer: Viewer,
    risk_id: int,
    version: int,
    strategy: str,
    rationale: str,
    approver: str | None = None,
    acceptance_expiry: date | None = None,
    now: datetime | None = None,
) -> int:
    """Choose Avoid / Mitigate / Transfer / Accept; acceptance needs an approver and a
    future expiry date."""
    now = now or datetime.now()
    errors = {}
    if strategy not in TREATMENTS:
        errors["strategy"] = f"unknown treatment {strategy!r}"
    if not rationale.strip():
        errors["rationale"] = "is required"
    if strategy == "Accept":
        if not (approver or "").strip():
            errors["approver"] = "is required to accept a risk"
        if acceptance_expiry is None:
            errors["acceptance_expiry"] = "is required to accept a risk"
        elif acceptance_expiry <= now.date():
            errors["acceptance_expiry"] = f"must be in the future, got {acceptance_expiry}"
    if errors:
        raise ValidationError(errors)
    with engine.begin() as conn:
        risk = _editable(conn, viewer, risk_id, version)
        conn.execute(
            insert(RiskTreatment).values(
                risk_id=risk_id,
                strategy=strategy,
                rationale=rationale.strip()[:MAX_TEXT],
                approver=(approver or "").strip() or None if strategy == "Accept" else None,
                acceptance_expiry=acceptance_expiry if strategy == "Accept" else None,
                decided_by=viewer.username,
                decided_at=now,
            )
        )
        status = (
            risk.status
            if risk.status in ("Materialised", "Closed")
            else ("Monitoring" if strategy == "Accept" else "Treating")
        )
        return _apply(
            conn,
            viewer,
            risk,
            {"treatment": strategy, "status": status},
            "risk_treated",
            now,
            {"strategy": strategy},
        )


def add_action(
    engine: Engine,
    viewer: Viewer,
    risk_id: int,
    version: int,
    title: str,
    owner: str,
    due_date: date,
    now: datetime | None = None,
) -> int:
    now = now or datetime.now()
    errors = {}
    if not title.strip():
        errors["title"] = "is required"
    if not owner.strip():
        errors["owner"] = "is required"
    with engine.connect() as conn:
        created = conn.execute(select(Risk.created_at).where(Risk.id == risk_id)).scalar()
    if created is not None and due_date < created.date():
        errors["due_date"] = f"{due_date} is before the risk was recorded ({created.date()})"
    if errors:
        raise ValidationError(errors)
    with engine.begin() as conn:
        risk = _editable(conn, viewer, risk_id, version)
        conn.execute(
            insert(RiskAction).values(
                risk_id=risk_id,
                title=title.strip()[:200],
                owner=owner.strip()[:80],
                due_date=due_date,
                status="open",
                created_at=now,
            )
        )
        return _apply(
            conn,
            viewer,
            risk,
            {},
            "action_added",
            now,
            {"title": title.strip()[:200], "due": str(due_date)},
        )


def complete_action(
    engine: Engine,
    viewer: Viewer,
    risk_id: int,
    version: int,
    action_id: int,
    now: datetime | None = None,
) -> int:
    now = now or datetime.now()
    with engine.begin() as conn:
        risk = _editable(conn, viewer, risk_id, version)
        done = conn.execute(
            update(RiskAction)
            .where(
                RiskAction.id == action_id,
                RiskAction.risk_id == risk_id,
                RiskAction.status != "done",
            )
            .values(status="done", completed_at=now)
        )
        if done.rowcount != 1:
            raise ValidationError({"action": "not found or already done"})
        return _apply(conn, viewer, risk, {}, "action_completed", now, {"action_id": action_id})


def record_review(
    engine: Engine,
    viewer: Viewer,
    risk_id: int,
    version: int,
    note: str,
    now: datetime | None = None,
) -> int:
    """Record a review; the next review date follows the current level's cadence."""
    now = now or datetime.now()
    with engine.begin() as conn:
        risk = _editable(conn, viewer, risk_id, version)
        cadence = get_setting(conn, "review_cadence_days")
        level = _level_of(conn, risk.current_likelihood, risk.current_impact)
        next_date = (now + timedelta(days=cadence[level])).date()
        conn.execute(
            insert(RiskReview).values(
                risk_id=risk_id,
                reviewed_at=now,
                reviewer=viewer.username,
                note=note.strip()[:MAX_TEXT],
                next_review_date=next_date,
            )
        )
        return _apply(
            conn,
            viewer,
            risk,
            {"next_review_date": next_date},
            "risk_reviewed",
            now,
            {"level": level},
        )


def _transition(
    engine: Engine,
    viewer: Viewer,
    risk_id: int,
    version: int,
    allowed: Callable[[str], str | None],
    changes: dict[str, Any] | Callable[[datetime], dict[str, Any]],
    action: str,
    now: datetime | None,
) -> int:
    """A status change: `allowed(status)` returns why it is refused, or None."""
    now = now or datetime.now()
    with engine.begin() as conn:
        risk = _editable(conn, viewer, risk_id, version)
        refusal = allowed(risk.status)
        if refusal:
            raise ValidationError({"status": refusal})
        return _apply(
            conn, viewer, risk, changes(now) if callable(changes) else changes, action, now
        )


def materialise(
    engine: Engine,
    viewer: Viewer,
    risk_id: int,
    version: int,
    incident_note: str,
    now: datetime | None = None,
) -> int:
    """The risk became a live incident (crisis response)."""
    if not incident_note.strip():
        raise ValidationError({"incident_note": "describe what happened"})
    changes = {"status": "Materialised", "incident_note": incident_note.strip()[:MAX_TEXT]}
    return _transition(
        engine, viewer, risk_id, version, lambda s: None, changes, "risk_materialised", now
    )


def record_recovery(
    engine: Engine,
    viewer: Viewer,
    risk_id: int,
    version: int,
    lessons: str,
    now: datetime | None = None,
) -> int:
    """Recovery after an incident: lessons learned; the risk goes back to Monitoring."""
    if not lessons.strip():
        raise ValidationError({"lessons_learned": "record what was learned"})
    changes = {"status": "Monitoring", "lessons_learned": lessons.strip()[:MAX_TEXT]}
    return _transition(
        engine,
        viewer,
        risk_id,
        version,
        lambda s: None if s == "Materialised" else "only a materialised risk can recover",
        changes,
        "risk_recovered",
        now,
    )


def close_risk(
    engine: Engine, viewer: Viewer, risk_id: int, version: int, now: datetime | None = None
) -> int:
    return _transition(
        engine,
        viewer,
        risk_id,
        version,
        lambda s: "is already Closed" if s == "Closed" else None,
        lambda at: {"status": "Closed", "closed_at": at},
        "risk_closed",
        now,
    )


def reopen_risk(
    engine: Engine, viewer: Viewer, risk_id: int, version: int, now: datetime | None = None
) -> int:
    return _transition(
        engine,
        viewer,
        risk_id,
        version,
        lambda s: None if s == "Closed" else "only a Closed risk can be reopened",
        {"status": "Monitoring", "closed_at": None},
        "risk_reopened",
        now,
    )
