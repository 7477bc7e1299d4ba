"""Tunable settings stored in the `settings` table (JSON values) with code defaults."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from data_access.models import Setting

DEFAULTS: dict[str, Any] = {
    # Upper bound (inclusive) of each level's score band; Critical takes the rest up to 25.
    "risk_level_bands": {"Low": 4, "Medium": 9, "High": 16, "Critical": 25},
    # Days between reviews per level.
    "review_cadence_days": {"Critical": 30, "High": 60, "Medium": 90, "Low": 180},
    # Below this many responses a statistic is shown as "insufficient data".
    "min_sample_size": 30,
    # Lockout policy.
    "max_failed_logins": 5,
    "lockout_minutes": 15,
}


def get_setting(conn: Connection, key: str) -> Any:
    """The stored value of `key`, or its default."""
    value = conn.execute(select(Setting.value).where(Setting.key == key)).scalar_one_or_none()
    return DEFAULTS[key] if value is None else json.loads(value)


def all_settings(conn: Connection) -> dict[str, Any]:
    """Every setting, stored values overriding defaults."""
    stored = {k: json.loads(v) for k, v in conn.execute(select(Setting.key, Setting.value))}
    return {**DEFAULTS, **stored}
