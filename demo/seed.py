"""Deterministic demo data: `python -m demo --customers N --months M`.

Same (seed, as_of, customers, months) → identical rows: every value, timestamps included,
comes from one numpy Generator and `as_of`, never from the wall clock. Generation is
vectorised and streamed: customers and their activity are made and inserted a chunk of
customers at a time (`CHUNK_CUSTOMERS`), through the bulk writer in `demo.bulk`, so memory
stays flat at any size. Up to one chunk, the rows are those of the original one-piece seed.

Planted signals (DESIGN.md "Demo data"): churn ~3× higher for monthly contracts and ~2.5×
for unhappy customers; an NPS drop in East over the last three months; ERP records stale,
incomplete and with near-duplicates; register risks above appetite and overdue for review;
a response plan per risk category, one whose last drill failed and one overdue for a drill
(demo.response_plans).

The texts a user would have typed (risk titles, notes, KRI names, complaints, survey
comments) are English or Chinese (`language`, `vocab.texts`); no number depends on them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import partial

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Table, delete, insert

from analytics.risk import risk_level
from data_access import codes, snapshot
from data_access.churn_basis import refresh_last_activity
from data_access.churn_model import fit_churn_models
from data_access.db import refresh_statistics
from data_access.filters import add_months
from data_access.kri import refresh_kris
from data_access.models import (
    Complaint,
    CreditScoreHistory,
    Customer,
    CustomerAction,
    CustomerAttribute,
    CustomerSourceRecord,
    Incident,
    IncidentCustomer,
    IncidentEvent,
    IncidentNotification,
    Invoice,
    KeyRiskIndicator,
    KriVersion,
    ResponsePlan,
    ResponsePlanDrill,
    ResponsePlanVersion,
    Risk,
    RiskAction,
    RiskAppetite,
    RiskAssessment,
    RiskHistory,
    RiskReview,
    RiskTreatment,
    SurveyResponse,
)
from data_access.settings import DEFAULTS
from demo import bulk, vocab
from demo.actions import seed_actions
from demo.incidents import seed_incidents
from demo.response_plans import seed_response_plans
from demo.users import ensure_demo_users
from quality import runs as dq_runs

# Customers generated and inserted at a time (near-duplicates included). Changing it changes
# the data of seeds larger than one chunk; seeds up to one chunk do not depend on it.
CHUNK_CUSTOMERS = 50_000

Columns = dict[str, np.ndarray]  # column name → values (dates as datetime64), for demo.bulk


def _insert(conn, table: Table, frame: pd.DataFrame) -> None:  # noqa: ANN001
    """Insert a small frame (the risk register) through SQLAlchemy: its dates are Python
    objects, and a few hundred rows do not need the bulk writer."""
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    conn.execute(insert(table), records)


def _month_grid(as_of: date, months: int) -> np.ndarray:
    first = add_months(as_of, -months)
    return np.array([add_months(first, i) for i in range(months + 1)], dtype="datetime64[D]")


# --- customers ---------------------------------------------------------------------------------


def _customers(
    rng: np.random.Generator, n: int, as_of: date, months: int, first_id: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`n` customer rows with ids from `first_id` (base rows, then their near-duplicates), and
    hidden per-customer traits (satisfaction…) of the base rows."""
    n_dup = int(round(n * 0.2 * 0.03))  # ~3% of ERP customers get a near-duplicate row
    base = n - n_dup
    asof = np.datetime64(as_of, "D")
    window_start = np.datetime64(add_months(as_of, -months), "D")
    window_days = int((asof - window_start).astype(int))

    region = rng.choice(codes.REGIONS, base, p=[0.18, 0.2, 0.26, 0.18, 0.18])
    segment = rng.choice(codes.SEGMENTS, base, p=[0.15, 0.45, 0.40])
    tier = rng.choice(codes.TIERS, base, p=[0.80, 0.15, 0.05])
    channel = rng.choice(codes.CHANNELS, base, p=[0.3, 0.2, 0.35, 0.15])
    industry = rng.choice(codes.INDUSTRIES, base)
    contract = rng.choice(codes.CONTRACT_TYPES, base, p=[0.40, 0.45, 0.15])
    source = rng.choice(codes.SOURCE_SYSTEMS, base, p=[0.55, 0.20, 0.15, 0.10])
    satisfaction = rng.normal(0, 1, base)

    before = rng.random(base) < 0.4
    signup = np.where(
        before,
        window_start - rng.integers(1, 4 * 365 - window_days + 30, base).astype("timedelta64[D]"),
        window_start + rng.integers(0, window_days, base).astype("timedelta64[D]"),
    ).astype("datetime64[D]")

    # Monthly churn hazard: contract and satisfaction drive it (the planted signal).
    contract_factor = np.select([contract == "monthly", contract == "annual"], [2.0, 0.67], 0.5)
    unhappy = satisfaction < np.quantile(satisfaction, 1 / 3)
    hazard = 0.012 * contract_factor * np.where(unhappy, 2.0, 0.8)
    churn = np.full(base, np.datetime64("NaT"), dtype="datetime64[D]")
    grid = _month_grid(as_of, months)
    for m0, m1 in zip(grid[:-1], grid[1:], strict=True):
        at_risk = (signup < m0) & np.isnat(churn)
        leaving = at_risk & (rng.random(base) < hazard)
        span = int((m1 - m0).astype(int))
        churn[leaving] = m0 + rng.integers(0, span, leaving.sum()).astype("timedelta64[D]")

    churned = ~np.isnat(churn)
    reason_p_unhappy = [0.15, 0.40, 0.20, 0.10, 0.05, 0.10]
    reason_p_monthly = [0.45, 0.15, 0.20, 0.10, 0.05, 0.05]
    reason_p_other = [0.20, 0.15, 0.30, 0.15, 0.10, 0.10]
    reason = np.array([None] * base, dtype=object)
    for mask, p in (
        (churned & unhappy, reason_p_unhappy),
        (churned & ~unhappy & (contract == "monthly"), reason_p_monthly),
        (churned & ~unhappy & (contract != "monthly"), reason_p_other),
    ):
        reason[mask] = rng.choice(codes.CHURN_REASONS, mask.sum(), p=p)

    surname = rng.choice(vocab.SURNAMES, base)
    given = rng.choice(vocab.GIVEN_NAMES, base)
    ids = np.arange(first_id, first_id + base)
    name = np.char.add(np.char.add(surname.astype(str), " "), given.astype(str))
    email = np.array(
        [
            f"{g.lower()}.{s.lower()}{i}@example.com"
            for g, s, i in zip(given, surname, ids, strict=True)
        ],
        dtype=object,
    )
    phone = np.array(
        [
            f"1{a}{b:09d}"
            for a, b in zip(
                rng.choice([3, 5, 7, 8, 9], base), rng.integers(0, 10**9, base), strict=True
            )
        ],
        dtype=object,
    )
    company = np.array(
        [
            f"{w} {s}"
            for w, s in zip(
                rng.choice(vocab.COMPANY_WORDS, base),
                rng.choice(vocab.COMPANY_SUFFIXES, base),
                strict=True,
            )
        ],
        dtype=object,
    )
    company[segment == "Consumer"] = None
    position = rng.choice(vocab.POSITIONS, base).astype(object)
    position[segment == "Consumer"] = None

    # Credit: score history drives the current score; ~8% fall steadily.
    credit_base = np.clip(rng.normal(690, 70, base), 320, 840)
    falling = rng.random(base) < 0.08
    credit_now = np.clip(
        np.where(
            falling, credit_base - rng.uniform(60, 160, base), credit_base + rng.normal(0, 15, base)
        ),
        300,
        850,
    ).round()
    limit = np.select([segment == "Enterprise", segment == "SMB"], [500_000, 50_000], 5_000)
    limit = (limit * np.where(tier == "VIP", 2, 1) * rng.uniform(0.5, 1.5, base)).round(-2)

    consent = rng.random(base) < 0.85
    consent_date = np.where(consent, signup, np.datetime64("NaT"))

    erp = source == "ERP"
    stale = erp & (rng.random(base) < 0.8)
    updated_days = np.where(stale, rng.integers(366, 900, base), rng.integers(1, 90, base))
    updated = (
        asof.astype("datetime64[s]")
        - updated_days.astype("timedelta64[D]")
        + rng.integers(8 * 3600, 19 * 3600, base).astype("timedelta64[s]")
    )
    # Incomplete and malformed contact data: mostly in ERP.
    missing_p = np.where(erp, 0.25, 0.015)
    email[rng.random(base) < missing_p * 0.6] = None
    phone[rng.random(base) < missing_p * 0.6] = None
    bad_mail = erp & (rng.random(base) < 0.03) & np.array([e is not None for e in email])
    email[bad_mail] = [e.replace("@", " at ") for e in email[bad_mail]]
    bad_phone = erp & (rng.random(base) < 0.02) & np.array([p is not None for p in phone])
    phone[bad_phone] = [p[:7] for p in phone[bad_phone]]

    stage = np.where(
        churned,
        "win-back",
        np.where(signup >= asof - np.timedelta64(91, "D"), "acquisition", "maintenance"),
    )
    frame = pd.DataFrame(
        {
            "id": ids,
            "external_id": [f"{s}-{i:07d}" for s, i in zip(source, ids, strict=True)],
            "name": name.astype(object),
            "email": email,
            "phone": phone,
            "company": company,
            "position": position,
            "region": region,
            "industry": industry,
            "segment": segment,
            "tier": tier,
            "channel": channel,
            "lifecycle_stage": stage,
            "source_system": source,
            "signup_date": signup,
            "churn_date": churn,
            "churn_reason": reason,
            "contract_type": contract,
            "credit_score": credit_now.astype(int),
            "credit_limit": limit,
            "consent": consent,
            "consent_date": consent_date,
            "updated_at": updated,
        }
    )
    hidden = pd.DataFrame(
        {
            "satisfaction": satisfaction,
            "falling": falling,
            "credit_base": credit_base,
            "unhappy": unhappy,
        }
    )
    frame = _person_details(frame, surname, given, first_id)
    # Near-duplicate rows carry no activity of their own (invoices etc. use the base rows).
    dup = _near_duplicates(rng, frame, n_dup, first_id + base)
    if len(dup):  # (pandas warns on concatenating an empty frame)
        frame = pd.concat([frame, dup], ignore_index=True)
    return frame, hidden


