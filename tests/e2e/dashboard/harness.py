"""Test plumbing for the dashboard: a uvicorn server in a thread, and headless Chromium driven by Playwright.

Chromium is the system one (`/usr/bin/chromium`, installed by scripts/setup-test-tools); Playwright never downloads a
browser here. Each launch gets a fresh user-data-dir.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from tests.support.servers import serve_asgi as serve  # noqa: F401 (the dashboard tests import it from here)

CHROMIUM_FLAGS = [
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
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@contextlib.contextmanager
def browser_context(profile_dir: Path, **context_options):
    """A Playwright BrowserContext on system Chromium with a fresh profile in `profile_dir`."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        raise RuntimeError("chromium not found")
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=exe,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1360, "height": 900},
            accept_downloads=True,
            **context_options,
        )
        try:
            yield ctx
        finally:
            ctx.close()
