"""The schema: created and upgraded only through Alembic; whether it holds data yet."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, select

from data_access.models import Customer

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