def _person_details(
    frame: pd.DataFrame, surname: np.ndarray, given: np.ndarray, first_id: int
) -> pd.DataFrame:
    """The fields duplicate search compares: given and family name for everyone; date of
    birth, address, postcode and city for consumers (people, not companies). Drawn from
    their own generator, so every other demo figure stays as it was."""
    own = np.random.default_rng([42, first_id])
    n = len(frame)
    consumer = (frame["segment"] == "Consumer").to_numpy()
    birth = np.datetime64("1950-01-01") + own.integers(0, 50 * 365, n).astype("timedelta64[D]")
    birth = np.where(consumer, birth, np.datetime64("NaT")).astype("datetime64[D]")
    place = own.integers(0, 3, n)
    cities = [vocab.CITIES[r][k] for r, k in zip(frame["region"], place, strict=True)]
    street = own.choice(vocab.STREETS, n)
    number = own.integers(1, 400, n)
    local = own.integers(0, 1000, n)  # the postcode's last three digits
    details = {
        "given_name": given.astype(object),
        "family_name": surname.astype(object),
        "date_of_birth": birth,
        "address_line": [f"{k} {s}" for k, s in zip(number, street, strict=True)],
        "postcode": [f"{c[1]}{d:03d}" for c, d in zip(cities, local, strict=True)],
        "city": [c[0] for c in cities],
    }
    out = frame.assign(**details)
    for column in ("address_line", "postcode", "city"):
        out[column] = out[column].where(consumer, None)
    return out


