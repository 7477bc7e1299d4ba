"""Demo actions on warnings, with planted effects the churn page's Actions report recovers.

Planted (exactly, among the actions with an outcome; about one in six is still open):
- retention offers to at-risk customers (those the stored churn models rank highest) save
  SAVE_RATES["retention_offer"] (60%) of them, calls SAVE_RATES["call"] (35%);
- collection steps on overdue customers: RECOVERY["paid"] paid in full, RECOVERY["partly_paid"]
  partly paid (about half the amount), the rest written off — a recovery rate of 75%;
- a few credit-limit changes on customers whose score fell.
Deterministic: its own random generator and `as_of`, never the wall clock; no audit rows
(demo data, like the rest of the seed)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
from sqlalchemy import Engine, func, insert, select

from data_access.models import ChurnScore, Customer, CustomerAction, Invoice

SEED = 1717
SAVE_RATES = {"retention_offer": 0.60, "call": 0.35}
RECOVERY = {"paid": 0.50, "partly_paid": 0.25}  # written_off: the rest
OPEN_SHARE = 1 / 6
OWNERS = ("risk", "analyst", "risk_east")


def _per_kind(customers: int) -> int:
    return int(np.clip(customers // 20, 40, 400))


def _outcomes(rng: np.random.Generator, n: int, shares: dict[str, float], rest: str) -> list:
    """`n` outcomes with exactly round(share × n) of each, in random order."""
    counts = {name: round(share * n) for name, share in shares.items()}
    pool = [name for name, k in counts.items() for _ in range(k)]
    pool += [rest] * (n - len(pool))
    return list(rng.permutation(np.array(pool, dtype=object)))


def seed_actions(engine: Engine, as_of: date) -> int:
    """Insert the demo actions; returns how many."""
    rng = np.random.default_rng(SEED)
    with engine.begin() as conn:
        customers = conn.execute(select(func.count(Customer.id))).scalar_one()
        n = _per_kind(customers)
        # At risk: the active customers the stored churn models rank highest.
        risk = func.max(ChurnScore.linear)
        at_risk = np.array(
            conn.execute(
                select(ChurnScore.customer_id)
                .join(Customer, Customer.id == ChurnScore.customer_id)
                .where(Customer.churn_date.is_(None))
                .group_by(ChurnScore.customer_id)
                .order_by(risk.desc(), ChurnScore.customer_id)
                .limit(4 * n)
            )
            .scalars()
            .all()
        )
        outstanding = func.sum(Invoice.amount - func.coalesce(Invoice.paid_amount, 0))
        overdue = conn.execute(
            select(Invoice.customer_id, outstanding)
            .where(
                Invoice.paid_date.is_(None),
                Invoice.status != "written_off",
                Invoice.due_date < as_of,
            )
            .group_by(Invoice.customer_id)
            .order_by(Invoice.customer_id)
        ).all()
        if len(at_risk) == 0:
            return 0
        chosen = rng.choice(at_risk, size=min(len(at_risk), 2 * n), replace=False)
        revenue = _monthly_revenue(conn, [int(i) for i in chosen])
        rows = []
        half = len(chosen) // 2
        for kind, ids in (("retention_offer", chosen[:half]), ("call", chosen[half:])):
            rows += _actions(
                rng, kind, "at_risk", ids, revenue, as_of, {"saved": SAVE_RATES[kind]}, "lost"
            )
        debtors = [(int(i), float(a)) for i, a in overdue if a and float(a) > 0]
        if debtors:
            picked = rng.choice(len(debtors), size=min(len(debtors), n), replace=False)
            ids = np.array([debtors[k][0] for k in picked])
            stake = {debtors[k][0]: debtors[k][1] for k in picked}
            rows += _actions(
                rng, "collection_step", "overdue", ids, stake, as_of, RECOVERY, "written_off"
            )
            limits = ids[: max(1, n // 4)]
            rows += _actions(
                rng, "credit_limit_change", "falling_credit", limits, stake, as_of, {}, ""
            )
        conn.execute(insert(CustomerAction), rows)
    return len(rows)


def _monthly_revenue(conn, ids: list[int]) -> dict[int, float]:  # noqa: ANN001
    """Each customer's latest invoiced amount (their monthly revenue)."""
    latest = (
        select(Invoice.customer_id, func.max(Invoice.period_month).label("month"))
        .where(Invoice.customer_id.in_(ids))
        .group_by(Invoice.customer_id)
        .subquery()
    )
    stmt = (
        select(Invoice.customer_id, func.max(Invoice.amount))
        .join(
            latest,
            (latest.c.customer_id == Invoice.customer_id)
            & (latest.c.month == Invoice.period_month),
        )
        .group_by(Invoice.customer_id)
    )
    return {int(i): float(a) for i, a in conn.execute(stmt)}


def _actions(
    rng: np.random.Generator,
    kind: str,
    source: str,
    ids: np.ndarray,
    stake: dict[int, float],
    as_of: date,
    shares: dict[str, float],
    rest: str,
) -> list[dict]:
    n = len(ids)
    still_open = int(round(n * OPEN_SHARE))
    closed = n - still_open
    outcomes = [None] * still_open + (
        _outcomes(rng, closed, shares, rest) if shares else ["limit_changed"] * closed
    )
    created_days = rng.integers(10, 150, n)
    due_days = rng.integers(7, 31, n)
    owners = rng.choice(len(OWNERS), n)
    rows = []
    for k, customer in enumerate(ids):
        created = datetime.combine(as_of - timedelta(days=int(created_days[k])), time(10))
        due = created.date() + timedelta(days=int(due_days[k]))
        at_stake = round(stake.get(int(customer), 0.0), 2)
        outcome = outcomes[k]
        recovered = None
        if outcome is not None:
            if outcome == "paid":
                recovered = at_stake
            elif outcome == "partly_paid":
                recovered = round(at_stake * float(rng.uniform(0.3, 0.7)), 2)
            elif outcome == "saved":
                recovered = at_stake  # a month's revenue kept
            else:
                recovered = 0.0
        done_on = min(due, as_of - timedelta(days=1)) if outcome is not None else None
        rows.append(
            {
                "customer_id": int(customer),
                "kind": kind,
                "source": source,
                "owner": OWNERS[int(owners[k])],
                "due_date": due,
                "note": "",
                "amount_at_stake": at_stake,
                "status": "open" if outcome is None else "done",
                "outcome": outcome,
                "amount_recovered": recovered,
                "outcome_at": done_on,
                "created_by": OWNERS[int(owners[k])],
                "created_at": created,
                "updated_at": created if done_on is None else datetime.combine(done_on, time(17)),
                "version": 1 if outcome is None else 2,
            }
        )
    return rows
