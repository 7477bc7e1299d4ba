"""Engine creation: one pooled engine per process and database URL."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "crm_risk.db"


def database_url() -> str:
    """`DATABASE_URL` if set, else the embedded SQLite file under data/."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        # Accept the common "postgresql://" spelling and use psycopg 3.
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DBAPI types
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


def make_engine(url: str | None = None) -> Engine:
    """A new engine for `url` (default: `database_url()`); SQLite gets WAL and FK pragmas."""
    url = url or database_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 5})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: `database_url()` as it is now), cached
    per URL so every caller shares one pool."""
    return _engine_for(url or database_url())


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)
