"""User administration (admins only): create, change role and region scope, deactivate,
reset a password, unlock. Every change is checked here, not only in the page, and audited;
the last active administrator can never be removed or demoted. Each change names the user's
`version` as the administrator saw it and is refused when someone changed the user since
(StaleUserError); a change that affects what a login may do ends the user's logins."""

from __future__ import annotations

import re

import pandas as pd
from sqlalchemy import Connection, Engine, Row, func, select, update

from data_access import audit
from data_access.code_lists import active_codes
from data_access.models import User
from data_access.security import ADMIN_USERS, ROLES, Viewer
from data_access.users import MAX_PASSWORD_BYTES, create_user, hash_password, verify_password

MIN_PASSWORD_LENGTH = 12
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,59}$")


class AdminError(ValueError):
    """A change an administrator asked for that is not allowed; the message says why."""


class StaleUserError(AdminError):
    """The user was changed by someone else after the administrator opened it."""


def _require_admin(actor: Viewer) -> None:
    if not actor.can(ADMIN_USERS):
        raise PermissionError("user administration")


def _check_actor_scope(actor: Viewer, *scopes: str | None) -> None:
    """An administrator with a region scope manages only users of that region (before and
    after the change), so they cannot hand out wider access than their own."""
    if actor.region_scope and any(scope != actor.region_scope for scope in scopes):
        raise AdminError(f"region_scope: you may only manage users scoped to {actor.region_scope}")


def password_problems(username: str, password: str) -> list[str]:
    problems = []
    if len(password or "") < MIN_PASSWORD_LENGTH:
        problems.append(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if len((password or "").encode("utf-8")) > MAX_PASSWORD_BYTES:
        problems.append(
            f"password: at most {MAX_PASSWORD_BYTES} bytes "
            "(about 72 Latin or 24 Chinese characters)"
        )
    if password and password != password.strip():
        problems.append("password: no spaces at the start or end (the login form trims them)")
    if username and username.lower() in (password or "").lower():
        problems.append("password: must not contain the user name")
    return problems


def _refuse_password(engine: Engine, actor: Viewer, username: str, problems: list[str]) -> None:
    """Audit a refused password (never the password itself), then refuse."""
    with engine.begin() as conn:
        detail = {"problems": [p for p in problems if p.startswith("password")]}
        audit.record(conn, actor.username, "password_refused", "user", username[:60], detail)
    raise AdminError("; ".join(problems))


def list_users(conn: Connection, actor: Viewer | None = None) -> pd.DataFrame:
    """Every user without the password hash (for a scoped administrator: their region's)."""
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
        User.version,
    ).order_by(User.username)
    if actor is not None and actor.region_scope:
        stmt = stmt.where(User.region_scope == actor.region_scope)
    result = conn.execute(stmt)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _user(conn: Connection, actor: Viewer, username: str, version: int) -> Row:
    """The user as stored, if the actor may manage them and they are still at `version`."""
    row = conn.execute(select(User).where(User.username == username)).first()
    if row is None:
        raise AdminError(f"username: no user {username!r}")
    _check_actor_scope(actor, row.region_scope)
    if row.version != version:
        raise StaleUserError(
            f"{username} was changed by someone else after you opened it; nothing was saved"
        )
    return row


def _save_user(conn: Connection, user: Row, end_logins: bool, **values: object) -> None:
    """Write `values` with the version guard; `end_logins` also ends every login."""
    bumps = {"version": user.version + 1}
    if end_logins:
        bumps["session_version"] = User.session_version + 1
    stmt = (
        update(User)
        .where(User.id == user.id, User.version == user.version)
        .values(**values, **bumps)
    )
    if conn.execute(stmt).rowcount != 1:
        raise StaleUserError(f"{user.username} was changed by someone else; nothing was saved")


def _other_active_admins(conn: Connection, username: str) -> int:
    stmt = select(func.count(User.id)).where(
        User.role == "admin", User.active.is_(True), User.username != username
    )
    return int(conn.execute(stmt).scalar_one())


