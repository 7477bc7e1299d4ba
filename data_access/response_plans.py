"""Response plans: one per risk category (data_access.codes.RISK_CATEGORIES), saying who does
what (roles), the ordered steps and the communication templates (a notice to customers, to
the regulator, an internal one), and the drills that test them.

Plans are organisation-wide (no region): everyone who may see the dashboards reads them. Only
the roles that edit the register (EDIT_RISKS: risk managers and administrators) change them,
and only when not region-scoped — like an all-region risk, a plan applies to every region.
Every save checks the version the editor opened (a stale edit is refused), keeps the saved
version in response_plan_versions (so an incident can cite the version it followed) and is
audited in the same transaction; so is every drill recorded. Validation messages name the
field and the value.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from analytics.response_plans import RESULTS, TEMPLATE_KINDS, drill_state
from data_access import audit
from data_access.codes import RISK_CATEGORIES
from data_access.models import ResponsePlan, ResponsePlanDrill, ResponsePlanVersion
from data_access.security import EDIT_RISKS, VIEW_DASHBOARDS, Viewer

MAX_ROLES = 20
MAX_STEPS = 50
MAX_ROLE = 80
MAX_DUTY = 500
MAX_STEP = 1000
MAX_TEXT = 4000


class PlanError(Exception):
    """Base class: the message is meant for the user."""


class PlanNotAllowedError(PlanError):
    pass


class StalePlanError(PlanError):
    pass


class PlanValidationError(PlanError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def may_edit(viewer: Viewer) -> bool:
    """Whether `viewer` may change plans and record drills: a register editor (risk manager,
    administrator) without a region scope — a plan applies to every region."""
    return viewer.can(EDIT_RISKS) and viewer.region_scope is None


def _require_read(viewer: Viewer) -> None:
    if not viewer.can(VIEW_DASHBOARDS):
        raise PlanNotAllowedError("Your role may not read response plans.")


def _require_edit(viewer: Viewer) -> None:
    if not viewer.can(EDIT_RISKS):
        raise PlanNotAllowedError("Your role may not change response plans.")
    if viewer.region_scope is not None:
        raise PlanNotAllowedError(
            "Response plans apply to every region; a region-scoped user may read them but "
            "not change them."
        )


# --- validation ------------------------------------------------------------------------------


def _category(category: Any, errors: dict[str, str]) -> None:
    if category not in RISK_CATEGORIES:
        errors["category"] = (
            f"unknown risk category {category!r} (one of {', '.join(RISK_CATEGORIES)})"
        )


def _text(value: Any, limit: int) -> tuple[str, str | None]:
    """The stripped text and what is wrong with it (None: nothing)."""
    if value is None:
        return "", None
    if not isinstance(value, str):
        return "", f"must be text, got {value!r}"
    value = value.strip()
    if len(value) > limit:
        return value, f"is {len(value)} characters; at most {limit}"
    return value, None


def clean_roles(roles: Any, errors: dict[str, str]) -> list[dict[str, str]]:
    """Roles as [{"role", "duty"}]: at least one, each with both filled in. Rows left wholly
    empty (a form's spare rows) are dropped."""
    if not isinstance(roles, list | tuple):
        errors["roles"] = f"must be a list of roles, got {roles!r}"
        return []
    kept: list[dict[str, str]] = []
    for number, row in enumerate(roles, start=1):
        if not isinstance(row, dict):
            errors["roles"] = f"row {number}: must have a role and a duty, got {row!r}"
            return []
        role, role_problem = _text(row.get("role"), MAX_ROLE)
        duty, duty_problem = _text(row.get("duty"), MAX_DUTY)
        if not role and not duty and not role_problem and not duty_problem:
            continue
        if role_problem or not role:
            errors["roles"] = f"row {number}: role {role_problem or 'is required'}"
        elif duty_problem or not duty:
            errors["roles"] = f"row {number} ({role}): duty {duty_problem or 'is required'}"
        kept.append({"role": role, "duty": duty})
    if "roles" not in errors and not kept:
        errors["roles"] = "at least one role is required (who does what)"
    elif len(kept) > MAX_ROLES:
        errors["roles"] = f"{len(kept)} roles; at most {MAX_ROLES}"
    return kept


def clean_steps(steps: Any, errors: dict[str, str]) -> list[str]:
    """Steps in order: at least one; empty entries dropped."""
    if not isinstance(steps, list | tuple):
        errors["steps"] = f"must be a list of steps, got {steps!r}"
        return []
    kept: list[str] = []
    for number, step in enumerate(steps, start=1):
        text, problem = _text(step, MAX_STEP)
        if problem:
            errors["steps"] = f"step {number} {problem}"
        elif text:
            kept.append(text)
    if "steps" not in errors and not kept:
        errors["steps"] = "at least one step is required"
    elif len(kept) > MAX_STEPS:
        errors["steps"] = f"{len(kept)} steps; at most {MAX_STEPS}"
    return kept


def clean_templates(templates: Any, errors: dict[str, str]) -> dict[str, str]:
    """A text per kind of notice (TEMPLATE_KINDS); any may be empty."""
    if not isinstance(templates, dict):
        errors["templates"] = f"must map a kind of notice to its text, got {templates!r}"
        return {}
    unknown = sorted(str(k) for k in templates if k not in TEMPLATE_KINDS)
    if unknown:
        errors["templates"] = (
            f"unknown kind {', '.join(unknown)} (one of {', '.join(TEMPLATE_KINDS)})"
        )
    kept = {}
    for kind in TEMPLATE_KINDS:
        text, problem = _text(templates.get(kind), MAX_TEXT)
        if problem:
            errors[f"templates.{kind}"] = problem
        kept[kind] = text
    return kept


# --- reading ---------------------------------------------------------------------------------


def _content(row: Any) -> dict[str, Any]:
    return {
        "roles": json.loads(row.roles),
        "steps": json.loads(row.steps),
        "templates": {**dict.fromkeys(TEMPLATE_KINDS, ""), **json.loads(row.templates)},
    }


def _drills_by_plan(conn: Connection, plan_ids: list[int] | None = None) -> dict[int, list]:
    stmt = select(
        ResponsePlanDrill.plan_id, ResponsePlanDrill.drilled_on, ResponsePlanDrill.result
    ).order_by(ResponsePlanDrill.plan_id, ResponsePlanDrill.drilled_on, ResponsePlanDrill.id)
    if plan_ids is not None:
        stmt = stmt.where(ResponsePlanDrill.plan_id.in_(plan_ids))
    found: dict[int, list] = {}
    for plan_id, drilled_on, result in conn.execute(stmt):
        found.setdefault(plan_id, []).append((drilled_on, result))
    return found


PLAN_COLUMNS = [
    "category",
    "has_plan",
    "version",
    "updated_by",
    "updated_at",
    "drills",
    "last_drilled",
    "last_result",
    "next_due",
    "days_overdue",
    "state",
    "overdue",
    "failed",
]


def plan_list(conn: Connection, viewer: Viewer, today: date, interval_days: int) -> pd.DataFrame:
    """One row per risk category (in the taxonomy's order), with its plan's version and who
    saved it last, the number of drills, the last drill's date and result, when the next is
    due and the drill state (analytics.response_plans). A category without a plan has
    has_plan False and an empty state. Fourteen plans and their drills: read whole."""
    _require_read(viewer)
    plans = {
        r.category: r
        for r in conn.execute(
            select(
                ResponsePlan.id,
                ResponsePlan.category,
                ResponsePlan.version,
                ResponsePlan.updated_by,
                ResponsePlan.updated_at,
            )
        )
    }
    drills = _drills_by_plan(conn)
    rows = []
    for category in RISK_CATEGORIES:
        plan = plans.get(category)
        if plan is None:
            rows.append({"category": category, "has_plan": False, "drills": 0, "state": None})
            continue
        history = drills.get(plan.id, [])
        state = drill_state(history, today, interval_days)
        rows.append(
            {
                "category": category,
                "has_plan": True,
                "version": plan.version,
                "updated_by": plan.updated_by,
                "updated_at": plan.updated_at,
                "drills": len(history),
                "last_drilled": state.last_drilled,
                "last_result": state.last_result,
                "next_due": state.next_due,
                "days_overdue": state.days_overdue,
                "state": state.state,
                "overdue": state.overdue,
                "failed": state.failed,
            }
        )
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)


