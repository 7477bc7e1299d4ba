"""The heaviest figure of each dashboard, three ways: the app's statement on the primary
database, the app's statement on the analytical snapshot (DuckDB) the pages read, and a
hand-written SQL statement for the same result on the snapshot. Prints times (best of 3)
and the ratios app/hand-written and primary/snapshot.

Usage: python scripts/bench_engines.py --database-url URL (a filled database; its current
snapshot is used, or one is taken first).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date

from data_access import churn, overview, satisfaction, snapshot
from data_access.db import make_engine
from data_access.filters import Filters
from data_access.security import Viewer
from scripts.bench import best_of

PERIOD = Filters(end_month=date(2026, 10, 1), months=3)
YEAR = PERIOD.over_months(12)
EVERYONE = Viewer("bench", "risk_manager")

# Hand-written DuckDB SQL for the same results (unscoped viewer, contract basis).
MONTHS_12 = ", ".join(f"(DATE '{m.isoformat()}')" for m in YEAR.month_starts)
HAND_WRITTEN = {
    # Customers counted once by signup month × churn month, then a 12-row cross product.
    "overview: churn by month, 12 months": f"""
        WITH c AS (
            SELECT date_trunc('month', signup_date) AS s, date_trunc('month', churn_date) AS e,
                   count(*) AS n
            FROM customers GROUP BY ALL)
        SELECT m.month,
               sum(n) FILTER (WHERE s < m.month AND (e IS NULL OR e >= m.month)) AS active,
               sum(n) FILTER (WHERE e = m.month) AS churned
        FROM c, (VALUES {MONTHS_12}) AS m(month) GROUP BY m.month ORDER BY m.month""",
    "satisfaction: answer cube": f"""
        SELECT CASE WHEN r.responded_on >= DATE '{PERIOD.start}' THEN 'latest'
                    ELSE 'baseline' END AS window,
               c.region, c.segment, c.tier, c.channel, c.lifecycle_stage, r.touchpoint,
               count(r.nps) AS n_nps,
               count(*) FILTER (WHERE r.nps >= 9) AS promoters,
               count(*) FILTER (WHERE r.nps <= 6) AS detractors,
               count(r.csat) AS n_csat, count(*) FILTER (WHERE r.csat >= 4) AS satisfied,
               count(r.ces) AS n_ces, sum(r.ces) AS ces_sum
        FROM survey_responses r JOIN customers c ON c.id = r.customer_id
        WHERE r.responded_on >= DATE '{date(2026, 2, 1)}'
          AND r.responded_on < DATE '{PERIOD.end_exclusive}'
        GROUP BY ALL""",
    "churn: revenue retention, 12 months": f"""
        WITH p AS (
            SELECT customer_id, {
        ", ".join(
            f"sum(amount) FILTER (WHERE period_month = DATE '{m}') AS r{i}"
            for i, m in enumerate(["2025-10-01", *[str(x) for x in YEAR.month_starts]])
        )
    }
            FROM invoices
            WHERE period_month >= DATE '2025-10-01' AND period_month < DATE '2026-11-01'
            GROUP BY customer_id)
        SELECT {
        ", ".join(
            f"sum(r{i}) AS revenue{i}, sum(r{i - 1}) FILTER (WHERE r{i - 1} > 0) AS start{i}, "
            f"sum(least(coalesce(r{i}, 0), r{i - 1})) FILTER (WHERE r{i - 1} > 0) AS kept{i}"
            for i in range(1, 13)
        )
    } FROM p""",
    "churn: falling credit scores": """
        WITH two AS (
            SELECT h.customer_id, h.score,
                   row_number() OVER (PARTITION BY h.customer_id
                                      ORDER BY h.reviewed_on DESC, h.id DESC) AS rank
            FROM credit_score_history h JOIN customers c ON c.id = h.customer_id
            WHERE c.churn_date IS NULL
            QUALIFY rank <= 2)
        SELECT count(*) AS reviewed_twice, count(*) FILTER (WHERE latest < previous) AS falling
        FROM (SELECT max(score) FILTER (WHERE rank = 1) AS latest,
                     max(score) FILTER (WHERE rank = 2) AS previous
              FROM two GROUP BY customer_id) WHERE previous IS NOT NULL""",
}
APP: dict[str, Callable] = {
    "overview: churn by month, 12 months": lambda c: overview.churn_by_month(c, EVERYONE, YEAR),
    "satisfaction: answer cube": lambda c: satisfaction.survey_cube(c, EVERYONE, PERIOD, 6),
    "churn: revenue retention, 12 months": lambda c: churn.revenue_retention(c, EVERYONE, YEAR),
    "churn: falling credit scores": lambda c: churn.credit_score_changes(c, EVERYONE, PERIOD),
}


def _fetch(raw, sql: str) -> list:  # noqa: ANN001 - a DBAPI connection
    cursor = raw.cursor()
    cursor.execute(sql)
    return cursor.fetchall()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    primary = make_engine(args.database_url)
    taken = snapshot.ensure_fresh(primary) or snapshot.refresh(primary)
    columnar = snapshot.reader(taken)
    raw = columnar.raw_connection()
    print(
        f"{'figure':40}{'primary s':>11}{'snapshot s':>12}{'hand s':>9}"
        f"{'app/hand':>10}{'primary/snapshot':>18}"
    )
    for name, query in APP.items():
        with primary.connect() as conn:
            on_primary = best_of(lambda conn=conn, query=query: query(conn), repeat=1)
        with columnar.connect() as conn:
            on_snapshot = best_of(lambda conn=conn, query=query: query(conn))
        hand = best_of(lambda name=name: _fetch(raw, HAND_WRITTEN[name]))
        print(
            f"{name:40}{on_primary:11.3f}{on_snapshot:12.3f}{hand:9.3f}"
            f"{on_snapshot / hand:10.2f}{on_primary / on_snapshot:18.1f}"
        )
    raw.close()
    columnar.dispose()
    primary.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
