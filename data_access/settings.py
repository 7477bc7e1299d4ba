"""Tunable settings stored in the `settings` table (JSON values) with code defaults."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from data_access import audit
from data_access.filters import CHURN_BASES
from data_access.models import RiskAppetite, Setting
from data_access.security import ADMIN_USERS, Viewer


class StaleSettingsError(ValueError):
    """Someone saved these settings after the administrator opened them."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(
            f"{', '.join(keys)} changed after you opened the form (someone else saved); "
            "nothing was saved"
        )
        self.keys = keys


def _require_organisation_admin(actor: Viewer, what: str) -> None:
    """Settings and appetite apply to every region: an unscoped administrator only."""
    if not actor.can(ADMIN_USERS) or actor.region_scope is not None:
        raise PermissionError(what)


DEFAULTS: dict[str, Any] = {
    # Upper bound (inclusive) of each level's score band; Critical takes the rest up to 25.
    "risk_level_bands": {"Low": 4, "Medium": 9, "High": 16, "Critical": 25},
    # Days between reviews per level.
    "review_cadence_days": {"Critical": 30, "High": 60, "Medium": 90, "Low": 180},
    # Below this many responses a statistic is shown as "insufficient data".
    "min_sample_size": 30,
    # Churn definition: "contract" (an explicit end date) or "activity" (lost after
    # inactivity_days without an invoice or order, dated at the last one).
    "churn_basis": "contract",
    "inactivity_days": 90,
    # Lockout policy.
    "max_failed_logins": 5,
    "lockout_minutes": 15,
    # Personal data: the importer stores national_id as a keyed hash (HMAC-SHA256 of the
    # normalised ID, see data_access.pii.hash_national_id) instead of the clear value. IDs
    # stored before the setting changed are not rewritten.
    "hash_national_id": False,
    # The currency amounts are in (ISO 4217 code), shown next to every amount.
    "currency": "CNY",
    # Days between credit reviews of a customer; high-risk customers (score fell at the latest
    # review, or an invoice more than 60 days overdue: analytics.actions) more often.
    "credit_review_days": 90,
    "credit_review_days_high_risk": 30,
    # Days between drills of a risk category's response plan; a plan not drilled for longer
    # (or never) is overdue and shows in "needs attention" (analytics.response_plans).
    "drill_interval_days": 365,
    # Where "KRI turned red" e-mails go when the risk's owner is not a user with an e-mail.
    "kri_alert_recipients": [],
    # A URL that receives a JSON POST when a KRI turns red (empty: none), e.g. a chat room's
    # incoming webhook; the outbox's sender delivers it (notify.webhook).
    "kri_alert_webhook": "",
    # Data breaches: hours from detection by which each party must be notified (GDPR art. 33
    # gives the regulator 72 hours), and the months before and after an incident its recovery
    # compares (analytics.incidents).
    "breach_notice_hours_regulator": 72,
    "breach_notice_hours_customers": 72,
    "incident_recovery_months": 3,
}


CHURN_SETTINGS = ("churn_basis", "inactivity_days")
PRIVACY_SETTINGS = ("hash_national_id",)
DISPLAY_SETTINGS = ("currency",)
CREDIT_SETTINGS = ("credit_review_days", "credit_review_days_high_risk")
PLAN_SETTINGS = ("drill_interval_days",)
ALERT_SETTINGS = ("kri_alert_recipients", "kri_alert_webhook")
_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+")
INCIDENT_SETTINGS = (
    "breach_notice_hours_regulator",
    "breach_notice_hours_customers",
    "incident_recovery_months",
)
# Notification hours per party of a breach (analytics.incidents.PARTIES).
BREACH_NOTICE_KEYS = {
    "regulator": "breach_notice_hours_regulator",
    "customers": "breach_notice_hours_customers",
}
# Secrets kept in the settings table: never returned by all_settings, never editable, never
# audited or shown. The HMAC key of national IDs is created once, on first use.
NATIONAL_ID_KEY = "national_id_hash_key"
SECRET_SETTINGS = frozenset({NATIONAL_ID_KEY})


def get_setting(conn: Connection, key: str) -> Any:
    """The stored value of `key`, or its default."""
    value = conn.execute(select(Setting.value).where(Setting.key == key)).scalar_one_or_none()
    return DEFAULTS[key] if value is None else json.loads(value)


def all_settings(conn: Connection) -> dict[str, Any]:
    """Every setting, stored values overriding defaults (secrets left out)."""
    stored = {
        k: json.loads(v)
        for k, v in conn.execute(select(Setting.key, Setting.value))
        if k not in SECRET_SETTINGS
    }
    return {**DEFAULTS, **stored}