def get_plan(conn: Connection, viewer: Viewer, category: str) -> dict[str, Any] | None:
    """The category's current plan: category, version, roles, steps, templates, updated_by,
    updated_at; None when the category has no plan (or is not a category)."""
    _require_read(viewer)
    row = conn.execute(select(ResponsePlan).where(ResponsePlan.category == category)).first()
    if row is None:
        return None
    return {
        "category": row.category,
        "version": row.version,
        "updated_by": row.updated_by,
        "updated_at": row.updated_at,
        **_content(row),
    }


def plan_versions(conn: Connection, viewer: Viewer, category: str) -> pd.DataFrame:
    """Every saved version of the category's plan, newest first: version, saved_by, saved_at,
    roles, steps, templates (parsed)."""
    _require_read(viewer)
    rows = conn.execute(
        select(ResponsePlanVersion)
        .join(ResponsePlan, ResponsePlan.id == ResponsePlanVersion.plan_id)
        .where(ResponsePlan.category == category)
        .order_by(ResponsePlanVersion.version.desc())
    ).all()
    return pd.DataFrame(
        [
            {"version": r.version, "saved_by": r.saved_by, "saved_at": r.saved_at, **_content(r)}
            for r in rows
        ],
        columns=["version", "saved_by", "saved_at", "roles", "steps", "templates"],
    )


