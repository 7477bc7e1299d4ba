"""Import benchmark: write N customer rows to a CSV, import them into a fresh SQLite database
(or --database-url) through the real importer, print time, rows/s and peak memory.

Usage: python scripts/bench_import.py [--rows 1000000] [--database-url URL]
Run in its own process so the peak-memory figure belongs to the import alone."""

from __future__ import annotations

import argparse
import csv
import resource
import tempfile
import time
from pathlib import Path

from data_access.bootstrap import upgrade_schema
from data_access.db import make_engine
from data_access.importer import FORMATS, import_file
from data_access.security import Viewer


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
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        with source.open("rb") as stream:
            report = import_file(engine, Viewer("bench", "admin"), "customers", stream, "x.csv")
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size_mb = source.stat().st_size / 2**20
    print(f"import customers: {report.rows:,} rows ({size_mb:,.0f} MB CSV), ok={report.ok}")
    print(f"  time {elapsed:,.1f} s, {report.rows / elapsed:,.0f} rows/s")
    print(f"  peak memory {peak:,.0f} MB (before the import {before:,.0f} MB)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