def national_id_key(engine: Engine) -> bytes | None:
    """The HMAC key national IDs are hashed with when the `hash_national_id` setting is on
    (None when it is off). Created once, at random, on first use and kept in the settings
    table, so every import hashes the same ID to the same value."""
    with engine.connect() as conn:
        if not get_setting(conn, "hash_national_id"):
            return None
        stored = _stored_secret(conn, NATIONAL_ID_KEY)
    if stored is None:
        try:
            with engine.begin() as conn:
                created = secrets.token_hex(32)
                conn.execute(insert(Setting).values(key=NATIONAL_ID_KEY, value=json.dumps(created)))
        except IntegrityError:
            pass  # another session created it first: use theirs
        with engine.connect() as conn:
            stored = _stored_secret(conn, NATIONAL_ID_KEY)
    if stored is None:
        raise RuntimeError("the national ID hash key could not be created")
    return bytes.fromhex(stored)


def _stored_secret(conn: Connection, key: str) -> str | None:
    value = conn.execute(select(Setting.value).where(Setting.key == key)).scalar_one_or_none()
    return None if value is None else json.loads(value)


LEVELS = ("Low", "Medium", "High", "Critical")


def settings_problems(values: dict[str, Any]) -> list[str]:
    """What is wrong with proposed settings (bands, cadences, minimum sample size)."""
    problems = []
    bands = values.get("risk_level_bands")
    if bands is not None:
        uppers = [bands.get(level) for level in LEVELS]
        if not all(isinstance(u, int) and 1 <= u <= 25 for u in uppers):
            problems.append("risk_level_bands: each upper bound is a whole number from 1 to 25")
        elif not uppers[0] < uppers[1] < uppers[2] < uppers[3] == 25:
            problems.append("risk_level_bands: Low < Medium < High < Critical = 25")
    cadence = values.get("review_cadence_days")
    if cadence is not None:
        days = [cadence.get(level) for level in reversed(LEVELS)]  # Critical first
        if not all(isinstance(d, int) and 1 <= d <= 730 for d in days):
            problems.append("review_cadence_days: each is a whole number of days from 1 to 730")
        elif days != sorted(days):
            problems.append(
                "review_cadence_days: a more severe level is reviewed at least as often"
            )
    min_n = values.get("min_sample_size")
    if min_n is not None and not (isinstance(min_n, int) and 5 <= min_n <= 10_000):
        problems.append("min_sample_size: a whole number from 5 to 10,000")
    basis = values.get("churn_basis")
    if basis is not None and basis not in CHURN_BASES:
        problems.append(f"churn_basis: one of {', '.join(CHURN_BASES)}")
    idle = values.get("inactivity_days")
    if idle is not None and not (isinstance(idle, int) and 7 <= idle <= 730):
        problems.append("inactivity_days: a whole number of days from 7 to 730")
    hashing = values.get("hash_national_id")
    if hashing is not None and not isinstance(hashing, bool):
        problems.append("hash_national_id: true or false")
    currency = values.get("currency")
    if currency is not None and not (
        isinstance(currency, str) and re.fullmatch("[A-Z]{3}", currency)
    ):
        problems.append(f"currency: a three-letter ISO 4217 code such as CNY, got {currency!r}")
    problems.extend(_credit_review_problems(values))
    drill = values.get("drill_interval_days")
    if drill is not None and (
        isinstance(drill, bool) or not isinstance(drill, int) or not 7 <= drill <= 1095
    ):
        problems.append(
            f"drill_interval_days: a whole number of days from 7 to 1,095, got {drill!r}"
        )
    problems.extend(_alert_recipient_problems(values))
    problems.extend(_webhook_problems(values.get("kri_alert_webhook")))
    problems.extend(_incident_problems(values))
    editable = {
        *PLAN_SETTINGS,
        *ALERT_SETTINGS,
        *DISPLAY_SETTINGS,
        *CREDIT_SETTINGS,
        *INCIDENT_SETTINGS,
        "risk_level_bands",
        "review_cadence_days",
        "min_sample_size",
        *CHURN_SETTINGS,
        *PRIVACY_SETTINGS,
    }
    unknown = set(values) - editable
    if unknown:
        problems.append(f"cannot change {', '.join(sorted(unknown))} here")
    return problems


def _alert_recipient_problems(values: dict[str, Any]) -> list[str]:
    """A list of at most 20 distinct e-mail addresses, each named when it is not one."""
    addresses = values.get("kri_alert_recipients")
    if addresses is None:
        return []
    if not isinstance(addresses, list) or not all(isinstance(a, str) for a in addresses):
        return [f"kri_alert_recipients: a list of e-mail addresses, got {addresses!r}"]
    problems = [
        f"kri_alert_recipients: {a!r} is not an e-mail address"
        for a in addresses
        if len(a) > 300 or not _EMAIL.fullmatch(a)
    ]
    if len(addresses) > 20:
        problems.append(f"kri_alert_recipients: at most 20 addresses, got {len(addresses)}")
    if len({a.lower() for a in addresses}) != len(addresses):
        problems.append("kri_alert_recipients: an address is listed twice")
    return problems


