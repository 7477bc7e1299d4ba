"""KRI management: define, edit and retire key risk indicators (risk managers and admins).

Rules, checked here whatever the screen does:
- Permission EDIT_RISKS (the roles that change the register). A region-scoped user manages
  only KRIs scoped to their own region, on risks they can see, and no data-quality-score KRI
  (a check run counts every region's rows): exactly the KRIs `kri.visible_kris` shows them, so
  nobody defines a KRI they could not read. Another region's KRI is "not found".
- The metric comes from `kri.METRIC_DEFINITIONS`; a data-quality score names a table that has
  active rules; a source-system scope only for the metrics read from customers' rows
  (`kri.SOURCE_METRICS`). Region, segment, tier and source are active codes of the
  organisation's code lists. Thresholds are numbers in the metric's range, amber strictly
  before red in the direction the indicator gets worse.
- Every change writes the KRI, a `kri_versions` row with the whole definition and an audit row
  in one transaction; an edit or retirement names the version the form showed and is refused
  when the KRI changed since (StaleKriError).
- After a definition or edit the KRI's last 12 months are computed at once (only that KRI),
  so its history shows immediately and a KRI defined red raises its risk and its alert.
  Values kept from earlier definitions outside those months stay as they were computed.
- A retired KRI keeps its values and versions but is no longer computed, nor shown among
  the current states and "needs attention".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from analytics.kri import threshold_problem
from data_access import audit, code_lists
from data_access.kri import (
    INCIDENT_METRICS,
    METRICS,
    SOURCE_METRICS,
    refresh_kris,
    visible_kris,
)
from data_access.models import DqRule, KeyRiskIndicator, KriValue, KriVersion, Risk
from data_access.scope import risk_conditions
from data_access.security import EDIT_RISKS, Viewer

DIRECTIONS = ("higher_bad", "lower_bad")
# The range a metric's value (and so its thresholds) lies in.
METRIC_RANGES: dict[str, tuple[float, float]] = {
    "churn_rate": (0.0, 1.0),
    "nps": (-100.0, 100.0),
    "csat": (0.0, 1.0),
    "sla_breach_rate": (0.0, 1.0),
    "overdue_30_share": (0.0, 1.0),
    "dq_score": (0.0, 1.0),
    "incidents_started": (0.0, 10_000.0),
    "breach_notice_late_share": (0.0, 1.0),
    "hours_to_contain": (0.0, 100_000.0),
}
# Definition field -> the code list its value must come from.
SCOPE_LISTS = {
    "scope_region": "region",
    "scope_segment": "segment",
    "scope_tier": "tier",
    "scope_source": "source_system",
}
FIELDS = (
    "risk_id",
    "name",
    "metric",
    "metric_param",
    "scope_region",
    "scope_segment",
    "scope_tier",
    "scope_source",
    "direction",
    "amber_threshold",
    "red_threshold",
)
HISTORY_MONTHS = 12
MAX_NAME = 120


class KriError(Exception):
    """Base class: the message is meant for the user."""


class KriNotAllowedError(KriError):
    pass


class StaleKriError(KriError):
    pass


class KriValidationError(KriError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def may_manage(viewer: Viewer) -> bool:
    """Whether the viewer may define, edit and retire KRIs (within their scope)."""
    return viewer.can(EDIT_RISKS)


def _require(viewer: Viewer) -> None:
    if not may_manage(viewer):
        raise KriNotAllowedError("Your role may not define or change KRIs.")


# --- reading -----------------------------------------------------------------------------------


def dq_tables(conn: Connection) -> tuple[str, ...]:
    """Tables with at least one active data-quality rule (what a DQ-score KRI may measure)."""
    return tuple(
        conn.execute(
            select(DqRule.table_name)
            .where(DqRule.active.is_(True))
            .group_by(DqRule.table_name)
            .order_by(DqRule.table_name)
        ).scalars()
    )


def scope_choices(conn: Connection, viewer: Viewer) -> dict[str, tuple[str, ...]]:
    """The codes each scope field may take for this viewer (a scoped user: their region)."""
    choices = {field: code_lists.active_codes(conn, name) for field, name in SCOPE_LISTS.items()}
    if viewer.region_scope is not None:
        choices["scope_region"] = (viewer.region_scope,)
    return choices


def linkable_risks(conn: Connection, viewer: Viewer) -> pd.DataFrame:
    """Risks the viewer may link a KRI to: the open ones they can see (id, code, title)."""
    rows = conn.execute(
        select(Risk.id, Risk.code, Risk.title, Risk.region)
        .where(Risk.status != "Closed", *risk_conditions(viewer))
        .order_by(Risk.code)
    ).all()
    return pd.DataFrame(rows, columns=["id", "code", "title", "region"])


def kri_list(conn: Connection, viewer: Viewer, include_retired: bool = True) -> pd.DataFrame:
    """The KRIs the viewer may see with their definition, status, version and newest value
    and state (retired ones last)."""
    newest = (
        select(KriValue.kri_id, func.max(KriValue.period_month).label("period_month"))
        .group_by(KriValue.kri_id)
        .subquery()
    )
    k = KeyRiskIndicator
    stmt = (
        select(
            k.id.label("kri_id"),
            k.risk_id,
            Risk.code.label("risk_code"),
            Risk.title.label("risk_title"),
            *(getattr(k, f) for f in FIELDS if f != "risk_id"),
            k.status,
            k.version,
            k.retired_at,
            k.updated_at,
            k.updated_by,
            newest.c.period_month,
            KriValue.value,
            KriValue.n,
            KriValue.state,
        )
        .join(Risk, Risk.id == k.risk_id)
        .outerjoin(newest, newest.c.kri_id == k.id)
        .outerjoin(
            KriValue,
            and_(KriValue.kri_id == k.id, KriValue.period_month == newest.c.period_month),
        )
        .where(*visible_kris(viewer))
        .order_by((k.status != "active"), Risk.code, k.id)
    )
    if not include_retired:
        stmt = stmt.where(k.status == "active")
    result = conn.execute(stmt)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _visible_kri(conn: Connection, viewer: Viewer, kri_id: Any) -> Any:
    if not isinstance(kri_id, int) or isinstance(kri_id, bool):
        return None
    return conn.execute(
        select(*KeyRiskIndicator.__table__.c).where(
            KeyRiskIndicator.id == kri_id, *visible_kris(viewer)
        )
    ).first()


def kri_definition(conn: Connection, viewer: Viewer, kri_id: int) -> dict[str, Any] | None:
    """A KRI's current row, or None when it does not exist or the viewer may not see it."""
    row = _visible_kri(conn, viewer, kri_id)
    return None if row is None else dict(row._mapping)


