"""User administration (admins only): create, change role and region scope, deactivate,
reset a password, unlock. Every change is checked here, not only in the page, and audited;
the last active administrator can never be removed or demoted."""

from __future__ import annotations

import re

import pandas as pd
from sqlalchemy import Connection, Engine, Row, func, select, update

from data_access import audit
from data_access.codes import REGIONS
from data_access.models import User
from data_access.security import ADMIN_USERS, ROLES, Viewer
from data_access.users import create_user, hash_password

MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,59}$")


class AdminError(ValueError):
    """A change an administrator asked for that is not allowed; the message says why."""


def _require_admin(actor: Viewer) -> None:
    if not actor.can(ADMIN_USERS):
        raise PermissionError("user administration")


def password_problems(username: str, password: str) -> list[str]:
    problems = []
    if len(password or "") < MIN_PASSWORD_LENGTH:
        problems.append(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if username and username.lower() in (password or "").lower():
        problems.append("password: must not contain the user name")
    return problems


def list_users(conn: Connection) -> pd.DataFrame:
    """Every user without the password hash."""
    stmt = select(
        User.username,
        User.name,
        User.email,
        User.role,
        User.region_scope,
        User.active,
        User.failed_attempts,
        User.locked_until,
        User.last_login_at,
        User.created_at,
    ).order_by(User.username)
    result = conn.execute(stmt)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _user(conn: Connection, username: str) -> Row:
    row = conn.execute(select(User).where(User.username == username)).first()
    if row is None:
        raise AdminError(f"username: no user {username!r}")
    return row


def _other_active_admins(conn: Connection, username: str) -> int:
    stmt = select(func.count(User.id)).where(
        User.role == "admin", User.active.is_(True), User.username != username
    )
    return int(conn.execute(stmt).scalar_one())


def _check_role_scope(role: str, region_scope: str | None) -> list[str]:
    problems = []
    if role not in ROLES:
        problems.append(f"role: unknown role {role!r} (one of {', '.join(ROLES)})")
    if region_scope is not None and region_scope not in REGIONS:
        problems.append(f"region_scope: unknown region {region_scope!r}")
    return problems


def add_user(
    engine: Engine,
    actor: Viewer,
    username: str,
    name: str,
    email: str,
    password: str,
    role: str,
    region_scope: str | None,
) -> None:
    """Create a user; raises AdminError listing every problem (nothing written then)."""
    _require_admin(actor)
    username = (username or "").strip().lower()
    problems = []
    if not USERNAME.match(username):
        problems.append("username: 3–60 characters, lower-case letters, digits, . _ -")
    if not (name or "").strip():
        problems.append("name: required")
    if "@" not in (email or ""):
        problems.append(f"email: not an e-mail address: {email!r}")
    problems += _check_role_scope(role, region_scope)
    problems += password_problems(username, password)
    with engine.begin() as conn:
        if conn.execute(select(User.id).where(User.username == username)).first():
            problems.append(f"username: {username!r} already exists")
        if problems:
            raise AdminError("; ".join(problems))
        create_user(conn, username, name.strip(), email.strip(), password, role, region_scope)
        detail = {"role": role, "region_scope": region_scope}
        audit.record(conn, actor.username, "user_create", "user", username, detail)


def change_role(
    engine: Engine, actor: Viewer, username: str, role: str, region_scope: str | None
) -> None:
    _require_admin(actor)
    problems = _check_role_scope(role, region_scope)
    if problems:
        raise AdminError("; ".join(problems))
    with engine.begin() as conn:
        user = _user(conn, username)
        if user.role == "admin" and role != "admin" and not _other_active_admins(conn, username):
            raise AdminError("role: this is the last active administrator")
        before = {"role": user.role, "region_scope": user.region_scope}
        conn.execute(
            update(User).where(User.id == user.id).values(role=role, region_scope=region_scope)
        )
        after = {"role": role, "region_scope": region_scope}
        audit.record(
            conn, actor.username, "user_role", "user", username, {"from": before, "to": after}
        )


def set_active(engine: Engine, actor: Viewer, username: str, active: bool) -> None:
    _require_admin(actor)
    with engine.begin() as conn:
        user = _user(conn, username)
        if not active and user.role == "admin" and not _other_active_admins(conn, username):
            raise AdminError("active: this is the last active administrator")
        conn.execute(update(User).where(User.id == user.id).values(active=active))
        action = "user_activate" if active else "user_deactivate"
        audit.record(conn, actor.username, action, "user", username)


def reset_password(engine: Engine, actor: Viewer, username: str, password: str) -> None:
    """Set a new password (policy applies) and lift any lock."""
    _require_admin(actor)
    problems = password_problems(username, password)
    if problems:
        raise AdminError("; ".join(problems))
    with engine.begin() as conn:
        user = _user(conn, username)
        conn.execute(
            update(User)
            .where(User.id == user.id)
            .values(password_hash=hash_password(password), failed_attempts=0, locked_until=None)
        )
        audit.record(conn, actor.username, "password_reset", "user", username)


def unlock(engine: Engine, actor: Viewer, username: str) -> None:
    _require_admin(actor)
    with engine.begin() as conn:
        user = _user(conn, username)
        conn.execute(
            update(User).where(User.id == user.id).values(failed_attempts=0, locked_until=None)
        )
        audit.record(conn, actor.username, "user_unlock", "user", username)
