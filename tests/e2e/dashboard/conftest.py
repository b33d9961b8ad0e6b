"""Fixtures for the dashboard browser tests: skip (with the reason) when Chromium is absent; one
headless Chromium (fresh profile) per test module, a new tab per test."""

from __future__ import annotations

import pytest

from .harness import browser_context, chromium_path


@pytest.fixture(scope="session")
def chromium() -> str:
    exe = chromium_path()
    if exe is None:
        pytest.skip("chromium is not installed (scripts/setup-test-tools installs it: apt-get install chromium)")
    return exe


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    # Module scope, not session: Playwright's sync API keeps an asyncio loop running in this thread while it is
    # open, which would break every later test in the same worker that calls asyncio.run().
    with browser_context(tmp_path_factory.mktemp("chromium-profile")) as ctx:
        yield ctx


@pytest.fixture
def page(browser):
    """A fresh tab (its own sessionStorage); page errors are collected in `page.errors`, what the CSP blocked in
    `page.csp_violations`."""
    p = browser.new_page()
    p.errors = []
    p.on("pageerror", lambda e: p.errors.append(str(e)))
    p.csp_violations = []  # what the Content-Security-Policy blocked (Chromium reports it on the console)
    p.on(
        "console",
        lambda m: (
            p.csp_violations.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None
        ),
    )
    yield p
    p.close()
