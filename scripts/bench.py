"""`make bench`: seed time and overview query times, printed as numbers and ratios.

Usage: python scripts/bench.py [--customers 20000 --customers 100000] [--database-url URL]
Each size is seeded into a fresh database (a temp SQLite file unless --database-url), then
every overview query is timed (best of 3), and every page's data cold and warm
(scripts/bench_pages.py), for an unscoped and a region-scoped viewer. The table is also
written as JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from pathlib import Path

from data_access import overview
from data_access.churn_model import fit_churn_models
from data_access.db import make_engine
from data_access.filters import Filters
from data_access.schema import upgrade_schema
from data_access.security import Viewer
from demo.seed import finish_seed, seed_demo
from scripts.bench_pages import page_times

AS_OF = date(2026, 11, 1)
RESULTS = Path(__file__).resolve().parent.parent / "bench" / "results"


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def bench_size(url: str, customers: int) -> dict[str, float]:
    engine = make_engine(url)
    upgrade_schema(engine)
    started = time.perf_counter()
    seed_demo(engine, customers=customers, months=24, seed=42, as_of=AS_OF)
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    finish_seed(engine, as_of=AS_OF)
    results = {"seed_s": seeded, "dq_run_s": time.perf_counter() - started}
    filters = Filters(end_month=date(2026, 10, 1), months=3)
    year = Filters(end_month=date(2026, 10, 1), months=12)
    at = datetime(2026, 11, 1)
    for label, viewer in (
        ("all", Viewer("risk", "risk_manager")),
        ("east", Viewer("risk_east", "risk_manager", "East")),
    ):
        with engine.connect() as conn:
            queries = {
                "churn_by_month_12m": partial(overview.churn_by_month, conn, viewer, year),
                "nps_by_month_12m": partial(overview.nps_by_month, conn, viewer, year),
                "nps_by_region": partial(overview.nps_counts, conn, viewer, filters, "region"),
                "complaint_sla": partial(overview.complaint_sla_counts, conn, viewer, filters, at),
                "risk_snapshot": partial(overview.risk_snapshot, conn, viewer, filters, at),
            }
            for name, fn in queries.items():
                results[f"{name}[{label}]_s"] = best_of(fn)
    engine.dispose()
    results.update(page_times(url, VIEWERS, filters))
    return results


VIEWERS = {
    "all": Viewer("risk", "risk_manager"),
    "east": Viewer("risk_east", "risk_manager", "East"),
}


def bench_existing(url: str, refit: bool = True) -> int:
    """Every page cold and warm on a database someone filled (e.g. 1 M customers)."""
    filters = Filters(end_month=date(2026, 10, 1), months=3)
    engine = make_engine(url)
    upgrade_schema(engine)
    if refit:
        started = time.perf_counter()
        fitted = fit_churn_models(engine, "bench")  # what an import does after writing
        print(f"churn models fitted and scored: {fitted} in {time.perf_counter() - started:.1f} s")
    engine.dispose()
    slowest: dict[str, str] = {}
    results = page_times(url, VIEWERS, filters, slowest)
    print(f"{'page[viewer]':24}{'cold s':>10}{'warm s':>10}{'slowest SQL s':>15}")
    for name in slowest:
        page, label = name.split("[")
        prefix = f"page:{page}[{label}"
        print(
            f"{name:24}{results[prefix + '_cold_s']:10.3f}{results[prefix + '_warm_s']:10.3f}"
            f"{results[prefix + '_slowest_sql_s']:15.3f}"
        )
    for name, sql in slowest.items():
        print(f"\nslowest statement of {name}:\n  {sql[:400]}")
    _write({"database": url.rsplit("/", 1)[-1], "results": results, "slowest_sql": slowest})
    return 0


def _write(payload: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bench_{datetime.now():%Y%m%d_%H%M%S}.json"
    out.write_text(json.dumps(payload, indent=2))
    print(f"written to {out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, action="append")
    parser.add_argument("--database-url")
    parser.add_argument(
        "--existing", help="time every page on this already filled database (no seeding)"
    )
    parser.add_argument(
        "--no-fit", action="store_true", help="with --existing: keep the stored churn models"
    )
    args = parser.parse_args()
    if args.existing:
        return bench_existing(args.existing, refit=not args.no_fit)
    sizes = args.customers or [20000, 100000]
    table: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            url = args.database_url or f"sqlite:///{Path(tmp) / f'bench_{n}.db'}"
            table[n] = bench_size(url, n)
    keys = list(next(iter(table.values())))
    print(f"{'metric':36}" + "".join(f"{n:>14,}" for n in sizes) + "   ratio last/first")
    for key in keys:
        values = [table[n][key] for n in sizes]
        ratio = values[-1] / values[0] if values[0] else float("nan")
        print(f"{key:36}" + "".join(f"{v:14.3f}" for v in values) + f"   {ratio:8.1f}x")
    print(f"size ratio: {sizes[-1] / sizes[0]:.1f}x customers")
    _write({"sizes": sizes, "results": table})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
