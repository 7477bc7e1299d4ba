"""The headless Chromium that draws chart images (kaleido) and prints the board pack.

Debian's `chromium` by default; `CHROMIUM_PATH` names another. Both renderers run in a
thread of their own, so an event loop of the caller (Streamlit's) is never in the way."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Root in a container has no user namespace for Chromium's sandbox; the pages are our own.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


class BrowserMissing(RuntimeError):
    """No Chromium on this server: chart images and the board pack cannot be drawn."""


def chromium_path() -> str:
    """The Chromium executable to use, or BrowserMissing naming what to install."""
    named = os.environ.get("CHROMIUM_PATH")
    if named:
        if not os.access(named, os.X_OK):
            raise BrowserMissing(f"CHROMIUM_PATH={named} is not an executable")
        return named
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserMissing("Chromium is not installed on the server (Debian: apt install chromium)")


def in_own_thread(work: Callable[[], T]) -> T:
    """Run `work` in a fresh thread and return its result (or raise its error)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()
