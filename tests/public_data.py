"""lifelines' Rossi recidivism set (432 people followed for up to 52 weeks) read as a
customer file, and an order log made from it, with the figures the app should show computed
independently in pandas. Shared by the unit and the browser tests."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from lifelines.datasets import load_rossi

AS_OF = date(2026, 10, 1)
EXTRA_COLUMNS = ("age", "race", "wexp", "mar", "paro", "prio")
ORDER_EVERY_DAYS = 30


def rossi_as_customers() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rossi, customer file). Someone rearrested in week w "left" 7·w days after signing
    up (in the first half of 2025); someone never rearrested was followed for 52 weeks, so
    they signed up 52 weeks before AS_OF and are still a customer on it. Headers as another
    system spells them."""
    rossi = load_rossi()
    days = rossi["week"] * 7
    # Those who left signed up over the first half of 2025 (spread by row), so they leave
    # across 2025 and 2026 and a year's churn has several months to count.
    signup = [
        AS_OF - timedelta(days=int(d)) if not e else date(2025, 1, 1) + timedelta(days=i % 180)
        for i, (d, e) in enumerate(zip(days, rossi["arrest"], strict=True))
    ]
    left = [
        (s + timedelta(days=int(d))).isoformat() if e else ""
        for s, d, e in zip(signup, days, rossi["arrest"], strict=True)
    ]
    file = pd.DataFrame(
        {
            "Customer Id": [f"R-{i:04d}" for i in range(len(rossi))],
            "Name": [f"Person {i}" for i in range(len(rossi))],
            "Region": "East",
            "Segment": "Consumer",
            "Tier": "normal",
            "Source System": "CRM",
            "Signup Date": [s.isoformat() for s in signup],
            "Churn Date": left,
            # financial aid → the split the churn page offers (contract type)
            "Contract Type": rossi["fin"].map({1: "annual", 0: "monthly"}),
            **{c: rossi[c] for c in EXTRA_COLUMNS},
        }
    )
    return rossi, file


def orders_for(customers: pd.DataFrame) -> pd.DataFrame:
    """An order every ORDER_EVERY_DAYS days from signup while the customer stays (until the
    leaving day, or AS_OF), headed in German as an ERP might export it."""
    rows = []
    for customer, signup, left in zip(
        customers["Customer Id"], customers["Signup Date"], customers["Churn Date"], strict=True
    ):
        day, end = date.fromisoformat(signup), date.fromisoformat(left) if left else AS_OF
        while day < end:
            rows.append((customer, day))
            day += timedelta(days=ORDER_EVERY_DAYS)
    return pd.DataFrame(
        {
            "Bestellnummer": [f"O-{i:06d}" for i in range(len(rows))],
            "Kundennummer": [c for c, _ in rows],
            "Bestelldatum": [d.isoformat() for _, d in rows],
            "Betrag": 25.0,
            "due_date": [(d + timedelta(days=14)).isoformat() for _, d in rows],
            "paid_date": [(d + timedelta(days=7)).isoformat() for _, d in rows],
            "status": "paid",
        }
    )


def lost_on_activity(customers: pd.DataFrame, orders: pd.DataFrame, days: int) -> pd.Series:
    """Per customer id, the day they count as lost on the activity basis (NaT = not lost):
    the last order (or the signup, without one) once `days` have passed by the newest order."""
    last = pd.to_datetime(orders.groupby("Kundennummer")["Bestelldatum"].max())
    signup = pd.to_datetime(customers.set_index("Customer Id")["Signup Date"])
    last = last.reindex(signup.index).fillna(signup)
    as_of = last.max()
    return last.where((as_of - last).dt.days >= days)


def period_churn(signup: pd.Series, lost: pd.Series, start: date, months: int) -> tuple[int, int]:
    """(customers lost in the period's months while active at that month's start, customers
    active at the period's start): the churn tile's numerator and denominator."""
    signup, lost = pd.to_datetime(signup), pd.to_datetime(lost)
    first = pd.Timestamp(start)
    starts = [first + pd.DateOffset(months=i) for i in range(months + 1)]
    churned = 0
    for m, following in zip(starts, starts[1:], strict=False):
        active = (signup < m) & (lost.isna() | (lost >= m))
        churned += int((active & (lost < following)).sum())
    active_at_start = int(((signup < first) & (lost.isna() | (lost >= first))).sum())
    return churned, active_at_start
