"""The analytical read path: a columnar DuckDB snapshot of the tables the dashboards aggregate
(customers and their attributes, invoices, survey answers, complaints, credit reviews).

Why (measured in `make bench`, numbers in the README): the dashboards' figures are grouped
scans over millions of invoices and answers; a row store answers them in seconds at a million
customers, DuckDB's columnar engine in a fraction of that from the same SQLAlchemy `select()`
statements — so scope conditions and masking are the same code on either engine.

- `refresh(engine)` copies the tables from the primary database (the SQLite file or
  PostgreSQL, read through DuckDB's scanner extension, which ships as a wheel: no download)
  into a new file and publishes it by renaming. A reader keeps the file it opened; the next
  connection takes the newest. The importer, the seed and the first start refresh it.
- A snapshot is named after the data version it was taken at. `is_fresh` compares that with
  the newest import in the audit log: a snapshot older than the last import is not used (the
  primary answers, slower but right) until the next refresh.
- Everything else — the register, data-quality results, settings, users, the churn scores —
  is read from the primary, where every write goes.
"""

from __future__ import annotations

import logging
import os
import pathlib
import re
import sqlite3
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    or_,
    select,
)
from sqlalchemy.engine import make_url

from data_access import audit
from data_access.db import DEFAULT_SQLITE_PATH, database_url_of
from data_access.models import AuditLog, Invoice

SNAPSHOT_TABLES = (
    "churn_models",  # written with their scores after an import, before the refresh
    "churn_scores",
    "customers",
    "customer_attributes",
    "invoices",
    "survey_responses",
    "complaints",
    "credit_score_history",
    "code_values",
)
# What writes the tables above, as the audit log records it: imports, code-list edits and
# customer merges and their undos (the seed writes no audit row and refreshes the snapshot
# itself).
WRITE_ACTIONS = ("import",)
WRITE_OBJECTS = ("code_value", "customer_merge")
# Summaries built in the snapshot from the copied tables: a figure whose inputs are one row
# per customer and month is summed once per month and customer slice (region, segment,
# tier: what scopes and filters select), so the page adds up a few hundred rows.
REVENUE_MOVES = Table(
    "revenue_moves",
    MetaData(),
    Column("month", Date),
    Column("region", String),
    Column("segment", String),
    Column("tier", String),
    *(Column(name, Float) for name in ("revenue", "start", "current", "kept", "lost")),
)
CREDIT_TREND = Table(
    "credit_trend",
    MetaData(),
    Column("customer_id", Integer),
    Column("latest", Integer),
    Column("previous", Integer),
)
# Survey answers counted per month × every listed dimension (the customer's region,
# segment, tier, channel and lifecycle stage; the answer's touchpoint): the satisfaction and
# overview figures without an imported-attribute breakdown are sums of its rows.
ANSWER_DIMENSIONS = ("region", "segment", "tier", "channel", "lifecycle_stage", "touchpoint")
ANSWER_COUNTS = (
    "n_nps",
    "promoters",
    "detractors",
    "n_csat",
    "csat_top2",
    "n_ces",
    "ces_sum",
    "ces_sumsq",
)
SURVEY_MONTHS = Table(
    "survey_months",
    MetaData(),
    Column("month", Date),
    *(Column(name, String) for name in ANSWER_DIMENSIONS),
    *(Column(name, Integer) for name in ANSWER_COUNTS),
)
# The invoices unpaid now and not written off (a few per cent of all invoices): every
# overdue and receivable figure on any as-of day is a subset of them. The columns of
# `invoices`, so the same statements read it, and the customer's slice, so a scope needs
# no join.
OPEN_INVOICES = Invoice.__table__.to_metadata(MetaData(), name="open_invoices")
for _slice in ("region", "segment", "tier"):
    OPEN_INVOICES.append_column(Column(_slice, String))
