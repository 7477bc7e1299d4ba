"""Deliver the outbox's pending webhook messages: a JSON POST of the message body to its URL
(the `kri_alert_webhook` setting when it was queued). A 2xx answer marks it sent; anything
else, or no answer within the timeout, marks it failed with the reason, and the next run
tries again until MAX_ATTEMPTS (as for e-mail)."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import datetime

from sqlalchemy import Engine

from notify.smtp import SendReport, mark, pending

TIMEOUT_SECONDS = 10


def _post(url: str, body: str) -> None:
    request = urllib.request.Request(
        url,
        data=body.encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "crm-risk"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise urllib.error.HTTPError(url, response.status, response.reason, None, None)


def post_pending(engine: Engine, limit: int = 200) -> SendReport:
    """POST the pending (and retry the failed) webhook messages, oldest first."""
    hooks = [r for r in pending(engine, limit) if r.channel == "webhook"]
    sent = failed = 0
    for row in hooks:
        try:
            _post(row.recipient, row.body)
        except (OSError, ValueError) as error:  # URLError and HTTPError are OSErrors
            mark(engine, row, f"{type(error).__name__}: {error}", datetime.now())
            failed += 1
        else:
            mark(engine, row, None, datetime.now())
            sent += 1
    return SendReport(sent, failed, 0)
