"""First start: `python -m bootstrap` (what `make run` calls before the app) creates or
upgrades the schema and, on a brand-new database, fills it:

- with the demo (default): demo customers, users, rules, check runs and KRIs; its texts
  (risk titles, notes, KRI names, complaints, comments) in English, or in Chinese with
  `DEMO_LANGUAGE=zh` (the same numbers either way);
- with `DEMO_DATA=0`, an empty install: the default data-quality rules and one administrator
  and nothing else. The administrator's password is `ADMIN_PASSWORD` if set (the password
  policy applies), else a one-time password printed once here, which the first login must
  replace. There is never a fixed default password on an empty install.

A database that already holds users or customers is only upgraded: the demo is never loaded
on top of an organisation's own data, whatever `DEMO_DATA` says later.
"""

from __future__ import annotations

import os
import secrets
import time

from sqlalchemy import Engine, func, select

from data_access import audit, snapshot
from data_access.db import database_url, get_engine
from data_access.models import Customer, User
from data_access.schema import upgrade_schema
from data_access.user_admin import password_problems
from data_access.users import create_user
from demo.seed import finish_seed, seed_demo
from quality.runs import seed_rules

ADMIN_USERNAME = "admin"


def _is_new(engine: Engine) -> bool:
    with engine.connect() as conn:
        users = conn.execute(select(func.count()).select_from(User)).scalar_one()
        customers = conn.execute(select(func.count()).select_from(Customer)).scalar_one()
    return users == 0 and customers == 0


def create_empty_install(engine: Engine, admin_password: str | None) -> str | None:
    """The default rules and the first administrator; returns the one-time password when
    none was given (the caller shows it once), else None."""
    one_time = None
    if admin_password:
        problems = password_problems(ADMIN_USERNAME, admin_password)
        if problems:
            raise ValueError("ADMIN_PASSWORD: " + "; ".join(problems))
    else:
        one_time = admin_password = secrets.token_urlsafe(12)
    with engine.begin() as conn:
        seed_rules(conn)
        create_user(
            conn,
            ADMIN_USERNAME,
            "Administrator",
            "admin@localhost",
            admin_password,
            "admin",
            must_change_password=one_time is not None,
        )
        audit.record(conn, "system", "user_created", "user", ADMIN_USERNAME, {"role": "admin"})
    return one_time


def prepare_database(
    engine: Engine,
    customers: int = 20000,
    months: int = 24,
    demo: bool = True,
    admin_password: str | None = None,
    language: str = "en",
) -> str:
    """Upgrade the schema and fill a brand-new database; says what was done."""
    upgrade_schema(engine)
    if not _is_new(engine):
        snapshot.ensure_fresh(engine)  # e.g. after an upgrade that brought the snapshot in
        return "up to date"
    if demo:
        seed_demo(engine, customers=customers, months=months, language=language)
        finish_seed(engine)
        return "created with demo data"
    one_time = create_empty_install(engine, admin_password)
    snapshot.publish(engine)
    if one_time is None:
        return f"created empty; log in as '{ADMIN_USERNAME}' with ADMIN_PASSWORD"
    return (
        f"created empty; log in as '{ADMIN_USERNAME}' with the one-time password "
        f"{one_time} (shown only now; the first login replaces it)"
    )


def main() -> int:
    """What `make run` calls before starting the app."""
    started = time.perf_counter()
    demo = os.environ.get("DEMO_DATA", "1").strip().lower() not in ("0", "false", "no")
    language = os.environ.get("DEMO_LANGUAGE", "").strip().lower() or "en"
    try:
        what = prepare_database(
            get_engine(),
            demo=demo,
            admin_password=os.environ.get("ADMIN_PASSWORD") or None,
            language=language,
        )
    except ValueError as exc:
        print(f"Nothing created: {exc}")
        return 1
    print(f"Database {what}: {database_url()} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
