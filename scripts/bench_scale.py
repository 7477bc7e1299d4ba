"""The app at an organisation's size (default 1,000,000 customers, 24 months): seed time and
peak memory, what a data change costs afterwards (check run, churn models, snapshot), every
page's data cold and warm, the heaviest figures against hand-written SQL, and concurrent
sessions. Each step runs in its own process, so each peak-memory figure is its own.

Usage: python scripts/bench_scale.py [--customers 1000000] [--database-url URL]
        [--sessions 20] [--seconds 60]
Without --database-url the database is bench/data/crm_<N>.db, kept between runs: a second
run skips the seed (delete the file to seed again).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = """
import resource, sys, time
from datetime import date
from data_access.db import make_engine
from data_access.schema import upgrade_schema
from data_access.models import Customer
from sqlalchemy import func, select
from demo.seed import seed_demo
engine = make_engine(sys.argv[1])
upgrade_schema(engine)
with engine.connect() as conn:
    present = conn.execute(select(func.count()).select_from(Customer)).scalar_one()
if present:
    print(f"seed: kept the {present:,} customers already there")
    raise SystemExit(0)
started = time.perf_counter()
counts = seed_demo(engine, customers=int(sys.argv[2]), months=24, seed=42, as_of=date(2026, 11, 1))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"seed: {time.perf_counter() - started:.0f} s, peak {peak:.0f} MB; "
      + ", ".join(f"{t} {n:,}" for t, n in counts.items() if n > 1000))
"""
AFTER_CHANGE = """
import resource, sys, time
from datetime import date, datetime
from data_access.db import make_engine, refresh_statistics
from data_access import snapshot
from data_access.churn_model import fit_churn_models
from data_access.churn_basis import refresh_last_activity
from data_access.kri import refresh_kris
from demo.users import ensure_demo_users
from quality import runs
engine = make_engine(sys.argv[1])
with engine.begin() as conn:
    ensure_demo_users(conn)
    runs.seed_rules(conn)
    started = time.perf_counter()
    refresh_last_activity(conn)
    print(f"last activity per customer: {time.perf_counter() - started:.1f} s")
steps = (
    ("table statistics", lambda: refresh_statistics(engine)),
    ("data-quality check run", lambda: runs.run_checks(engine, "bench",
                                                       reference_time=datetime(2026, 11, 1))),
    ("KRI values", lambda: refresh_kris(engine)),
    ("churn models fitted and scored", lambda: fit_churn_models(engine, "bench")),
    ("analytical snapshot", lambda: snapshot.refresh(engine)),
)
for name, step in steps:
    started = time.perf_counter()
    step()
    print(f"{name}: {time.perf_counter() - started:.1f} s")
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"after a data change: peak {peak:.0f} MB")
"""


def run(label: str, *args: str) -> None:
    print(f"\n== {label} ==", flush=True)
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    url = args.database_url
    if url is None:
        folder = ROOT / "bench" / "data"
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder / f'crm_{args.customers}.db'}"
    run(f"seed of {args.customers:,} customers", "-c", SEED, url, str(args.customers))
    run("what a data change costs", "-c", AFTER_CHANGE, url)
    run("every page, cold and warm", "scripts/bench.py", "--existing", url, "--no-fit")
    run("heaviest figures", "scripts/bench_engines.py", "--database-url", url)
    run(
        f"{args.sessions} concurrent sessions",
        "scripts/bench_sessions.py",
        "--database-url",
        url,
        "--sessions",
        str(args.sessions),
        "--seconds",
        str(args.seconds),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
