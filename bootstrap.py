"""First start: `python -m bootstrap` (what `make run` calls before the app) creates or
upgrades the schema and, when the database holds no customers yet, loads the demo data."""

from __future__ import annotations

import time

from sqlalchemy import Engine

from data_access.db import database_url, get_engine
from data_access.schema import has_data, upgrade_schema
from demo.seed import finish_seed, seed_demo


def prepare_database(engine: Engine, customers: int = 20000, months: int = 24) -> bool:
    """Upgrade the schema and, if the database is empty, load the demo data. True if seeded."""
    upgrade_schema(engine)
    if has_data(engine):
        return False
    seed_demo(engine, customers=customers, months=months)
    finish_seed(engine)
    return True


def main() -> int:
    """What `make run` calls before starting the app."""
    started = time.perf_counter()
    seeded = prepare_database(get_engine())
    what = "created with demo data" if seeded else "up to date"
    print(f"Database {what}: {database_url()} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
