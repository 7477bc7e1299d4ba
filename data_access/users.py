"""Users, password checks and the database-held lockout. Every outcome is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt
from sqlalchemy import Connection, Engine, insert, select, update

from data_access import audit
from data_access.models import User
from data_access.security import Viewer
from data_access.settings import get_setting

# bcrypt reads at most 72 bytes; longer passwords are refused rather than cut.
MAX_PASSWORD_BYTES = 72
# A real hash to compare against when the user does not exist, so timing does not leak it.
_DUMMY_HASH = bcrypt.hashpw(b"not-a-password", bcrypt.gensalt(rounds=12)).decode()


def hash_password(password: str) -> str:
    encoded = password.encode("utf-8")
    if len(encoded) > MAX_PASSWORD_BYTES:
        raise ValueError(f"password: at most {MAX_PASSWORD_BYTES} bytes")
    return bcrypt.hashpw(encoded, bcrypt.gensalt(rounds=12)).decode()


def verify_password(password: str, password_hash: str) -> bool:
    """bcrypt's check; a password bcrypt cannot take never matches."""
    encoded = password.encode("utf-8")
    if len(encoded) > MAX_PASSWORD_BYTES:
        bcrypt.checkpw(b"-", _DUMMY_HASH.encode())  # same time as a real check
        return False
    return bcrypt.checkpw(encoded, password_hash.encode())


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a password login. A refusal carries no reason the visitor may see:
    unknown user, wrong password, locked and inactive look the same (and take as long), so
    the form cannot be used to find out which user names exist; the audit log has the why."""

    ok: bool
    session_version: int | None = None  # bound into the login cookie and the session


def create_user(
    conn: Connection,
    username: str,
    name: str,
    email: str,
    password: str,
    role: str,
    region_scope: str | None = None,
    must_change_password: bool = False,
) -> None:
    conn.execute(
        insert(User).values(
            must_change_password=must_change_password,
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


def get_viewer(
    conn: Connection, username: str | None, session_version: int | None = None
) -> Viewer | None:
    """The Viewer for an active user, or None. With `session_version`, also None when the
    user's logins were ended since (logout, password reset, deactivation, role change)."""
    if not username:
        return None
    row = conn.execute(
        select(User.username, User.role, User.region_scope, User.session_version).where(
            User.username == username, User.active.is_(True)
        )
    ).first()
    if row is None or (session_version is not None and row.session_version != session_version):
        return None
    return Viewer(row.username, row.role, row.region_scope)


def must_change_password(conn: Connection, username: str) -> bool:
    """Whether the user logged in with a one-time password and must set their own first."""
    return bool(
        conn.execute(
            select(User.must_change_password).where(User.username == username)
        ).scalar_one_or_none()
    )


def cookie_login(
    engine: Engine, username: str, session_version: object, now: datetime | None = None
) -> int | None:
    """Accept a signed login cookie when its user is active, unlocked and its session version
    is current; returns that version (or None) and audits either way."""
    now = now or datetime.now()
    username = str(username)[:60]
    with engine.begin() as conn:
        row = conn.execute(
            select(User.active, User.locked_until, User.session_version).where(
                User.username == username
            )
        ).first()
        if row is None or not row.active:
            reason = "unknown or inactive user"
        elif row.locked_until is not None and row.locked_until > now:
            reason = "locked"
        elif row.session_version != session_version:
            reason = "logins ended since the cookie was issued"
        else:
            audit.record(conn, username, "login_cookie", "user", username)
            return int(row.session_version)
        audit.record(conn, username, "cookie_refused", "user", username, {"reason": reason})
        return None


def session_version(conn: Connection, username: str) -> int | None:
    return conn.execute(
        select(User.session_version).where(User.username == username)
    ).scalar_one_or_none()


def attempt_login(
    engine: Engine, username: str, password: str, now: datetime | None = None
) -> LoginResult:
    """Check a password against the database, applying and recording the lockout policy."""
    now = now or datetime.now()
    username = (username or "").strip().lower()[:60]
    too_long = len((password or "").encode("utf-8")) > MAX_PASSWORD_BYTES
    with engine.begin() as conn:
        max_failed = int(get_setting(conn, "max_failed_logins"))
        lock_minutes = int(get_setting(conn, "lockout_minutes"))
        stmt = select(User).where(User.username == username)
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        user = conn.execute(stmt).first()
        refusal = None
        if user is None:
            refusal = "unknown user"
        elif not user.active:
            refusal = "inactive"
        elif user.locked_until is not None and user.locked_until > now:
            refusal = "locked"
        if refusal:
            verify_password(password or "", _DUMMY_HASH)  # as slow as a real check
            action = "login_failed" if user is None else "login_refused"
            detail = {"reason": refusal, **({"password_over_72_bytes": True} if too_long else {})}
            audit.record(conn, username or None, action, "user", username, detail)
            return LoginResult(False)
        if verify_password(password or "", user.password_hash):
            conn.execute(
                update(User)
                .where(User.id == user.id)
                .values(failed_attempts=0, locked_until=None, last_login_at=now)
            )
            audit.record(conn, username, "login", "user", username)
            return LoginResult(True, int(user.session_version))
        failed = user.failed_attempts + 1
        detail = {"attempt": failed, **({"password_over_72_bytes": True} if too_long else {})}
        audit.record(conn, username, "login_failed", "user", username, detail)
        if failed >= max_failed:
            until = now + timedelta(minutes=lock_minutes)
            conn.execute(
                update(User).where(User.id == user.id).values(failed_attempts=0, locked_until=until)
            )
            audit.record(conn, username, "account_locked", "user", username, {"until": until})
        else:
            conn.execute(update(User).where(User.id == user.id).values(failed_attempts=failed))
        return LoginResult(False)


def record_logout(engine: Engine, username: str) -> None:
    """Log out: audited, and every login of this user ends (a copied cookie included)."""
    with engine.begin() as conn:
        conn.execute(
            update(User)
            .where(User.username == username)
            .values(session_version=User.session_version + 1)
        )
        audit.record(conn, username, "logout", "user", username)


LANGUAGES = ("en", "zh")  # the UI languages a user may keep


def stored_language(conn: Connection, username: str) -> str | None:
    """The UI language the user last chose (None: never chose, or not one we offer)."""
    value = conn.execute(
        select(User.language).where(User.username == username)
    ).scalar_one_or_none()
    return value if value in LANGUAGES else None


def set_language(engine: Engine, username: str, language: str | None) -> None:
    """Remember the user's UI language for their next login (None forgets it). A reader's
    preference, not an administrator's change: the user's version and session version stay,
    and the audit row (on the user, language_set) leaves every cached view as it is."""
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"language: one of {', '.join(LANGUAGES)}")
    with engine.begin() as conn:
        changed = conn.execute(
            update(User)
            .where(User.username == username, User.language.is_distinct_from(language))
            .values(language=language)
        ).rowcount
        if changed:
            audit.record(conn, username, "language_set", "user", username, {"to": language})