def _check_role_scope(
    engine: Engine, role: str, region_scope: str | None, kept: str | None = None
) -> list[str]:
    """Problems with a role and scope; the scope is an active code of the organisation's
    region list (or `kept`, the scope the user already has, even if since retired)."""
    problems = []
    if role not in ROLES:
        problems.append(f"role: unknown role {role!r} (one of {', '.join(ROLES)})")
    if region_scope is not None and region_scope != kept:
        with engine.connect() as conn:
            regions = active_codes(conn, "region")
        if region_scope not in regions:
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
    problems += _check_role_scope(engine, role, region_scope)
    _check_actor_scope(actor, region_scope)
    refused_password = password_problems(username, password)
    if refused_password:
        _refuse_password(engine, actor, username, problems + refused_password)
    with engine.begin() as conn:
        if conn.execute(select(User.id).where(User.username == username)).first():
            problems.append(f"username: {username!r} already exists")
        if problems:
            raise AdminError("; ".join(problems))
        create_user(conn, username, name.strip(), email.strip(), password, role, region_scope)
        detail = {"role": role, "region_scope": region_scope}
        audit.record(conn, actor.username, "user_create", "user", username, detail)


def change_role(
    engine: Engine,
    actor: Viewer,
    username: str,
    role: str,
    region_scope: str | None,
    version: int,
) -> None:
    """A new role and region scope; the user's logins end (they log in again with the new
    rights)."""
    _require_admin(actor)
    with engine.connect() as conn:
        kept = conn.execute(
            select(User.region_scope).where(User.username == username)
        ).scalar_one_or_none()
    problems = _check_role_scope(engine, role, region_scope, kept)
    if problems:
        raise AdminError("; ".join(problems))
    _check_actor_scope(actor, region_scope)
    with engine.begin() as conn:
        user = _user(conn, actor, username, version)
        if user.role == "admin" and role != "admin" and not _other_active_admins(conn, username):
            raise AdminError("role: this is the last active administrator")
        before = {"role": user.role, "region_scope": user.region_scope}
        after = {"role": role, "region_scope": region_scope}
        _save_user(conn, user, before != after, **after)
        audit.record(
            conn, actor.username, "user_role", "user", username, {"from": before, "to": after}
        )


def set_active(engine: Engine, actor: Viewer, username: str, active: bool, version: int) -> None:
    """Deactivate (ending every login) or reactivate a user."""
    _require_admin(actor)
    with engine.begin() as conn:
        user = _user(conn, actor, username, version)
        if not active and user.role == "admin" and not _other_active_admins(conn, username):
            raise AdminError("active: this is the last active administrator")
        _save_user(conn, user, not active, active=active)
        action = "user_activate" if active else "user_deactivate"
        audit.record(conn, actor.username, action, "user", username)


def reset_password(
    engine: Engine, actor: Viewer, username: str, password: str, version: int
) -> None:
    """Set a new password (policy applies), lift any lock and end every login made with the
    old one."""
    _require_admin(actor)
    problems = password_problems(username, password)
    if problems:
        _refuse_password(engine, actor, username, problems)
    with engine.begin() as conn:
        user = _user(conn, actor, username, version)
        _save_user(
            conn,
            user,
            True,
            password_hash=hash_password(password),
            failed_attempts=0,
            locked_until=None,
        )
        audit.record(conn, actor.username, "password_reset", "user", username)


def unlock(engine: Engine, actor: Viewer, username: str, version: int) -> None:
    _require_admin(actor)
    with engine.begin() as conn:
        user = _user(conn, actor, username, version)
        _save_user(conn, user, False, failed_attempts=0, locked_until=None)
        audit.record(conn, actor.username, "user_unlock", "user", username)


def change_own_password(engine: Engine, username: str, current: str, new: str) -> int:
    """A user replaces their own password (the first login of a one-time password included):
    the current one must be right and the new one meet the policy and differ from it. Every
    other login of the user ends; returns the session version this session continues with."""
    problems = password_problems(username, new)
    if new == current:
        problems.append("password: the new password must differ from the current one")
    with engine.begin() as conn:
        user = conn.execute(select(User).where(User.username == username)).first()
        if user is None or not user.active or not verify_password(current, user.password_hash):
            problems.insert(0, "current password: not correct")
        if problems:
            detail = {"problems": problems}
            audit.record(conn, username, "password_refused", "user", username, detail)
        else:
            conn.execute(
                update(User)
                .where(User.id == user.id)
                .values(
                    password_hash=hash_password(new),
                    must_change_password=False,
                    version=User.version + 1,
                    session_version=User.session_version + 1,
                )
            )
            audit.record(conn, username, "password_changed", "user", username)
            return int(user.session_version) + 1
    raise AdminError("; ".join(problems))