def _near_duplicates(
    rng: np.random.Generator, frame: pd.DataFrame, n_dup: int, first_id: int
) -> pd.DataFrame:
    """Extra ERP rows (ids from `first_id`) for people already in `frame`, spelled slightly
    differently."""
    erp_ids = frame.index[frame["source_system"] == "ERP"].to_numpy()
    if n_dup == 0 or len(erp_ids) == 0:
        return frame.iloc[0:0]
    picks = rng.choice(erp_ids, min(n_dup, len(erp_ids)), replace=False)
    dup = frame.loc[picks].copy()
    variants = rng.integers(0, 3, len(dup))
    dup["name"] = [
        n.upper() if v == 0 else n.replace(" ", "  ") if v == 1 else " ".join(n.split()[::-1])
        for n, v in zip(dup["name"], variants, strict=True)
    ]
    dup["email"] = [e.upper() if isinstance(e, str) else e for e in dup["email"]]
    dup["phone"] = [
        f"{p[:3]}-{p[3:7]}-{p[7:]}" if isinstance(p, str) and len(p) == 11 else p
        for p in dup["phone"]
    ]
    _respell_person(dup, first_id)
    dup["id"] = np.arange(first_id, first_id + len(dup))
    dup["external_id"] = [f"ERP-D{i:07d}" for i in dup["id"]]
    dup.loc[:, "churn_date"] = np.datetime64("NaT")  # in place: keeps the column's dtype
    dup["churn_reason"] = None
    dup["lifecycle_stage"] = "maintenance"
    return dup.reset_index(drop=True)


def _respell_person(dup: pd.DataFrame, first_id: int) -> None:
    """How the same person reaches a second system: day and month of birth swapped, a typo
    in the family name, the street number missing (own generator, as `_person_details`)."""
    own = np.random.default_rng([43, first_id])
    n = len(dup)
    birth = pd.to_datetime(dup["date_of_birth"])
    swap = (own.random(n) < 0.3) & (birth.dt.day <= 12).to_numpy()
    swapped = pd.to_datetime(
        {"year": birth.dt.year, "month": birth.dt.day, "day": birth.dt.month}, errors="coerce"
    )
    dup["date_of_birth"] = birth.where(~swap, swapped).to_numpy("datetime64[D]")
    typo = own.random(n) < 0.3
    dup["family_name"] = [
        f"{f[:-1]}{f[-1] * 2}" if t and isinstance(f, str) else f
        for f, t in zip(dup["family_name"], typo, strict=True)
    ]
    no_number = own.random(n) < 0.3
    dup["address_line"] = [
        a.split(" ", 1)[1] if m and isinstance(a, str) else a
        for a, m in zip(dup["address_line"], no_number, strict=True)
    ]


# --- activity: invoices, surveys, complaints, credit reviews, source records --------------------


def _active_months(customers: pd.DataFrame, n_base: int, as_of: date, months: int):
    """(customer index, month index) pairs where the customer is active some of the month."""
    grid = _month_grid(as_of, months)
    signup = customers["signup_date"].to_numpy("datetime64[D]")[:n_base]
    churn = pd.to_datetime(customers["churn_date"]).to_numpy("datetime64[D]")[:n_base]
    rows, cols = [], []
    for k, (m0, m1) in enumerate(zip(grid[:-1], grid[1:], strict=True)):
        active = (signup < m1) & (np.isnat(churn) | (churn >= m0))
        idx = np.flatnonzero(active)
        rows.append(idx)
        cols.append(np.full(len(idx), k))
    return np.concatenate(rows), np.concatenate(cols), grid


def _invoices(rng, customers, hidden, n_base, as_of, months, first_id) -> Columns:  # noqa: ANN001
    cust, k, grid = _active_months(customers, n_base, as_of, months)
    seg = customers["segment"].to_numpy()[cust]
    tier = customers["tier"].to_numpy()[cust]
    base_amount = np.select([seg == "Enterprise", seg == "SMB"], [15_000, 1_800], 80)
    # A stable per-customer size, then ±10% monthly noise.
    size = np.exp(rng.normal(0, 0.5, n_base))[cust]
    amount = (
        base_amount * size * np.where(tier == "VIP", 2.0, 1.0) * rng.uniform(0.9, 1.1, len(cust))
    ).round(2)
    period = grid[k]
    due = grid[k + 1] + np.timedelta64(14, "D")  # the 15th of the following month
    score = customers["credit_score"].to_numpy()[cust].astype(float)
    p_late = np.clip(0.05 + (700 - score) / 800, 0.02, 0.45)
    p_unpaid = np.clip(0.005 + (620 - score) / 1500, 0.003, 0.2)
    late = rng.random(len(cust)) < p_late
    unpaid = rng.random(len(cust)) < p_unpaid
    delay = np.where(
        late, rng.exponential(25, len(cust)).astype(int) + 1, -rng.integers(0, 25, len(cust))
    )
    paid = (due + delay.astype("timedelta64[D]")).astype("datetime64[D]")
    asof = np.datetime64(as_of, "D")
    paid = np.where(unpaid | (paid >= asof), np.datetime64("NaT"), paid)
    is_paid = ~np.isnat(paid)
    overdue_days = (asof - due).astype(int)
    status = np.where(
        is_paid,
        "paid",
        np.where(overdue_days <= 0, "open", np.where(overdue_days > 180, "written_off", "overdue")),
    )
    return {
        "id": np.arange(first_id, first_id + len(cust)),
        "customer_id": customers["id"].to_numpy()[cust],
        "period_month": period,
        "amount": amount,
        "due_date": due,
        "paid_date": paid,
        "paid_amount": np.where(is_paid, amount, 0.0),
        "status": status,
    }