def plan_version(
    conn: Connection, viewer: Viewer, category: str, version: int
) -> dict[str, Any] | None:
    """One saved version of a category's plan (what an incident that followed it cites: by
    category and version, or by `id`, the response_plan_versions row), or None when there is
    no such version."""
    _require_read(viewer)
    row = conn.execute(
        select(ResponsePlanVersion)
        .join(ResponsePlan, ResponsePlan.id == ResponsePlanVersion.plan_id)
        .where(ResponsePlan.category == category, ResponsePlanVersion.version == version)
    ).first()
    if row is None:
        return None
    return {
        "id": row.id,
        "category": category,
        "version": row.version,
        "saved_by": row.saved_by,
        "saved_at": row.saved_at,
        **_content(row),
    }


def plan_drills(conn: Connection, viewer: Viewer, category: str) -> pd.DataFrame:
    """The category's drills, newest first: drilled_on, result, findings, plan_version,
    recorded_by, recorded_at."""
    _require_read(viewer)
    columns = [
        ResponsePlanDrill.drilled_on,
        ResponsePlanDrill.result,
        ResponsePlanDrill.findings,
        ResponsePlanDrill.plan_version,
        ResponsePlanDrill.recorded_by,
        ResponsePlanDrill.recorded_at,
    ]
    rows = conn.execute(
        select(*columns)
        .join(ResponsePlan, ResponsePlan.id == ResponsePlanDrill.plan_id)
        .where(ResponsePlan.category == category)
        .order_by(ResponsePlanDrill.drilled_on.desc(), ResponsePlanDrill.id.desc())
    ).all()
    return pd.DataFrame(rows, columns=[c.key for c in columns])


# --- writing ---------------------------------------------------------------------------------


def save_plan(
    engine: Engine,
    viewer: Viewer,
    category: str,
    roles: list[dict[str, str]],
    steps: list[str],
    templates: dict[str, str],
    version: int | None,
    now: datetime | None = None,
) -> int:
    """Create (`version` None) or change (`version`: the one the editor opened) the category's
    plan; returns the new version. A plan changed (or created) by someone else since is
    refused with StalePlanError and nothing is written."""
    _require_edit(viewer)
    errors: dict[str, str] = {}
    _category(category, errors)
    content = {
        "roles": clean_roles(roles, errors),
        "steps": clean_steps(steps, errors),
        "templates": clean_templates(templates, errors),
    }
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        errors["version"] = f"must be a whole number, got {version!r}"
    if errors:
        raise PlanValidationError(errors)
    now = now or datetime.now()
    stored = {k: json.dumps(v, ensure_ascii=False) for k, v in content.items()}
    try:
        with engine.begin() as conn:
            new_version = _write_plan(conn, viewer, category, stored, version, now)
            audit.record(
                conn,
                viewer.username,
                "response_plan_saved",
                "response_plan",
                category,
                {
                    "version": new_version,
                    "roles": len(content["roles"]),
                    "steps": len(content["steps"]),
                    "templates": sorted(k for k, v in content["templates"].items() if v),
                },
            )
    except IntegrityError as exc:  # another editor created the plan (or version) first
        raise StalePlanError(
            f"The {category} response plan was saved by someone else meanwhile; "
            "reload it, nothing was saved."
        ) from exc
    return new_version