def kri_versions(conn: Connection, viewer: Viewer, kri_id: int) -> pd.DataFrame:
    """Every saved definition of a KRI the viewer may see, oldest first."""
    columns = ["version", "change", "changed_by", "changed_at", *FIELDS, "status"]
    if _visible_kri(conn, viewer, kri_id) is None:
        return pd.DataFrame(columns=columns)
    rows = conn.execute(
        select(*(KriVersion.__table__.c[c] for c in columns))
        .where(KriVersion.kri_id == kri_id)
        .order_by(KriVersion.version)
    ).all()
    return pd.DataFrame(rows, columns=columns)


# --- validation --------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A stripped text, None for empty."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _number(field: str, value: Any, errors: dict[str, str]) -> float | None:
    if isinstance(value, bool) or value is None:
        errors[field] = f"must be a number, got {value!r}"
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors[field] = f"must be a number, got {value!r}"
        return None
    if not math.isfinite(number):
        errors[field] = f"must be a finite number, got {value!r}"
        return None
    return number


def _validated(
    conn: Connection, viewer: Viewer, definition: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The cleaned definition and the problems found (field -> message naming the value)."""
    errors: dict[str, str] = {}
    unknown = set(definition) - set(FIELDS)
    if unknown:
        errors["definition"] = f"unknown fields {', '.join(sorted(unknown))}"
    clean: dict[str, Any] = {}
    name = _text(definition.get("name"))
    if name is None:
        errors["name"] = "is required"
    elif len(name) > MAX_NAME:
        errors["name"] = f"is {len(name)} characters; at most {MAX_NAME}"
    clean["name"] = name
    metric = definition.get("metric")
    if metric not in METRICS:
        errors["metric"] = f"unknown metric {metric!r}; one of {', '.join(METRICS)}"
    clean["metric"] = metric
    param = _text(definition.get("metric_param"))
    if metric == "dq_score":
        tables = dq_tables(conn)
        if param not in tables:
            errors["metric_param"] = (
                f"a data-quality score needs a table with rules ({', '.join(tables) or 'none'}), "
                f"got {param!r}"
            )
    elif param is not None:
        errors["metric_param"] = f"only a data-quality score takes a table, got {param!r}"
        param = None
    clean["metric_param"] = param
    choices = scope_choices(conn, viewer)
    for field, list_name in SCOPE_LISTS.items():
        value = _text(definition.get(field))
        if value is not None and value not in choices[field]:
            errors[field] = (
                f"{value!r} is not an active {list_name.replace('_', ' ')} "
                f"({', '.join(choices[field])})"
            )
        clean[field] = value
    if viewer.region_scope is not None and clean["scope_region"] != viewer.region_scope:
        errors["scope_region"] = (
            f"you manage KRIs of {viewer.region_scope} only; got "
            f"{clean['scope_region'] or 'all regions'}"
        )
    # Check runs count a rule's rows per region, incidents belong to a risk's region: neither
    # can be limited to a segment or a tier.
    if metric == "dq_score" or metric in INCIDENT_METRICS:
        what = "a data-quality score" if metric == "dq_score" else "an incident metric"
        for field in ("scope_segment", "scope_tier"):
            if clean[field] is not None:
                errors[field] = (
                    f"{what} is counted per region only; it cannot be limited to {clean[field]!r}"
                )
    if clean["scope_source"] is not None and metric in METRICS and metric not in SOURCE_METRICS:
        errors["scope_source"] = (
            f"{metric} cannot be limited to a source system (only {', '.join(SOURCE_METRICS)})"
        )
    direction = definition.get("direction")
    if direction not in DIRECTIONS:
        errors["direction"] = f"unknown direction {direction!r}; one of {', '.join(DIRECTIONS)}"
    clean["direction"] = direction
    amber = _number("amber_threshold", definition.get("amber_threshold"), errors)
    red = _number("red_threshold", definition.get("red_threshold"), errors)
    clean["amber_threshold"], clean["red_threshold"] = amber, red
    low, high = METRIC_RANGES.get(metric, (-math.inf, math.inf))
    for field, value in (("amber_threshold", amber), ("red_threshold", red)):
        if value is not None and not low <= value <= high:
            errors[field] = f"{value:g} is outside {metric}'s range {low:g} to {high:g}"
    in_range = not {"amber_threshold", "red_threshold"} & set(errors)
    if in_range and amber is not None and red is not None and direction in DIRECTIONS:
        problem = threshold_problem(direction, amber, red)
        if problem is None and amber == red:
            problem = f"amber and red are both {amber:g}; amber must come before red"
        if problem:
            errors["red_threshold"] = problem
    risk_id = definition.get("risk_id")
    risk = None
    if isinstance(risk_id, int) and not isinstance(risk_id, bool):
        risk = conn.execute(
            select(Risk.id, Risk.code).where(Risk.id == risk_id, *risk_conditions(viewer))
        ).first()
    if risk is None:
        errors["risk_id"] = f"risk {risk_id!r} not found"
    clean["risk_id"] = risk_id
    return clean, errors


# --- writes ------------------------------------------------------------------------------------


def _snapshot(conn: Connection, kri_id: int, change: str, viewer: Viewer, now: datetime) -> None:
    """The KRI's definition as it now stands, as a version row."""
    row = conn.execute(
        select(*KeyRiskIndicator.__table__.c).where(KeyRiskIndicator.id == kri_id)
    ).one()
    conn.execute(
        insert(KriVersion).values(
            kri_id=kri_id,
            version=row.version,
            change=change,
            changed_by=viewer.username,
            changed_at=now,
            status=row.status,
            **{f: getattr(row, f) for f in FIELDS},
        )
    )


def _computed(engine: Engine, viewer: Viewer, kri_id: int) -> int:
    """Compute the KRI's last months now, and leave an audit row so cached views refresh."""
    rows = refresh_kris(engine, HISTORY_MONTHS, kri_ids=[kri_id])
    with engine.begin() as conn:
        audit.record(conn, viewer.username, "kri_values_computed", "kri", kri_id, {"rows": rows})
    return rows


def define_kri(
    engine: Engine, viewer: Viewer, definition: Mapping[str, Any], now: datetime | None = None
) -> int:
    """Define a KRI (fields: FIELDS) and compute its last 12 months; returns its id."""
    _require(viewer)
    now = now or datetime.now()
    with engine.begin() as conn:
        clean, errors = _validated(conn, viewer, definition)
        if errors:
            raise KriValidationError(errors)
        kri_id = conn.execute(
            insert(KeyRiskIndicator)
            .values(
                **clean,
                status="active",
                version=1,
                created_by=viewer.username,
                created_at=now,
                updated_by=viewer.username,
                updated_at=now,
            )
            .returning(KeyRiskIndicator.id)
        ).scalar_one()
        _snapshot(conn, kri_id, "define", viewer, now)
        audit.record(conn, viewer.username, "kri_defined", "kri", kri_id, clean)
    _computed(engine, viewer, kri_id)
    return int(kri_id)


def _changeable(conn: Connection, viewer: Viewer, kri_id: int, version: int) -> Any:
    kri = _visible_kri(conn, viewer, kri_id)
    if kri is None:
        raise KriValidationError({"kri": f"KRI {kri_id!r} not found"})
    if kri.version != version:
        raise StaleKriError(
            f"KRI {kri.name!r} was changed by someone else (version {kri.version}, you edited "
            f"version {version}). Reload it; nothing was saved."
        )
    if kri.status != "active":
        raise KriValidationError({"status": f"KRI {kri.name!r} is retired; it cannot change"})
    return kri


def _save(conn: Connection, kri: Any, version: int, values: dict[str, Any]) -> None:
    done = conn.execute(
        update(KeyRiskIndicator)
        .where(KeyRiskIndicator.id == kri.id, KeyRiskIndicator.version == version)
        .values(**values, version=version + 1)
    )
    if done.rowcount != 1:
        raise StaleKriError(f"KRI {kri.name!r} was changed by someone else; nothing was saved.")


def edit_kri(
    engine: Engine,
    viewer: Viewer,
    kri_id: int,
    version: int,
    definition: Mapping[str, Any],
    now: datetime | None = None,
) -> int:
    """Change a KRI's definition (the whole of FIELDS) and recompute its last 12 months.
    `version` is the one the form showed. Returns the new version."""
    _require(viewer)
    now = now or datetime.now()
    with engine.begin() as conn:
        kri = _changeable(conn, viewer, kri_id, version)
        clean, errors = _validated(conn, viewer, definition)
        if errors:
            raise KriValidationError(errors)
        before = {f: getattr(kri, f) for f in FIELDS}
        changed = {f: [before[f], clean[f]] for f in FIELDS if before[f] != clean[f]}
        if not changed:
            raise KriValidationError({"definition": "nothing changed"})
        _save(conn, kri, version, {**clean, "updated_by": viewer.username, "updated_at": now})
        _snapshot(conn, kri_id, "edit", viewer, now)
        audit.record(
            conn, viewer.username, "kri_edited", "kri", kri_id, {"version": version + 1, **changed}
        )
    _computed(engine, viewer, kri_id)
    return version + 1


def retire_kri(
    engine: Engine, viewer: Viewer, kri_id: int, version: int, now: datetime | None = None
) -> int:
    """Retire a KRI: its values and versions stay, it is no longer computed or shown among
    the current states. Returns the new version."""
    _require(viewer)
    now = now or datetime.now()
    with engine.begin() as conn:
        kri = _changeable(conn, viewer, kri_id, version)
        _save(
            conn,
            kri,
            version,
            {
                "status": "retired",
                "retired_at": now,
                "retired_by": viewer.username,
                "updated_by": viewer.username,
                "updated_at": now,
            },
        )
        _snapshot(conn, kri_id, "retire", viewer, now)
        audit.record(
            conn,
            viewer.username,
            "kri_retired",
            "kri",
            kri_id,
            {"name": kri.name, "version": version + 1},
        )
    return version + 1
