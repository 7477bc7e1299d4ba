"""The demo users: one per role plus a region-scoped risk manager, with the demo password
(`DEMO_PASSWORD`, or a default that the README tells everyone to change)."""

from __future__ import annotations

import os

from sqlalchemy import Connection, select

from data_access import audit
from data_access.models import User
from data_access.users import create_user

DEFAULT_DEMO_PASSWORD = "crm-risk-demo"
DEMO_USERS = (
    # username, display name, role, region scope
    ("exec", "Chen Jing (Executive)", "executive", None),
    ("risk", "Li Na (Risk manager)", "risk_manager", None),
    ("analyst", "Wang Fang (Analyst)", "analyst", None),
    ("admin", "Zhao Lei (Administrator)", "admin", None),
    ("risk_east", "Liu Yang (Risk manager, East)", "risk_manager", "East"),
)


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


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