def _random_day_in_month(rng, grid, k, signup, as_of):  # noqa: ANN001
    m0, m1 = grid[k], grid[k + 1]
    start = np.maximum(m0, signup)
    span = np.maximum((np.minimum(m1, np.datetime64(as_of, "D")) - start).astype(int), 1)
    return start + (rng.random(len(k)) * span).astype(int).astype("timedelta64[D]")


def _surveys(rng, customers, hidden, n_base, as_of, months, first_id, *, texts) -> Columns:  # noqa: ANN001
    cust, k, grid = _active_months(customers, n_base, as_of, months)
    take = rng.random(len(cust)) < 0.08
    cust, k = cust[take], k[take]
    signup = customers["signup_date"].to_numpy("datetime64[D]")[cust]
    day = _random_day_in_month(rng, grid, k, signup, as_of)
    sat = hidden["satisfaction"].to_numpy()[cust]
    east_recent = (customers["region"].to_numpy()[cust] == "East") & (k >= months - 3)
    shift = np.where(east_recent, -0.7, 0.0)  # the planted East NPS drop
    n = len(cust)
    nps = np.clip(np.round(8.0 + 1.5 * sat + shift + rng.normal(0, 1.4, n)), 0, 10).astype(int)
    csat = np.clip(np.round(3.9 + 0.7 * sat + shift * 0.4 + rng.normal(0, 0.7, n)), 1, 5)
    ces = np.clip(np.round(3.0 - 0.8 * sat - shift * 0.4 + rng.normal(0, 1.0, n)), 1, 7)
    comment = np.array([None] * n, dtype=object)
    det = (nps <= 6) & (rng.random(n) < 0.4)
    pro = (nps >= 9) & (rng.random(n) < 0.25)
    # As many comments in every language: the same draws pick the same comment's wording.
    comment[det] = rng.choice(texts.detractor_comments, det.sum())
    comment[pro] = rng.choice(texts.promoter_comments, pro.sum())
    return {
        "id": np.arange(first_id, first_id + n),
        "customer_id": customers["id"].to_numpy()[cust],
        "responded_on": day,
        "touchpoint": rng.choice(codes.TOUCHPOINTS, n),
        "nps": nps,
        "csat": csat.astype(int),
        "ces": ces.astype(int),
        "comment": comment,
    }


SLA_HOURS = {"critical": 24, "high": 48, "medium": 72, "low": 120}
FIRST_RESPONSE_HOURS = {"critical": 4, "high": 8, "medium": 12, "low": 24}


def _complaints(rng, customers, hidden, n_base, as_of, months, first_id, *, texts) -> Columns:  # noqa: ANN001
    cust, k, grid = _active_months(customers, n_base, as_of, months)
    unhappy = hidden["unhappy"].to_numpy()[cust]
    take = rng.random(len(cust)) < np.where(unhappy, 0.02, 0.007)
    cust, k, unhappy = cust[take], k[take], unhappy[take]
    n = len(cust)
    signup = customers["signup_date"].to_numpy("datetime64[D]")[cust]
    day = _random_day_in_month(rng, grid, k, signup, as_of).astype("datetime64[s]")
    opened = day + rng.integers(8 * 3600, 20 * 3600, n).astype("timedelta64[s]")
    severity = rng.choice(codes.SEVERITIES, n, p=[0.45, 0.33, 0.17, 0.05])
    sla = np.array([SLA_HOURS[s] for s in severity])
    first_due_h = np.array([FIRST_RESPONSE_HOURS[s] for s in severity])
    hour = np.timedelta64(3600, "s")
    first_response = opened + (rng.uniform(0.1, 1.3, n) * first_due_h * 3600).astype(
        "timedelta64[s]"
    )
    breach = rng.random(n) < 0.12
    factor = np.where(breach, rng.uniform(1.05, 2.5, n), rng.uniform(0.1, 0.95, n))
    resolved = opened + (factor * sla * 3600).astype("timedelta64[s]")
    asof = np.datetime64(as_of, "s")
    recent = opened >= asof - np.timedelta64(21, "D")
    still_open = (resolved >= asof) | (recent & (rng.random(n) < 0.05))
    resolved = np.where(still_open, np.datetime64("NaT"), resolved)
    first_response = np.where(first_response >= asof, np.datetime64("NaT"), first_response)
    category = rng.choice(codes.COMPLAINT_CATEGORIES, n)
    return {
        "id": np.arange(first_id, first_id + n),
        "customer_id": customers["id"].to_numpy()[cust],
        "category": category,
        "severity": severity,
        "channel": rng.choice(("phone", "email", "web", "branch", "social"), n),
        "opened_at": opened,
        "first_response_at": first_response,
        "resolved_at": resolved,
        "sla_hours": sla,
        "first_response_due_at": opened + first_due_h * hour,
        "resolution_due_at": opened + sla * hour,
        "escalated": (breach & (rng.random(n) < 0.3)) | (rng.random(n) < 0.03),
        "description": np.array([texts.complaint_texts[c] for c in category], dtype=object),
        **_complaint_cases(opened, first_response, resolved, breach, asof, first_id),
    }