# Invoices per signup-month cohort × invoice month × customer slice: the amount and the
# customers invoiced. A customer is in one cell per month, so the counts add up.
COHORT_MONTHS = Table(
    "cohort_months",
    MetaData(),
    Column("signup_month", Date),
    Column("month", Date),
    Column("region", String),
    Column("segment", String),
    Column("tier", String),
    Column("revenue", Float),
    Column("active", Integer),
)
SUMMARIES = {
    "open_invoices": """
        SELECT i.*, c.region, c.segment, c.tier
        FROM invoices AS i JOIN customers AS c ON c.id = i.customer_id
        WHERE i.paid_date IS NULL AND i.status != 'written_off'""",
    "cohort_months": """
        SELECT CAST(date_trunc('month', c.signup_date) AS DATE) AS signup_month,
               i.period_month AS month, c.region, c.segment, c.tier,
               sum(i.amount) AS revenue, count(DISTINCT i.customer_id) AS active
        FROM invoices AS i JOIN customers AS c ON c.id = i.customer_id
        GROUP BY ALL""",
    # Each customer's two newest credit reviews side by side (ties by id).
    "credit_trend": """
        SELECT customer_id,
               max(score) FILTER (WHERE rank = 1) AS latest,
               max(score) FILTER (WHERE rank = 2) AS previous
        FROM (SELECT customer_id, score,
                     row_number() OVER (PARTITION BY customer_id
                                        ORDER BY reviewed_on DESC, id DESC) AS rank
              FROM credit_score_history)
        WHERE rank <= 2
        GROUP BY customer_id""",
    # Per customer and month: the revenue then (`now`) and in the month before (`before`);
    # start, current, kept and lost count only customers invoiced the month before, as
    # `data_access.churn.revenue_retention` defines them.
    "revenue_moves": """
        WITH monthly AS (
            SELECT customer_id, period_month AS month, sum(amount) AS r
            FROM invoices GROUP BY customer_id, period_month),
        pairs AS (
            SELECT coalesce(now.customer_id, before.customer_id) AS customer_id,
                   coalesce(now.month, CAST(before.month + INTERVAL 1 MONTH AS DATE)) AS month,
                   coalesce(before.r, 0) AS before, coalesce(now.r, 0) AS now
            FROM monthly AS now FULL JOIN monthly AS before
              ON before.customer_id = now.customer_id
             AND CAST(before.month + INTERVAL 1 MONTH AS DATE) = now.month)
        SELECT p.month, c.region, c.segment, c.tier,
               sum(p.now) AS revenue,
               coalesce(sum(p.before) FILTER (WHERE p.before > 0), 0) AS start,
               coalesce(sum(p.now) FILTER (WHERE p.before > 0), 0) AS current,
               coalesce(sum(least(p.now, p.before)) FILTER (WHERE p.before > 0), 0) AS kept,
               coalesce(sum(p.before) FILTER (WHERE p.before > 0 AND p.now = 0), 0) AS lost
        FROM pairs AS p JOIN customers AS c ON c.id = p.customer_id
        GROUP BY p.month, c.region, c.segment, c.tier""",
    # As `data_access.satisfaction` counts answers (promoters 9–10, detractors 0–6, CSAT
    # top-2 = 4–5, CES sum and sum of squares for its mean and spread).
    "survey_months": """
        SELECT CAST(date_trunc('month', r.responded_on) AS DATE) AS month,
               c.region, c.segment, c.tier, c.channel, c.lifecycle_stage, r.touchpoint,
               count(r.nps) AS n_nps,
               count(*) FILTER (WHERE r.nps >= 9) AS promoters,
               count(*) FILTER (WHERE r.nps <= 6) AS detractors,
               count(r.csat) AS n_csat,
               count(*) FILTER (WHERE r.csat >= 4) AS csat_top2,
               count(r.ces) AS n_ces,
               coalesce(sum(r.ces), 0) AS ces_sum,
               coalesce(sum(r.ces * r.ces), 0) AS ces_sumsq
        FROM survey_responses AS r JOIN customers AS c ON c.id = r.customer_id
        GROUP BY ALL""",
}
# The snapshot's layout: bumped when a copied table or a summary changes, so a snapshot
# written by an older release is never read (the next refresh replaces it).
FORMAT = 2
SUFFIX = f".v{FORMAT}.duckdb"
KEEP = 2  # snapshots kept: the newest and the one readers may still hold open
_LOG = logging.getLogger(__name__)
MEMORY_LIMIT = os.environ.get("ANALYTICS_MEMORY_LIMIT", "1GB")


