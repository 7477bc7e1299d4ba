"""`python -m demo --customers N --months M [--seed S] [--as-of D] [--language zh] [--reset]`."""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterable
from datetime import date

from data_access.db import database_url, make_engine
from data_access.schema import has_data, upgrade_schema
from demo.seed import finish_seed, reset, seed_demo
from demo.vocab import LANGUAGES


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo", description="Load the deterministic demo data set."
    )
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        help="first day after the data (default: first day of this month)",
    )
    parser.add_argument(
        "--language",
        choices=LANGUAGES,
        default="en",
        help="language of the demo's texts: risk titles, notes, KRI names, complaints, "
        "comments (the numbers are the same in each; default: en)",
    )
    parser.add_argument("--reset", action="store_true", help="delete existing demo rows first")
    args = parser.parse_args(list(argv) if argv is not None else None)
    engine = make_engine()
    upgrade_schema(engine)
    if has_data(engine):
        if not args.reset:
            print(f"{database_url()} already holds customers; use --reset to replace them.")
            return 1
        reset(engine)
    started = time.perf_counter()
    counts = seed_demo(
        engine, args.customers, args.months, args.seed, args.as_of, language=args.language
    )
    finish_seed(engine, as_of=args.as_of)
    for table, n in counts.items():
        print(f"{table:28}{n:>12,}")
    print(f"Seeded {database_url()} in {time.perf_counter() - started:.1f} s")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
