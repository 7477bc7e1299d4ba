"""Import benchmark: write N customer rows to a CSV, import them into a fresh SQLite database
(or --database-url) through the real importer, then N invoices of those customers (one each,
numbered), and print time, rows/s and peak memory of each. Meanwhile a second thread logs a
user in every quarter second, and the logins' outcome and latency are printed: an import
must not lock people out.

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


def write_invoices(path: Path, rows: int) -> None:
    """One numbered invoice per customer written by `write_customers`."""
    columns = [c.name for c in FORMATS["invoices"].columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for i in range(rows):
            paid = i % 4 != 0
            writer.writerow(
                [
                    f"B-{i:08d}",
                    f"INV-B-{i:08d}",
                    "2026-10-05",
                    "2026-10-01",
                    f"{100 + i % 900}.00",
                    "2026-11-15",
                    "2026-11-10" if paid else "",
                    f"{100 + i % 900}.00" if paid else "",
                    "paid" if paid else "open",
                ]
            )


def _import(engine: Engine, table: str, source: Path) -> tuple[object, float, float]:
    """(report, seconds, peak MB so far) of importing `source` into `table`."""
    started = time.perf_counter()
    with source.open("rb") as stream:
        report = import_file(engine, Viewer("bench", "admin"), table, stream, source.name)
    elapsed = time.perf_counter() - started
    return report, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        customers, invoices = Path(tmp) / "customers.csv", Path(tmp) / "invoices.csv"
        write_customers(customers, args.rows)
        write_invoices(invoices, args.rows)
        engine = make_engine(args.database_url or f"sqlite:///{Path(tmp) / 'import.db'}")
        upgrade_schema(engine)
        with engine.begin() as conn:
            create_user(conn, "bench_login", "Bench", "b@example.com", LOGIN_PASSWORD, "analyst")
        stop, outcomes = threading.Event(), []
        logins = threading.Thread(target=log_in_repeatedly, args=(engine, stop, outcomes))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        logins.start()
        reports = []
        for table, source in (("customers", customers), ("invoices", invoices)):
            report, elapsed, peak = _import(engine, table, source)
            reports.append(report)
            size_mb = source.stat().st_size / 2**20
            print(f"import {table}: {report.rows:,} rows ({size_mb:,.0f} MB CSV), ok={report.ok}")
            print(f"  time {elapsed:,.1f} s, {report.rows / elapsed:,.0f} rows/s")
            print(f"  peak memory so far {peak:,.0f} MB (before the imports {before:,.0f} MB)")
        stop.set()
        logins.join()
    failed = [ok for ok, _ in outcomes if ok is not True]
    seconds = sorted(s for _, s in outcomes)
    if seconds:
        p95 = seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))]
        print(
            f"  logins during the import: {len(outcomes)}, failed {len(failed)}"
            f"{' (' + str(failed[0]) + ')' if failed else ''}; "
            f"median {statistics.median(seconds):.2f} s, p95 {p95:.2f} s, max {seconds[-1]:.2f} s"
        )
    return 0 if all(r.ok for r in reports) and not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
