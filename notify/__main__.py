"""`python -m notify send`: deliver the outbox's pending e-mails over the SMTP server the
environment names (see notify.smtp); without SMTP_HOST it sends nothing and says so."""

from __future__ import annotations

import argparse
import os
import sys

from data_access.db import get_engine
from notify.smtp import SmtpConfig, send_pending


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m notify", description=__doc__)
    parser.add_argument("command", choices=["send"])
    parser.parse_args(argv)
    try:
        config = SmtpConfig.from_env(os.environ)
    except ValueError as error:
        print(f"notify: {error}", file=sys.stderr)
        return 2
    if config is None:
        print("notify: SMTP_HOST is not set; nothing was sent (the messages stay pending)")
        return 0
    report = send_pending(get_engine(), config)
    print(
        f"notify: {report.sent} sent, {report.failed} failed"
        + (f", {report.skipped} not e-mail (left pending)" if report.skipped else "")
    )
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
