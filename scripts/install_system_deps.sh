#!/usr/bin/env bash
# Debian packages the tests need: Chromium for Playwright, kaleido and the board pack,
# PostgreSQL for the pg suite, CJK fonts for Chinese pages, poppler-utils to read PDFs back.
set -euo pipefail
need=()
for pkg in chromium postgresql postgresql-common fonts-noto-cjk poppler-utils; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "Installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
