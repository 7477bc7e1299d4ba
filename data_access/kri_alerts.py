"""Notifications of KRIs that turned red, queued in the `outbox` table for the sender
(`python -m notify send`).

A KRI "turns red" when its newest stored state is red after a computation and was not
before it (a KRI just defined red, an edit that makes it red, a new month that is red after
an amber one). A KRI that stays red is not announced again. One message is queued per
recipient with a dedupe key of the KRI, the month and the recipient, so recomputing the same
months never queues twice.
Recipients: the e-mail of the user who owns the linked risk (risks.owner matched against the
users' username or name), else the addresses of the `kri_alert_recipients` setting."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, insert, or_, select

from data_access.models import KeyRiskIndicator, KriValue, OutboxMessage, Risk, User
from data_access.settings import get_setting

CHANNELS = ("email", "webhook")
STATUSES = ("pending", "sent", "failed")


def dedupe_key(kri_id: int, period: object, recipient: str) -> str:
    """One message per KRI, month and recipient."""
    return f"kri_red:{kri_id}:{period}:{recipient.lower()}"


def newest_values(conn: Connection, kri_ids: list[int]) -> dict[int, Any]:
    """Each KRI's newest stored value row (kri_id, period_month, value, state)."""
    if not kri_ids:
        return {}
    ranked = (
        select(
            KriValue.kri_id,
            KriValue.period_month,
            KriValue.value,
            KriValue.state,
            func.row_number()
            .over(partition_by=KriValue.kri_id, order_by=KriValue.period_month.desc())
            .label("rn"),
        )
        .where(KriValue.kri_id.in_(kri_ids))
        .subquery()
    )
    return {r.kri_id: r for r in conn.execute(select(ranked).where(ranked.c.rn == 1))}


def recipients(conn: Connection, risk_owner: str) -> list[str]:
    """The risk owner's e-mail when the owner is an active user with one, else the
    `kri_alert_recipients` setting."""
    owner = (risk_owner or "").strip()
    emails = conn.execute(
        select(User.email).where(
            User.active.is_(True),
            or_(User.username == owner, User.name == owner),
            User.email.is_not(None),
            User.email != "",
        )
    ).scalars()
    found = sorted({e.strip() for e in emails if e and e.strip()})
    return found or list(get_setting(conn, "kri_alert_recipients"))


def enqueue_turned_red(
    conn: Connection, kri_ids: list[int], before: dict[int, Any], now: datetime
) -> int:
    """Queue the messages of the KRIs whose newest state is red now and was not in `before`
    (their newest values before the refresh: `newest_values`; none for a new KRI). Runs in
    the caller's write transaction, after the values were stored. Returns the messages
    queued."""
    red = [
        r
        for k, r in newest_values(conn, kri_ids).items()
        if r.state == "red" and (k not in before or before[k].state != "red")
    ]
    if not red:
        return 0
    kris = {
        k.id: k
        for k in conn.execute(
            select(
                KeyRiskIndicator.id,
                KeyRiskIndicator.name,
                KeyRiskIndicator.metric,
                KeyRiskIndicator.red_threshold,
                KeyRiskIndicator.direction,
                Risk.code,
                Risk.title,
                Risk.owner,
            )
            .join(Risk, Risk.id == KeyRiskIndicator.risk_id)
            .where(KeyRiskIndicator.id.in_([r.kri_id for r in red]))
        )
    }
    messages = []
    webhook = get_setting(conn, "kri_alert_webhook")
    for r in red:
        kri = kris[r.kri_id]
        if webhook:
            messages.append(_webhook_message(kri, r, webhook, now))
        for address in recipients(conn, kri.owner):
            messages.append(
                dict(
                    created_at=now,
                    channel="email",
                    recipient=address,
                    subject=f"KRI red: {kri.name} ({kri.code})",
                    body=(
                        f'The KRI "{kri.name}" of risk {kri.code} ({kri.title}) turned red in '
                        f"{r.period_month:%B %Y}: value {r.value:.4g}, red threshold "
                        f"{kri.red_threshold:.4g} ({kri.direction.replace('_', ' ')}, metric "
                        f'{kri.metric}).\nThe risk is listed under "Needs attention".'
                    ),
                    dedupe_key=dedupe_key(r.kri_id, r.period_month, address),
                    status="pending",
                    attempts=0,
                )
            )
    if not messages:
        return 0
    existing = set(
        conn.execute(
            select(OutboxMessage.dedupe_key).where(
                OutboxMessage.dedupe_key.in_([m["dedupe_key"] for m in messages])
            )
        ).scalars()
    )
    fresh = [m for m in messages if m["dedupe_key"] not in existing]
    if fresh:
        conn.execute(_insert_new(conn), fresh)
    return len(fresh)


def _webhook_message(kri: Any, value: Any, url: str, now: datetime) -> dict[str, Any]:
    """One JSON POST to `url` saying which KRI of which risk turned red, and with what."""
    body = {
        "event": "kri_red",
        "kri": kri.name,
        "kri_id": kri.id,
        "metric": kri.metric,
        "risk": kri.code,
        "risk_title": kri.title,
        "period": f"{value.period_month:%Y-%m}",
        "value": value.value,
        "red_threshold": kri.red_threshold,
        "direction": kri.direction,
    }
    return dict(
        created_at=now,
        channel="webhook",
        recipient=url,
        subject=f"KRI red: {kri.name} ({kri.code})",
        body=json.dumps(body, ensure_ascii=False),
        # The URL may be long (and hold a token): the key carries its digest.
        dedupe_key=dedupe_key(
            kri.id, value.period_month, "webhook " + hashlib.sha256(url.encode()).hexdigest()[:16]
        ),
        status="pending",
        attempts=0,
    )


def _insert_new(conn: Connection) -> Any:
    """An insert that skips a message another session queued in the meantime (same dedupe
    key) instead of failing the whole refresh: both SQLite and PostgreSQL know ON CONFLICT."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        return insert(OutboxMessage)
    return dialect_insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedupe_key"])


def recent_messages(conn: Connection, limit: int = 50) -> pd.DataFrame:
    """The newest outbox rows (for administrators)."""
    columns = [
        "id",
        "created_at",
        "channel",
        "recipient",
        "subject",
        "status",
        "attempts",
        "last_error",
        "sent_at",
    ]
    rows = conn.execute(
        select(*(OutboxMessage.__table__.c[c] for c in columns))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    ).all()
    return pd.DataFrame(rows, columns=columns)