# Post-resolution satisfaction (1–5) asked at closing: mean ≈ 4.1 when the complaint was
# resolved within its SLA, ≈ 3.05 when the SLA was breached (the Complaints tab shows both).
FEEDBACK_P = {
    False: (0.02, 0.05, 0.12, 0.42, 0.39),
    True: (0.10, 0.20, 0.35, 0.25, 0.10),
}
FEEDBACK_ANSWER_RATE = 0.7
CASE_OWNERS = ("Li Na", "Wang Wei", "Zhang Min", "Chen Jing")


def _complaint_cases(opened, first_response, resolved, breach, asof, first_id) -> Columns:  # noqa: ANN001
    """Case stages consistent with each complaint's state: resolved more than a week ago →
    closed (a few days later, most with an answer to the satisfaction question); resolved
    within the week → resolved (awaiting the question); open → received until the first
    response, then classified or investigating. A generator of its own keeps every other
    table's draws as before."""
    rng = np.random.default_rng(20261117 + int(first_id))
    n = len(opened)
    week = np.timedelta64(7, "D")
    is_resolved = ~np.isnat(resolved)
    closed = is_resolved & (resolved < asof - week)
    just_resolved = is_resolved & ~closed
    answered = ~np.isnat(first_response)
    investigating = ~is_resolved & answered & (rng.random(n) < 0.7)
    classified = ~is_resolved & answered & ~investigating
    stage = np.full(n, "received", dtype=object)
    stage[classified] = "classified"
    stage[investigating] = "investigating"
    stage[just_resolved] = "resolved"
    stage[closed] = "closed"
    closed_at = resolved + (rng.uniform(1, 6, n) * 86400).astype("timedelta64[s]")
    closed_at = np.where(closed, np.minimum(closed_at, asof), np.datetime64("NaT"))
    since = np.where(answered, first_response, opened)
    since = np.where(investigating, since + np.timedelta64(2, "h"), since)
    since = np.where(is_resolved, resolved, since)
    since = np.where(closed, closed_at, since)
    gives_answer = closed & (rng.random(n) < FEEDBACK_ANSWER_RATE)
    scores = np.where(
        breach,
        rng.choice(np.arange(1, 6), n, p=FEEDBACK_P[True]),
        rng.choice(np.arange(1, 6), n, p=FEEDBACK_P[False]),
    )
    feedback = np.full(n, None, dtype=object)
    feedback[closed] = "no_answer"
    feedback[gives_answer] = "answered"
    score = np.full(n, None, dtype=object)
    score[gives_answer] = scores[gives_answer].astype(int).tolist()
    return {
        "stage": stage,
        "stage_since": since,
        "owner": np.where(answered, rng.choice(CASE_OWNERS, n), None).astype(object),
        "closed_at": closed_at,
        "feedback": feedback,
        "feedback_score": score,
    }