def enabled() -> bool:
    """`ANALYTICS_ENGINE=primary` answers every figure from the primary database."""
    return os.environ.get("ANALYTICS_ENGINE", "duckdb").strip().lower() != "primary"


def directory(primary: Engine) -> pathlib.Path:
    """Where the snapshots of `primary` live: next to a SQLite file; for a server database
    a folder named after host, port and database under `ANALYTICS_DIR` (default
    data/analytics), so two databases never share one."""
    url = primary.url
    if primary.dialect.name == "sqlite" and url.database not in (None, "", ":memory:"):
        db = pathlib.Path(url.database)
        return db.with_name(db.name + ".analytics")
    configured = os.environ.get("ANALYTICS_DIR", "").strip()
    root = pathlib.Path(configured) if configured else DEFAULT_SQLITE_PATH.parent / "analytics"
    name = f"{url.host or 'local'}-{url.port or ''}-{url.database or ''}"
    return root / re.sub(r"[^A-Za-z0-9_.-]", "_", name)


@dataclass(frozen=True)
class Snapshot:
    path: pathlib.Path
    version: int  # the primary's data version when the copy started


def current(primary: Engine) -> Snapshot | None:
    """The newest published snapshot of `primary`, if any."""
    folder = directory(primary)
    if not folder.is_dir():
        return None
    found = [p for p in folder.glob(f"*{SUFFIX}") if p.stem.split("-")[0].isdigit()]
    if not found:
        return None
    newest = max(found, key=lambda p: (int(p.stem.split("-")[0]), p.stat().st_mtime))
    return Snapshot(newest, int(newest.stem.split("-")[0]))


def last_write(conn: Connection) -> int:
    """The audit id of the newest import or code-list edit (0 when there was none)."""
    stmt = select(func.max(AuditLog.id)).where(
        or_(AuditLog.action.in_(WRITE_ACTIONS), AuditLog.object_type.in_(WRITE_OBJECTS))
    )
    return int(conn.execute(stmt).scalar_one_or_none() or 0)


def is_fresh(snapshot: Snapshot, conn: Connection) -> bool:
    """True when no import or code-list edit happened after the snapshot was taken."""
    return snapshot.version >= last_write(conn)


def _scanner(name: str) -> pathlib.Path:
    """The DuckDB extension file a `duckdb-extension-<name>` wheel installs."""
    import importlib

    package = importlib.import_module(f"duckdb_extension_{name}")
    return next(pathlib.Path(package.__file__).parent.rglob("*.duckdb_extension"))


def _attach_clause(source: Engine, staged: pathlib.Path) -> tuple[str, str]:
    """(extension name, ATTACH statement) reading the source read-only: for SQLite the
    consistent copy `_stage` made at `staged`, for PostgreSQL the server."""
    url = make_url(source.url)
    if source.dialect.name == "sqlite":
        path = str(staged.resolve()).replace("'", "''")
        return "sqlite_scanner", f"ATTACH '{path}' AS src (TYPE sqlite, READ_ONLY)"
    if source.dialect.name == "postgresql":
        parts = {
            "host": url.host,
            "port": url.port,
            "dbname": url.database,
            "user": url.username,
            "password": url.password,
        }
        dsn = " ".join(f"{k}={v}" for k, v in parts.items() if v is not None)
        dsn = dsn.replace("'", "''")
        return "postgres_scanner", f"ATTACH '{dsn}' AS src (TYPE postgres, READ_ONLY)"
    raise ValueError(f"no analytical snapshot for {source.dialect.name}")


