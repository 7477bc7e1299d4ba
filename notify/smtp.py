"""Send the outbox's pending e-mails over SMTP.

Configuration comes from the environment only (never from the database or git):
SMTP_HOST (unset = the sender does nothing and says so), SMTP_PORT (default 25, or 587 with
STARTTLS), SMTP_USER and SMTP_PASSWORD (log in when both are set), SMTP_FROM (the sender
address, required), SMTP_STARTTLS=1 (upgrade the connection before logging in).

Each message is tried on its own: one that fails is marked "failed" with the error and its
attempts counted, and is tried again by the next run until MAX_ATTEMPTS."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import Engine, or_, select, update

from data_access.models import OutboxMessage

MAX_ATTEMPTS = 5
TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpConfig | None:
        """The configuration in `env`, None when SMTP_HOST is unset; ValueError naming the
        variable when one is malformed or SMTP_FROM is missing."""
        host = env.get("SMTP_HOST", "").strip()
        if not host:
            return None
        starttls = env.get("SMTP_STARTTLS", "").strip() in ("1", "true", "yes")
        port_text = env.get("SMTP_PORT", "").strip() or ("587" if starttls else "25")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"SMTP_PORT must be a port number, got {port_text!r}")
        sender = env.get("SMTP_FROM", "").strip()
        if "@" not in sender:
            raise ValueError(f"SMTP_FROM must be an e-mail address, got {sender!r}")
        return cls(
            host,
            int(port_text),
            sender,
            env.get("SMTP_USER") or None,
            env.get("SMTP_PASSWORD") or None,
            starttls,
        )


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    skipped: int  # messages of another channel (left to their own sender)


def _message(config: SmtpConfig, row: object) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Message-ID"] = make_msgid(domain=config.sender.rsplit("@", 1)[-1])
    message["X-Outbox-Key"] = row.dedupe_key
    message.set_content(row.body)
    return message


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    client = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_SECONDS)
    if config.starttls:
        client.starttls(context=ssl.create_default_context())
    if config.user and config.password:
        client.login(config.user, config.password)
    return client


def mark(engine: Engine, row: object, error: str | None, now: datetime) -> None:
    """Count an attempt of an outbox message: sent, or failed with the reason."""
    values = (
        {"status": "sent", "sent_at": now, "last_error": None}
        if error is None
        else {"status": "failed", "last_error": error[:2000]}
    )
    with engine.begin() as conn:
        conn.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(attempts=OutboxMessage.attempts + 1, **values)
        )


def pending(engine: Engine, limit: int = 200) -> list:
    """The messages to try, oldest first: pending ones, and failed ones with attempts left."""
    with engine.connect() as conn:
        return conn.execute(
            select(OutboxMessage)
            .where(
                or_(
                    OutboxMessage.status == "pending",
                    (OutboxMessage.status == "failed") & (OutboxMessage.attempts < MAX_ATTEMPTS),
                )
            )
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(limit)
        ).all()


def send_pending(engine: Engine, config: SmtpConfig, limit: int = 200) -> SendReport:
    """Send the pending e-mails and retry the failed ones (fewer than MAX_ATTEMPTS), oldest
    first. One connection for the run; when it cannot be opened every message is marked
    failed with the reason."""
    rows = pending(engine, limit)
    mails = [r for r in rows if r.channel == "email"]
    skipped = len(rows) - len(mails)
    if not mails:
        return SendReport(0, 0, skipped)
    sent = failed = 0
    try:
        client = _connect(config)
    except (OSError, smtplib.SMTPException) as error:
        for row in mails:
            mark(
                engine,
                row,
                f"cannot connect to {config.host}:{config.port}: {error}",
                datetime.now(),
            )
        return SendReport(0, len(mails), skipped)
    try:
        for row in mails:
            try:
                client.send_message(_message(config, row))
            except (OSError, smtplib.SMTPException) as error:
                mark(engine, row, f"{type(error).__name__}: {error}", datetime.now())
                failed += 1
            else:
                mark(engine, row, None, datetime.now())
                sent += 1
    finally:
        # The messages are marked already; a failed goodbye changes nothing.
        with contextlib.suppress(OSError, smtplib.SMTPException):
            client.quit()
    return SendReport(sent, failed, skipped)
