"""`python -m notify send`: deliver the outbox's pending messages — webhooks by a JSON POST
to their URL (notify.webhook), e-mails over the SMTP server the environment names
(notify.smtp; without SMTP_HOST no e-mail is sent, and it says so)."""

from __future__ import annotations

import argparse
import os
import sys

from data_access.db import get_engine
from notify.smtp import SmtpConfig, send_pending
from notify.webhook import post_pending


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m notify", description=__doc__)
    parser.add_argument("command", choices=["send"])
    parser.parse_args(argv)
    try:
        config = SmtpConfig.from_env(os.environ)
    except ValueError as error:
        print(f"notify: {error}", file=sys.stderr)
        return 2
    engine = get_engine()
    hooks = post_pending(engine)
    print(f"notify: webhooks {hooks.sent} sent, {hooks.failed} failed")
    if config is None:
        print("notify: SMTP_HOST is not set; no e-mail was sent (the e-mails stay pending)")
        return 1 if hooks.failed else 0
    mails = send_pending(engine, config)
    print(f"notify: e-mails {mails.sent} sent, {mails.failed} failed")
    return 1 if hooks.failed or mails.failed else 0


if __name__ == "__main__":
    sys.exit(main())
