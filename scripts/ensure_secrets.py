"""Create .streamlit/secrets.toml with a random cookie key unless one is already set."""

import os
import secrets
from pathlib import Path

SECRETS = Path(__file__).resolve().parent.parent / ".streamlit" / "secrets.toml"

if os.environ.get("COOKIE_KEY"):
    print("Using COOKIE_KEY from the environment")
elif SECRETS.exists() and "cookie_key" in SECRETS.read_text(encoding="utf-8"):
    print(f"Using the cookie key in {SECRETS}")
else:
    SECRETS.parent.mkdir(exist_ok=True)
    with SECRETS.open("a", encoding="utf-8") as f:
        f.write(f'cookie_key = "{secrets.token_urlsafe(32)}"\n')
    SECRETS.chmod(0o600)
    print(f"Generated a random cookie key in {SECRETS} (git-ignored)")
