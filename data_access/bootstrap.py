"""Create or upgrade the schema with Alembic and load the demo data on first run."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, select

from data_access.filters import add_months
from data_access.models import Customer

DQ_HISTORY_MONTHS = 6
ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def upgrade_schema(engine: Engine) -> None:
    """Run every Alembic migration up to head on `engine`'s database."""
    cfg = Config(str(ALEMBIC_INI))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def has_data(engine: Engine) -> bool:
    """True when the customers table holds at least one row."""
    with engine.connect() as conn:
        return bool(conn.execute(select(func.count()).select_from(Customer)).scalar_one())


def finish_seed(engine: Engine, as_of: date | None = None) -> None:
    """After the demo rows: demo users, the default data-quality rules, a first check run
    and the KRI values."""
    from data_access import dq
    from data_access.users import ensure_demo_users

    with engine.begin() as conn:
        ensure_demo_users(conn)
        dq.seed_rules(conn)
    reference = datetime.combine(as_of or date.today(), time())
    # A history of monthly check runs (the rows that existed at each month's start), so the
    # data-quality trend has something to show from the first start.
    for months_back in range(DQ_HISTORY_MONTHS - 1, 0, -1):
        then = datetime.combine(add_months(reference.date().replace(day=1), -months_back), time())
        dq.run_checks(engine, "seed", reference_time=then, started_at=then, as_at=True)
    dq.run_checks(engine, triggered_by="seed", reference_time=reference)
    refresh_kris(engine)


def refresh_kris(engine: Engine, months: int = 12) -> int:
    """Recompute the KRIs for the last `months` months of data (after a seed or import)."""
    from data_access import kri
    from data_access.overview import latest_full_month

    with engine.connect() as conn:
        latest = latest_full_month(conn)
    return kri.refresh_kri_values(engine, kri.last_months(latest, months))


def prepare_database(engine: Engine, customers: int = 20000, months: int = 24) -> bool:
    """Upgrade the schema and, if the database is empty, load the demo data. True if seeded."""
    from data_access.seed import seed_demo

    upgrade_schema(engine)
    if has_data(engine):
        return False
    seed_demo(engine, customers=customers, months=months)
    finish_seed(engine)
    return True


def main() -> int:
    """`python -m data_access.bootstrap`: what `make run` calls before starting the app."""
    import time as timer

    from data_access.db import database_url, get_engine

    started = timer.perf_counter()
    seeded = prepare_database(get_engine())
    what = "created with demo data" if seeded else "up to date"
    print(f"Database {what}: {database_url()} ({timer.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