def _write_plan(
    conn: Connection,
    viewer: Viewer,
    category: str,
    stored: dict[str, str],
    version: int | None,
    now: datetime,
) -> int:
    current = conn.execute(
        select(ResponsePlan.id, ResponsePlan.version).where(ResponsePlan.category == category)
    ).first()
    if version is None:
        if current is not None:
            raise StalePlanError(
                f"The {category} response plan was created by someone else meanwhile "
                f"(version {current.version}); reload it, nothing was saved."
            )
        plan_id = conn.execute(
            insert(ResponsePlan).values(
                category=category, version=1, updated_by=viewer.username, updated_at=now, **stored
            )
        ).inserted_primary_key[0]
        new_version = 1
    else:
        if current is None or current.version != version:
            found = "deleted" if current is None else f"now version {current.version}"
            raise StalePlanError(
                f"The {category} response plan was changed by someone else ({found}, you "
                f"edited version {version}); reload it, nothing was saved."
            )
        plan_id, new_version = current.id, version + 1
        done = conn.execute(
            update(ResponsePlan)
            .where(ResponsePlan.id == plan_id, ResponsePlan.version == version)
            .values(version=new_version, updated_by=viewer.username, updated_at=now, **stored)
        )
        if done.rowcount != 1:
            raise StalePlanError(
                f"The {category} response plan was changed by someone else; nothing was saved."
            )
    conn.execute(
        insert(ResponsePlanVersion).values(
            plan_id=plan_id,
            version=new_version,
            saved_by=viewer.username,
            saved_at=now,
            **stored,
        )
    )
    return new_version


def record_drill(
    engine: Engine,
    viewer: Viewer,
    category: str,
    drilled_on: date,
    result: str,
    findings: str,
    today: date | None = None,
    now: datetime | None = None,
) -> int:
    """Record a drill of the category's plan (against its current version): the day it took
    place (not in the future), the result (RESULTS) and the findings (required unless it
    passed). Returns the drill's id."""
    _require_edit(viewer)
    now = now or datetime.now()
    today = today or now.date()
    errors: dict[str, str] = {}
    _category(category, errors)
    if isinstance(drilled_on, datetime) or not isinstance(drilled_on, date):
        errors["drilled_on"] = f"must be a date, got {drilled_on!r}"
    elif drilled_on > today:
        errors["drilled_on"] = f"{drilled_on.isoformat()} is in the future (today is {today})"
    if result not in RESULTS:
        errors["result"] = f"must be one of {', '.join(RESULTS)}, got {result!r}"
    text, problem = _text(findings, MAX_TEXT)
    if problem:
        errors["findings"] = problem
    elif not text and result in ("partly", "failed"):
        errors["findings"] = f"are required when the drill {result} (what did not work?)"
    if errors:
        raise PlanValidationError(errors)
    with engine.begin() as conn:
        plan = conn.execute(
            select(ResponsePlan.id, ResponsePlan.version).where(ResponsePlan.category == category)
        ).first()
        if plan is None:
            raise PlanValidationError(
                {"category": f"{category} has no response plan yet; write the plan first"}
            )
        drill_id = conn.execute(
            insert(ResponsePlanDrill).values(
                plan_id=plan.id,
                plan_version=plan.version,
                drilled_on=drilled_on,
                result=result,
                findings=text,
                recorded_by=viewer.username,
                recorded_at=now,
            )
        ).inserted_primary_key[0]
        audit.record(
            conn,
            viewer.username,
            "response_plan_drill",
            "response_plan",
            category,
            {"drilled_on": drilled_on, "result": result, "plan_version": plan.version},
        )
    return int(drill_id)
