"""Users, password checks and the database-held lockout. Every outcome is audited."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt
from sqlalchemy import Connection, Engine, insert, select, update

from data_access import audit
from data_access.models import User
from data_access.security import Viewer
from data_access.settings import get_setting

DEFAULT_DEMO_PASSWORD = "crm-risk-demo"
DEMO_USERS = (
    # username, display name, role, region scope
    ("exec", "Chen Jing (Executive)", "executive", None),
    ("risk", "Li Na (Risk manager)", "risk_manager", None),
    ("analyst", "Wang Fang (Analyst)", "analyst", None),
    ("admin", "Zhao Lei (Administrator)", "admin", None),
    ("risk_east", "Liu Yang (Risk manager, East)", "risk_manager", "East"),
)
# A real hash to compare against when the user does not exist, so timing does not leak it.
_DUMMY_HASH = bcrypt.hashpw(b"not-a-password", bcrypt.gensalt(rounds=12)).decode()


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=12)).decode()


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    reason: str  # ok | bad_credentials | locked | inactive
    locked_until: datetime | None = None
    attempts_left: int | None = None


def create_user(
    conn: Connection,
    username: str,
    name: str,
    email: str,
    password: str,
    role: str,
    region_scope: str | None = None,
) -> None:
    conn.execute(
        insert(User).values(
            username=username,
            name=name,
            email=email,
            password_hash=hash_password(password),
            role=role,
            region_scope=region_scope,
            active=True,
            failed_attempts=0,
            created_at=datetime.now(),
        )
    )


def ensure_demo_users(conn: Connection, password: str | None = None) -> int:
    """Create the demo users that do not exist yet; returns how many were created."""
    existing = set(conn.execute(select(User.username)).scalars())
    created = 0
    for username, name, role, scope in DEMO_USERS:
        if username in existing:
            continue
        create_user(
            conn,
            username,
            name,
            f"{username}@crm-risk.example",
            password or demo_password(),
            role,
            scope,
        )
        audit.record(conn, "system", "user_created", "user", username, {"role": role})
        created += 1
    return created


def credentials(conn: Connection, now: datetime | None = None) -> dict:
    """The streamlit-authenticator credentials dict: active, unlocked users only, so a
    deactivated or locked account cannot come back in through its cookie either."""
    now = now or datetime.now()
    rows = conn.execute(
        select(
            User.username, User.name, User.email, User.password_hash, User.role, User.locked_until
        ).where(User.active.is_(True))
    ).all()
    return {
        "usernames": {
            r.username: {
                "name": r.name,
                "email": r.email,
                "password": r.password_hash,
                "roles": [r.role],
            }
            for r in rows
            if r.locked_until is None or r.locked_until <= now
        }
    }


def get_viewer(conn: Connection, username: str | None) -> Viewer | None:
    """The Viewer for an active user, or None."""
    if not username:
        return None
    row = conn.execute(
        select(User.username, User.role, User.region_scope).where(
            User.username == username, User.active.is_(True)
        )
    ).first()
    return Viewer(row.username, row.role, row.region_scope) if row else None


def attempt_login(
    engine: Engine, username: str, password: str, now: datetime | None = None
) -> LoginResult:
    """Check a password against the database, applying and recording the lockout policy."""
    now = now or datetime.now()
    username = (username or "").strip().lower()[:60]
    with engine.begin() as conn:
        max_failed = int(get_setting(conn, "max_failed_logins"))
        lock_minutes = int(get_setting(conn, "lockout_minutes"))
        stmt = select(User).where(User.username == username)
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        user = conn.execute(stmt).first()
        if user is None:
            bcrypt.checkpw(password.encode("utf-8"), _DUMMY_HASH.encode())
            audit.record(
                conn, username or None, "login_failed", "user", username, {"reason": "unknown user"}
            )
            return LoginResult(False, "bad_credentials")
        if not user.active:
            audit.record(conn, username, "login_refused", "user", username, {"reason": "inactive"})
            return LoginResult(False, "inactive")
        if user.locked_until is not None and user.locked_until > now:
            audit.record(conn, username, "login_refused", "user", username, {"reason": "locked"})
            return LoginResult(False, "locked", user.locked_until)
        if bcrypt.checkpw(password.encode("utf-8"), user.password_hash.encode()):
            conn.execute(
                update(User)
                .where(User.id == user.id)
                .values(failed_attempts=0, locked_until=None, last_login_at=now)
            )
            audit.record(conn, username, "login", "user", username)
            return LoginResult(True, "ok")
        failed = user.failed_attempts + 1
        if failed >= max_failed:
            until = now + timedelta(minutes=lock_minutes)
            conn.execute(
                update(User).where(User.id == user.id).values(failed_attempts=0, locked_until=until)
            )
            audit.record(conn, username, "login_failed", "user", username, {"attempt": failed})
            audit.record(conn, username, "account_locked", "user", username, {"until": until})
            return LoginResult(False, "locked", until)
        conn.execute(update(User).where(User.id == user.id).values(failed_attempts=failed))
        audit.record(conn, username, "login_failed", "user", username, {"attempt": failed})
        return LoginResult(False, "bad_credentials", attempts_left=max_failed - failed)


def record_logout(engine: Engine, username: str) -> None:
    with engine.begin() as conn:
        audit.record(conn, username, "logout", "user", username)
