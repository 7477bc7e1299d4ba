#!/usr/bin/env bash
# Every suite: unit + AppTest on SQLite, the data-access suites again on a throwaway
# PostgreSQL cluster (pg_virtualenv), then Playwright against a real streamlit server.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export PYTHONPATH="$PWD"
# The tests own their databases and cookie key; nothing from the caller's shell leaks in.
unset DATABASE_URL TEST_DATABASE_URL
export COOKIE_KEY="test-cookie-key-not-secret-but-32-bytes-long"

echo "== unit and AppTest suites (SQLite) =="
$PY -m pytest tests/unit tests/app -q -p no:cacheprovider

echo "== data-access suites on PostgreSQL =="
pg_virtualenv sh -c 'TEST_DATABASE_URL="postgresql+psycopg://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$PGDATABASE" \
  .venv/bin/python -m pytest tests/unit -m db -q -p no:cacheprovider'

echo "== end-to-end suite (Playwright + Chromium) =="
$PY -m pytest tests/e2e -q -p no:cacheprovider