def _webhook_problems(url: Any) -> list[str]:
    """Empty, or an http(s) URL with a host, at most 300 characters, no spaces."""
    if url is None or url == "":
        return []
    if not isinstance(url, str) or len(url) > 300 or any(c.isspace() for c in url):
        return [f"kri_alert_webhook: an http(s) URL of at most 300 characters, got {url!r}"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [f"kri_alert_webhook: an http(s) URL with a host, got {url!r}"]
    return []


def _incident_problems(values: dict[str, Any]) -> list[str]:
    """Notification hours are whole numbers from 1 to 720; recovery months from 1 to 12."""
    problems = []
    for key, top, unit in (
        ("breach_notice_hours_regulator", 720, "hours"),
        ("breach_notice_hours_customers", 720, "hours"),
        ("incident_recovery_months", 12, "months"),
    ):
        value = values.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            problems.append(f"{key}: a whole number of {unit} from 1 to {top}, got {value!r}")
    return problems


def _credit_review_problems(values: dict[str, Any]) -> list[str]:
    """Both cadences are whole numbers of days from 1 to 730; high risk at least as often."""
    problems = []
    checked = {}
    for key in CREDIT_SETTINGS:
        days = values.get(key)
        if days is None:
            continue
        if isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= 730:
            checked[key] = days
        else:
            problems.append(f"{key}: a whole number of days from 1 to 730, got {days!r}")
    if len(checked) == 2 and checked[CREDIT_SETTINGS[1]] > checked[CREDIT_SETTINGS[0]]:
        problems.append(
            f"credit_review_days_high_risk: {checked[CREDIT_SETTINGS[1]]} days is longer than "
            f"credit_review_days ({checked[CREDIT_SETTINGS[0]]}); high-risk customers are "
            "reviewed at least as often"
        )
    return problems


def save_settings(
    engine: Engine, actor: Viewer, values: dict[str, Any], opened: dict[str, Any]
) -> None:
    """Store settings (unscoped admins only) after validation; audited with old and new
    values. `opened` holds the values the form showed: a setting that differs from it now
    was saved by someone else in between, and nothing is written (StaleSettingsError)."""
    _require_organisation_admin(actor, "settings")
    problems = settings_problems(values)
    if problems:
        raise ValueError("; ".join(problems))
    with engine.begin() as conn:
        _lock_for_write(conn)
        before = {key: get_setting(conn, key) for key in values}
        stale = sorted(k for k in values if before[k] != opened.get(k))
        if stale:
            raise StaleSettingsError(stale)
        for key, value in values.items():
            text = json.dumps(value, sort_keys=True)
            if conn.execute(select(Setting.key).where(Setting.key == key)).first():
                conn.execute(update(Setting).where(Setting.key == key).values(value=text))
            else:
                conn.execute(insert(Setting).values(key=key, value=text))
        audit.record(
            conn,
            actor.username,
            "settings_update",
            "settings",
            None,
            {"from": before, "to": values},
        )


def _lock_for_write(conn: Connection) -> None:
    """Take the write lock before reading what is compared, so two saves cannot both pass
    the check (SQLite: a write first; PostgreSQL: a transaction-level advisory lock)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(31000)")
    else:
        conn.execute(update(Setting).where(Setting.key == "").values(value=""))


def appetite(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(select(RiskAppetite.category, RiskAppetite.max_score)).all())


def save_appetite(
    engine: Engine, actor: Viewer, limits: dict[str, int], opened: dict[str, int]
) -> None:
    """Maximum tolerated score per category, 1–25 (unscoped admins only); audited. A
    category whose stored limit differs from `opened` (what the form showed) was changed by
    someone else: nothing is written (StaleSettingsError)."""
    _require_organisation_admin(actor, "risk appetite")
    bad = [f"{c}: {v!r}" for c, v in limits.items() if not (isinstance(v, int) and 1 <= v <= 25)]
    if bad:
        raise ValueError("appetite: a whole number from 1 to 25 (" + ", ".join(bad) + ")")
    with engine.begin() as conn:
        _lock_for_write(conn)
        before = appetite(conn)
        unknown = set(limits) - set(before)
        if unknown:
            raise ValueError(f"appetite: unknown categories {', '.join(sorted(unknown))}")
        stale = sorted(c for c in limits if before[c] != opened.get(c))
        if stale:
            raise StaleSettingsError(stale)
        for category, value in limits.items():
            conn.execute(
                update(RiskAppetite)
                .where(RiskAppetite.category == category)
                .values(max_score=value)
            )
        changed = {c: (before[c], v) for c, v in limits.items() if before[c] != v}
        audit.record(conn, actor.username, "appetite_update", "risk_appetite", None, changed)