def _stage(source: Engine, staged: pathlib.Path) -> None:
    """A SQLite source is first copied with SQLite's own online backup, and the scanner
    reads the copy, never the live file: the scanner carries its own SQLite library, and two
    SQLite libraries in one process holding the same file break each other's POSIX locks
    (closing one's file drops the other's) — writes of other processes were lost that way."""
    if source.dialect.name != "sqlite":
        return
    live = sqlite3.connect(pathlib.Path(source.url.database).resolve())
    copy = sqlite3.connect(staged)
    try:
        live.backup(copy)
    finally:
        copy.close()
        live.close()


def _source(primary: Engine) -> Engine:
    """What the copy reads: `ANALYTICS_SOURCE_URL` (a read replica of a PostgreSQL primary,
    so the copy never loads the database people write to), else the primary itself."""
    replica = os.environ.get("ANALYTICS_SOURCE_URL", "").strip()
    return create_engine(database_url_of(replica)) if replica else primary


def refresh(primary: Engine) -> Snapshot:
    """Copy the analytical tables into a new snapshot file and publish it; older ones beyond
    KEEP are removed (a reader holding one open keeps reading it)."""
    import duckdb

    with primary.connect() as conn:
        version = audit.data_version(conn)
    folder = directory(primary)
    folder.mkdir(parents=True, exist_ok=True)
    draft = folder / f"draft-{uuid.uuid4().hex}.tmp"
    staged = folder / f"draft-{uuid.uuid4().hex}.sqlite.tmp"
    source = _source(primary)
    extension, attach = _attach_clause(source, staged)
    copy = duckdb.connect(str(draft), config={"memory_limit": MEMORY_LIMIT})
    try:
        copy.execute("SET enable_progress_bar = false")  # no bars in the server's log
        _stage(source, staged)
        copy.execute(f"LOAD '{_scanner(extension)}'")
        copy.execute(attach)
        for table in SNAPSHOT_TABLES:
            copy.execute(f"CREATE TABLE {table} AS SELECT * FROM src.{table}")
        copy.execute("DETACH src")
        for name, query in SUMMARIES.items():
            copy.execute(f"CREATE TABLE {name} AS {query}")
        copy.execute("CHECKPOINT")
    except BaseException:
        copy.close()
        draft.unlink(missing_ok=True)
        raise
    finally:
        staged.unlink(missing_ok=True)
    copy.close()
    published = folder / f"{version:012d}-{time.time_ns()}{SUFFIX}"
    os.replace(draft, published)
    for old in sorted(folder.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime)[:-KEEP]:
        old.unlink(missing_ok=True)
    for other in set(folder.glob("*.duckdb")) - set(folder.glob(f"*{SUFFIX}")):
        other.unlink(missing_ok=True)  # another format: no reader of this release opens it
    return Snapshot(published, version)


def publish(primary: Engine) -> Snapshot | None:
    """After the analytical tables changed (seed, import, code lists): a new snapshot, unless
    the analytical path is switched off. The change itself is already committed, so a copy
    that fails is logged, not raised: the old snapshot is now stale and the primary answers
    until the next one."""
    if not enabled():
        return None
    try:
        return refresh(primary)
    except Exception:  # noqa: BLE001 - any failure of the copy leaves the data as it is
        _LOG.exception("the analytical snapshot could not be refreshed")
        return None


def ensure_fresh(primary: Engine) -> Snapshot | None:
    """At start: the current snapshot if no import came after it, else a new one."""
    if not enabled():
        return None
    found = current(primary)
    if found is not None:
        with primary.connect() as conn:
            if is_fresh(found, conn):
                return found
    return refresh(primary)


def reader(snapshot: Snapshot) -> Engine:
    """A read-only engine on one snapshot file."""
    return create_engine(
        f"duckdb:///{snapshot.path}",
        connect_args={
            "read_only": True,
            "config": {"memory_limit": MEMORY_LIMIT, "threads": os.cpu_count() or 2},
        },
    )
