"""Concurrent sessions: N logged-in users browse every page for a while in one process, as
a Streamlit server runs them (one script thread per session, one shared cache), and the
run time of each page view is recorded.

Usage: python scripts/bench_sessions.py --database-url URL [--sessions 20] [--seconds 60]
The users are the demo users (DEMO_PASSWORD or the demo default), taking turns: an
unscoped risk manager, a region-scoped one, an executive, an analyst. Prints page views,
errors, median / p95 / worst view time per page, and the process's peak memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = (
    "app_pages/overview.py",
    "app_pages/register.py",
    "app_pages/satisfaction.py",
    "app_pages/churn.py",
    "app_pages/data_quality.py",
)
USERS = ("risk", "risk_east", "exec", "analyst")


def _session(username: str, until: float, views: dict, errors: list, lock: threading.Lock) -> None:
    from streamlit.testing.v1 import AppTest

    from demo.users import demo_password

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(demo_password())
    at.button[0].click()
    at.run()
    if at.exception:
        with lock:
            errors.append(f"{username}: login: {at.exception[0].value}")
        return
    step = 0
    while time.perf_counter() < until:
        page = PAGES[step % len(PAGES)]
        step += 1
        started = time.perf_counter()
        at.switch_page(page).run()
        took = time.perf_counter() - started
        with lock:
            if at.exception:
                errors.append(f"{username} {page}: {at.exception[0].value}")
            else:
                views[page].append(took)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("COOKIE_KEY", "bench-cookie-key-of-at-least-32-bytes-long")
    import logging

    # Outside a server every thread would warn about its missing script context on each call.
    logging.disable(logging.WARNING)
    views: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    until = time.perf_counter() + args.seconds
    threads = [
        threading.Thread(
            target=_session, args=(USERS[i % len(USERS)], until, views, errors, lock), daemon=True
        )
        for i in range(args.sessions)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    total = sum(len(v) for v in views.values())
    print(f"{args.sessions} sessions for {wall:.0f} s: {total} page views, {len(errors)} errors")
    print(f"{'page':28}{'views':>7}{'median s':>10}{'p95 s':>9}{'worst s':>9}")
    for page in PAGES:
        times = sorted(views.get(page, []))
        if not times:
            continue
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(f"{page:28}{len(times):7}{statistics.median(times):10.3f}{p95:9.3f}{times[-1]:9.3f}")
    everything = sorted(t for v in views.values() for t in v)
    if everything:
        p95 = everything[min(len(everything) - 1, int(0.95 * len(everything)))]
        print(f"{'all pages':28}{len(everything):7}{statistics.median(everything):10.3f}{p95:9.3f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of the process: {peak:.0f} MB")
    for error in errors[:10]:
        print("error:", error)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
