"""Headless Debian Chromium for the browser tests (report pages and the dashboard).

Chromium is Debian's package (``.ci/setup-chromium.sh`` installs it), driven by the
Python ``playwright`` package; Playwright's own browser download is not used. Locally a
missing browser skips the test; in CI (``CI`` set) it fails it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
#: The flags this machine needs: no sandbox as root, and no background network calls
#: (the closed network refuses them).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's chromium (or ``GIGAWATT_CHROMIUM``), if installed."""
    for candidate in (os.environ.get("GIGAWATT_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (
            found := shutil.which(candidate) or (Path(candidate).is_file() and candidate)
        ):
            return str(found)
    return None


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """Headless Chromium; skips locally (fails in CI) when it or playwright is missing."""
    if os.environ.get("CI"):
        import playwright.sync_api as sync_api
    else:
        sync_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_path()
    if executable is None:
        message = "no chromium found: run .ci/setup-chromium.sh (Debian's chromium package)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