def _credit_history(rng, customers, hidden, n_base, as_of, months, first_id) -> Columns:  # noqa: ANN001
    quarters = [add_months(as_of, -q * 3) - timedelta(days=1) for q in range(months // 3, 0, -1)]
    signup = customers["signup_date"].to_numpy("datetime64[D]")[:n_base]
    churn = pd.to_datetime(customers["churn_date"]).to_numpy("datetime64[D]")[:n_base]
    final = customers["credit_score"].to_numpy()[:n_base].astype(float)
    base = hidden["credit_base"].to_numpy()
    limit = customers["credit_limit"].to_numpy()[:n_base]
    parts: dict[str, list[np.ndarray]] = {
        "customer_id": [],
        "reviewed_on": [],
        "score": [],
        "credit_limit": [],
    }
    for q, day in enumerate(quarters):
        d = np.datetime64(day, "D")
        active = np.flatnonzero((signup <= d) & (np.isnat(churn) | (churn > d)))
        share = (q + 1) / len(quarters)
        score = base[active] + (final[active] - base[active]) * share
        score = np.clip(score + rng.normal(0, 8, len(active)), 300, 850).round().astype(int)
        parts["customer_id"].append(customers["id"].to_numpy()[active])
        parts["reviewed_on"].append(np.full(len(active), d))
        parts["score"].append(score)
        parts["credit_limit"].append(limit[active])
    out = {name: np.concatenate(values) for name, values in parts.items()}
    return {"id": np.arange(first_id, first_id + len(out["score"])), **out}


COPY_PROBABILITY = {  # master system → probability that each other system holds a copy
    "CRM": {"ERP": 0.5, "billing": 0.7},
    "ERP": {"CRM": 0.6, "billing": 0.5},
    "billing": {"CRM": 0.5},
    "support": {"CRM": 0.7},
}


def _source_records(rng, customers, as_of, first_id) -> Columns:  # noqa: ANN001
    frames = []
    asof = np.datetime64(as_of, "s")
    for master, copies in COPY_PROBABILITY.items():
        owners = customers[customers["source_system"] == master]
        for system, p in copies.items():
            rows = owners[rng.random(len(owners)) < p]
            n = len(rows)
            copy = pd.DataFrame(
                {
                    "customer_id": rows["id"].to_numpy(),
                    "source_system": system,
                    "name": rows["name"].to_numpy(),
                    "email": rows["email"].to_numpy(),
                    "phone": rows["phone"].to_numpy(),
                    "company": rows["company"].to_numpy(),
                    "region": rows["region"].to_numpy(),
                }
            )
            drift = 0.12 if system == "ERP" or master == "ERP" else 0.05
            wrong = rng.random(n) < drift
            field = rng.integers(0, 3, n)
            copy.loc[wrong & (field == 0), "email"] = [
                f"old.{e}" if isinstance(e, str) else "unknown@example.com"
                for e in copy.loc[wrong & (field == 0), "email"]
            ]
            copy.loc[wrong & (field == 1), "phone"] = [
                f"139{x:08d}" for x in rng.integers(0, 10**8, (wrong & (field == 1)).sum())
            ]
            moved = wrong & (field == 2)
            copy.loc[moved, "region"] = rng.choice(codes.REGIONS, moved.sum())
            stale = system == "ERP"
            age = np.where(
                stale & (rng.random(n) < 0.8), rng.integers(366, 900, n), rng.integers(1, 60, n)
            )
            copy["updated_at"] = asof - age.astype("timedelta64[D]")
            frames.append(copy)
    out = pd.concat(frames, ignore_index=True).sort_values(["customer_id", "source_system"])
    columns = {name: out[name].to_numpy() for name in out.columns}
    return {"id": np.arange(first_id, first_id + len(out)), **columns}


# --- risk register -------------------------------------------------------------------------------


def _level(score: int) -> str:
    return risk_level(score, DEFAULTS["risk_level_bands"])


def _risk_register(
    rng: np.random.Generator, as_of: date, texts: vocab.DemoTexts
) -> dict[str, pd.DataFrame]:
    """The ~30 register risks with their assessments, treatments, actions, reviews, history,
    their texts in `texts`' language."""
    say = texts.phrases
    cadence = DEFAULTS["review_cadence_days"]
    end = datetime.combine(as_of, datetime.min.time())
    out: dict[str, list[dict]] = {
        k: [] for k in ("risks", "assessments", "treatments", "actions", "reviews", "history")
    }
    for i, spec in enumerate(vocab.RISKS):
        rid = i + 1
        owner = vocab.RISK_OWNERS[i % len(vocab.RISK_OWNERS)]
        created = datetime.combine(
            add_months(as_of, -spec["age"]), datetime.min.time()
        ) + timedelta(days=int(rng.integers(0, 20)), hours=10)
        closed = (
            (
                datetime.combine(add_months(as_of, -spec["closed"]), datetime.min.time())
                + timedelta(days=5, hours=16)
            )
            if spec.get("closed")
            else None
        )
        inh, cur, tgt = spec["inh"], spec["cur"], spec["tgt"]
        for kind, (lik, imp) in (("inherent", inh), ("current", inh), ("target", tgt)):
            out["assessments"].append(
                dict(
                    risk_id=rid,
                    kind=kind,
                    likelihood=lik,
                    impact=imp,
                    assessed_by="risk",
                    assessed_at=created,
                    note=say["initial_assessment"],
                )
            )
        if cur != inh:
            reassessed = created + (min(end, closed or end) - created) / 2
            out["assessments"].append(
                dict(
                    risk_id=rid,
                    kind="current",
                    likelihood=cur[0],
                    impact=cur[1],
                    assessed_by="risk",
                    assessed_at=reassessed,
                    note=say["reassessment"],
                )
            )
        decided = created + timedelta(days=7)
        treat = spec["treat"]
        expiry = None
        if treat == "Accept":
            expiry = (
                as_of - timedelta(days=20)
                if spec.get("accept_expired")
                else (as_of + timedelta(days=120))
            )
        out["treatments"].append(
            dict(
                risk_id=rid,
                strategy=treat,
                approver="Chen Jing" if treat == "Accept" else None,
                acceptance_expiry=expiry,
                decided_by="risk",
                decided_at=decided,
                rationale=say[f"rationale.{treat}"],
            )
        )
        if treat != "Accept":
            out["actions"].append(
                dict(
                    risk_id=rid,
                    title=say["action_define"],
                    owner=owner,
                    due_date=(created + timedelta(days=45)).date(),
                    status="done",
                    created_at=decided,
                    completed_at=created + timedelta(days=40),
                )
            )
            due = as_of + timedelta(days=int(30 * (i % 3 - 1)) + 10 * (i % 2))
            out["actions"].append(
                dict(
                    risk_id=rid,
                    title=say["action_implement"],
                    owner=owner,
                    due_date=due,
                    status="done" if closed else ("in_progress" if i % 2 else "open"),
                    created_at=decided,
                    completed_at=closed,
                )
            )
        # Reviews by the level's cadence until as_of (or closing); overdue risks skipped some.
        days = cadence[_level(cur[0] * cur[1])]
        stop = closed or end
        reviewed, reviews = created, []
        while True:
            reviews.append(
                dict(
                    risk_id=rid,
                    reviewed_at=reviewed,
                    reviewer="risk",
                    note=say["periodic_review"],
                    next_review_date=(reviewed + timedelta(days=days)).date(),
                )
            )
            nxt = reviewed + timedelta(days=days)
            if nxt >= stop:
                break
            reviewed = nxt
        if spec.get("overdue"):
            limit = as_of - timedelta(days=spec["overdue"])
            while len(reviews) > 1 and reviews[-1]["next_review_date"] > limit:
                reviews.pop()
        reviews[0]["note"] = say["initial_review"]
        out["reviews"].extend(reviews)
        status = spec["status"]
        changes = [(created, "status", None, "Identified")]
        if status != "Identified":
            changes.append((created + timedelta(days=3), "status", "Identified", "Assessed"))
        changes.append((decided, "treatment", None, treat))
        if status in ("Treating", "Monitoring", "Materialised", "Closed"):
            changes.append((decided, "status", "Assessed", "Treating"))
        if status in ("Monitoring", "Closed"):
            changes.append((created + (stop - created) / 3, "status", "Treating", "Monitoring"))
        if status == "Materialised":
            changes.append((end - timedelta(days=12), "status", "Treating", "Materialised"))
        if closed:
            changes.append((closed, "status", "Monitoring", "Closed"))
        out["history"].extend(
            dict(risk_id=rid, changed_at=at, changed_by="risk", field=f, old_value=o, new_value=n)
            for at, f, o, n in changes
        )
        out["risks"].append(
            dict(
                id=rid,
                code=vocab.risk_code(rid),
                title=texts.risk_title(spec),
                description=texts.risk_description(spec),
                category=spec["cat"],
                owner=owner,
                region=spec.get("region"),
                segment=spec.get("segment"),
                tier=spec.get("tier"),
                status=status,
                inherent_likelihood=inh[0],
                inherent_impact=inh[1],
                current_likelihood=cur[0],
                current_impact=cur[1],
                target_likelihood=tgt[0],
                target_impact=tgt[1],
                treatment=treat,
                next_review_date=reviews[-1]["next_review_date"],
                incident_note=texts.incident_note(spec),
                lessons_learned=None,
                created_at=created,
                created_by="risk",
                updated_at=max(c[0] for c in changes),
                closed_at=closed,
                version=len(changes),
            )
        )
    frames = {k: pd.DataFrame(v) for k, v in out.items()}
    for key in ("assessments", "treatments", "actions", "reviews", "history"):
        frames[key].insert(0, "id", np.arange(1, len(frames[key]) + 1))
    return frames


def _appetite_and_kris(
    texts: vocab.DemoTexts, as_of: date
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    def category(code: str) -> str:
        if texts.language == "en":
            return codes.RISK_CATEGORIES[code].lower()
        return vocab.CATEGORY_NAMES_ZH[code]

    appetite = pd.DataFrame(
        [
            dict(
                category=c,
                max_score=s,
                statement=texts.phrases["appetite"].format(category=category(c), score=s),
            )
            for c, s in vocab.APPETITE.items()
        ]
    )
    # KRIs name their risk by code (the same in every language), not by title.
    risk_ids = {vocab.risk_code(i + 1): i + 1 for i in range(len(vocab.RISKS))}
    rows = []
    for i, kri in enumerate(vocab.KRIS):
        code, _, _, metric, scope, param, direction, amber, red = kri
        rows.append(
            dict(
                id=i + 1,
                risk_id=risk_ids[code],
                name=texts.kri_name(kri),
                metric=metric,
                scope_region=scope.get("scope_region"),
                scope_segment=scope.get("scope_segment"),
                scope_tier=scope.get("scope_tier"),
                metric_param=param,
                direction=direction,
                amber_threshold=amber,
                red_threshold=red,
                scope_source=None,
                status="active",
            )
        )
    kris = pd.DataFrame(rows)
    # Defined by the seed at its reference date: version 1, whose definition row is the KRI.
    created = datetime.combine(as_of, time())
    versions = kris.rename(columns={"id": "kri_id"}).assign(
        version=1, change="define", changed_by="seed", changed_at=created
    )
    kris = kris.assign(version=1, created_by="seed", created_at=created)
    kris = kris.assign(updated_by="seed", updated_at=created)
    return appetite, *_tightened_kri(kris, versions, as_of)


# The demo KRI with a definition history: defined with a looser red threshold six months
# before the reference date, tightened to today's thresholds by the risk manager two months
# before it (the KRIs tab shows both versions; values use the current definition).
TIGHTENED_KRI = ("overdue_30_share", 0.05, 0.10)


def _tightened_kri(
    kris: pd.DataFrame, versions: pd.DataFrame, as_of: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    metric, amber, red = TIGHTENED_KRI
    at = kris.index[kris["metric"] == metric][0]
    defined = datetime.combine(add_months(as_of, -6), time())
    edited = datetime.combine(add_months(as_of, -2), time())
    first = versions.loc[[at]].assign(
        amber_threshold=amber, red_threshold=red, changed_by="risk", changed_at=defined
    )
    now_columns = ["version", "change", "changed_by", "changed_at"]
    versions.loc[at, now_columns] = [2, "edit", "risk", edited]
    kris.loc[at, ["version", "created_by", "created_at", "updated_by", "updated_at"]] = [
        2,
        "risk",
        defined,
        "risk",
        edited,
    ]
    return kris, pd.concat([first, versions], ignore_index=True)


# --- entry points ------------------------------------------------------------------------------

RESET_ORDER: tuple[type, ...] = (
    ResponsePlanDrill,
    ResponsePlanVersion,
    ResponsePlan,
    CustomerAction,
    KriVersion,
    KeyRiskIndicator,
    IncidentNotification,
    IncidentEvent,
    IncidentCustomer,
    RiskHistory,
    RiskReview,
    RiskAction,
    Incident,
    RiskTreatment,
    RiskAssessment,
    Risk,
    RiskAppetite,
    Complaint,
    SurveyResponse,
    Invoice,
    CreditScoreHistory,
    CustomerSourceRecord,
    CustomerAttribute,
    Customer,
)


CUSTOMER_TABLES: tuple[type, ...] = (
    Customer,
    CreditScoreHistory,
    CustomerSourceRecord,
    Invoice,
    SurveyResponse,
    Complaint,
)


def seed_demo(
    engine: Engine,
    customers: int = 20000,
    months: int = 24,
    seed: int = 42,
    as_of: date | None = None,
    *,
    chunk_size: int = CHUNK_CUSTOMERS,
    language: str = "en",
) -> dict[str, int]:
    """Fill an empty, migrated database with the demo data; returns row counts per table.

    Customers and their activity are generated and inserted `chunk_size` customers at a
    time, all in one transaction (a failure leaves nothing half-written). `language` ("en"
    or "zh", vocab.LANGUAGES) is the language of the texts a user would have typed (risk
    titles, notes, KRI names, complaints, comments); every number is the same in each."""
    if customers < 50 or months < 6:
        raise ValueError("the demo needs at least 50 customers and 6 months")
    if chunk_size < 50:
        raise ValueError("chunk_size must be at least 50 customers")
    texts = vocab.texts(language)
    as_of = as_of or date.today().replace(day=1)
    rng = np.random.default_rng(np.random.PCG64(seed))
    counts = {model.__tablename__: 0 for model in CUSTOMER_TABLES}
    with engine.begin() as conn:
        for size in _chunk_sizes(customers, chunk_size):
            # Ids continue where the previous chunk stopped: consecutive from 1 in every table.
            for model, columns in _customer_chunk(rng, size, as_of, months, counts, texts):
                counts[model.__tablename__] += bulk.insert_columns(conn, model.__table__, columns)
                del columns  # free this table's arrays before the next is built
        register = _risk_register(rng, as_of, texts)  # after the customers, as it always was
        appetite, kris, kri_versions = _appetite_and_kris(texts, as_of)
        small: list[tuple[type, pd.DataFrame]] = [
            (Risk, register["risks"]),
            (RiskAssessment, register["assessments"]),
            (RiskTreatment, register["treatments"]),
            (RiskAction, register["actions"]),
            (RiskReview, register["reviews"]),
            (RiskHistory, register["history"]),
            (RiskAppetite, appetite),
            (KeyRiskIndicator, kris),
            (KriVersion, kri_versions),
        ]
        for model, frame in small:
            _insert(conn, model.__table__, frame)
            counts[model.__tablename__] = len(frame)
        counts[ResponsePlan.__tablename__] = seed_response_plans(conn, as_of, texts.language)
        models = [*CUSTOMER_TABLES, *(model for model, _ in small)]
        _advance_id_sequences(conn, [model.__table__ for model in models])
        # After the sequences moved: incidents add actions and complaints with new ids.
        seed_incidents(conn, as_of, texts, counts)
    return counts


def _chunk_sizes(customers: int, chunk_size: int) -> list[int]:
    """`customers` split into the fewest near-equal chunks of at most `chunk_size` (no tiny
    last chunk: every chunk is large enough for its own churn quantiles and duplicates)."""
    k = -(-customers // chunk_size)
    q, r = divmod(customers, k)
    return [q + 1] * r + [q] * (k - r)


def _customer_chunk(
    rng: np.random.Generator,
    n: int,
    as_of: date,
    months: int,
    counts: dict[str, int],
    texts: vocab.DemoTexts,
) -> Iterator[tuple[type, Columns]]:
    """`n` customers and their activity, table by table; each table's ids start after the
    `counts` rows already written. The draws are in the order of the original one-piece
    seed, so a single chunk reproduces it exactly."""
    people, hidden = _customers(rng, n, as_of, months, counts["customers"] + 1)
    n_base = len(hidden)
    yield Customer, {name: people[name].to_numpy() for name in people.columns}
    first = counts[CreditScoreHistory.__tablename__] + 1
    yield CreditScoreHistory, _credit_history(rng, people, hidden, n_base, as_of, months, first)
    first = counts[CustomerSourceRecord.__tablename__] + 1
    yield CustomerSourceRecord, _source_records(rng, people, as_of, first)
    for model, build in (
        (Invoice, _invoices),
        (SurveyResponse, partial(_surveys, texts=texts)),
        (Complaint, partial(_complaints, texts=texts)),
    ):
        first = counts[model.__tablename__] + 1
        yield model, build(rng, people, hidden, n_base, as_of, months, first)


def _advance_id_sequences(conn, tables: list[Table]) -> None:  # noqa: ANN001
    """PostgreSQL: the rows above carry their own ids, so move each id sequence past them;
    otherwise the first risk, customer or answer recorded later collides with a demo row.
    (SQLite takes the next id from the table itself.)"""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" not in table.c:
            continue
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
        )


def reset(engine: Engine) -> None:
    """Delete the demo rows (users, settings, rules and the audit log stay)."""
    from data_access.models import ChurnModelFit, ChurnScore, DqResult, DqRun, KriValue

    with engine.begin() as conn:
        for model in (ChurnScore, ChurnModelFit, KriValue, DqResult, DqRun, *RESET_ORDER):
            conn.execute(delete(model))


DQ_HISTORY_MONTHS = 6


def finish_seed(engine: Engine, as_of: date | None = None) -> None:
    """After the demo rows: demo users, the default data-quality rules, a first check run,
    the KRI values, the stored churn models, the actions on warnings (demo.actions) and the
    dashboards' analytical snapshot."""
    with engine.begin() as conn:
        ensure_demo_users(conn)
        dq_runs.seed_rules(conn)
        refresh_last_activity(conn)
    refresh_statistics(engine)
    reference = datetime.combine(as_of or date.today(), time())
    # A history of monthly check runs (the rows that existed at each month's start), so the
    # data-quality trend has something to show from the first start.
    for months_back in range(DQ_HISTORY_MONTHS - 1, 0, -1):
        then = datetime.combine(add_months(reference.date().replace(day=1), -months_back), time())
        dq_runs.run_checks(engine, "seed", reference_time=then, started_at=then, as_at=True)
    dq_runs.run_checks(engine, triggered_by="seed", reference_time=reference)
    refresh_kris(engine)
    fit_churn_models(engine, "seed")
    seed_actions(engine, reference.date())
    snapshot.publish(engine)
