"""Import benchmark: write N customer rows to a CSV, import them into a fresh SQLite database
(or --database-url) through the real importer, print time, rows/s and peak memory. Meanwhile
a second thread logs a user in every quarter second, and the logins' outcome and latency
are printed: an import must not lock people out.

Usage: python scripts/bench_import.py [--rows 1000000] [--database-url URL]
Run in its own process so the peak-memory figure belongs to the import alone."""

from __future__ import annotations

import argparse
import csv
import resource
import statistics
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import Engine

from data_access.db import make_engine
from data_access.schema import upgrade_schema
from data_access.security import Viewer
from data_access.users import attempt_login, create_user
from importer import FORMATS, import_file

LOGIN_PASSWORD = "bench-login-password"


def log_in_repeatedly(engine: Engine, stop: threading.Event, outcomes: list) -> None:
    """Log in every 0.25 s until `stop`; record (ok or the error, seconds)."""
    while not stop.is_set():
        started = time.perf_counter()
        try:
            ok: object = attempt_login(engine, "bench_login", LOGIN_PASSWORD).ok
        except Exception as exc:  # noqa: BLE001 - a failure is what we measure
            ok = type(exc).__name__ + ": " + str(exc).splitlines()[0]
        outcomes.append((ok, time.perf_counter() - started))
        stop.wait(0.25)


def write_customers(path: Path, rows: int) -> None:
    columns = [c.name for c in FORMATS["customers"].columns]
    example = {c.name: c.example for c in FORMATS["customers"].columns}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for i in range(rows):
            row = dict(example, external_id=f"B-{i:08d}", email=f"c{i}@example.com")
            row["phone"] = f"13{i:09d}"
            writer.writerow([row[c] for c in columns])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "customers.csv"
        write_customers(source, args.rows)
        engine = make_engine(args.database_url or f"sqlite:///{Path(tmp) / 'import.db'}")
        upgrade_schema(engine)
        with engine.begin() as conn:
            create_user(conn, "bench_login", "Bench", "b@example.com", LOGIN_PASSWORD, "analyst")
        stop, outcomes = threading.Event(), []
        logins = threading.Thread(target=log_in_repeatedly, args=(engine, stop, outcomes))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        logins.start()
        with source.open("rb") as stream:
            report = import_file(engine, Viewer("bench", "admin"), "customers", stream, "x.csv")
        elapsed = time.perf_counter() - started
        stop.set()
        logins.join()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size_mb = source.stat().st_size / 2**20
    print(f"import customers: {report.rows:,} rows ({size_mb:,.0f} MB CSV), ok={report.ok}")
    print(f"  time {elapsed:,.1f} s, {report.rows / elapsed:,.0f} rows/s")
    print(f"  peak memory {peak:,.0f} MB (before the import {before:,.0f} MB)")
    failed = [ok for ok, _ in outcomes if ok is not True]
    seconds = sorted(s for _, s in outcomes)
    if seconds:
        p95 = seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))]
        print(
            f"  logins during the import: {len(outcomes)}, failed {len(failed)}"
            f"{' (' + str(failed[0]) + ')' if failed else ''}; "
            f"median {statistics.median(seconds):.2f} s, p95 {p95:.2f} s, max {seconds[-1]:.2f} s"
        )
    return 0 if report.ok and not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
