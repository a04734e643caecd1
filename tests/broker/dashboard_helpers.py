"""Helpers of the dashboard tests: a solved plan folder, headless Chromium, page drivers.

Chromium is Debian's package (``.ci/setup-chromium.sh`` installs it), driven by the
Python ``playwright`` package, launched as in tests/report/test_report_browser.py;
Playwright's own browser download is not used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chromium_support import ARTIFACTS

VIEWPORT = {"width": 1366, "height": 768}
#: Long enough for a few 2 s polling rounds on a loaded machine.
WAIT_MS = 30_000


def write_plan(scenario: str, out: Path) -> Path:
    """Solve ``scenario`` and save the plan to ``out`` (what ``gigawatt plan --out`` does)."""
    from gigawatt.plan import plan
    from gigawatt.scenario import load_scenario

    plan(load_scenario(scenario)).save(out)
    return out


@dataclass
class Tab:
    """One signed-in browser tab, recording console errors and off-server requests."""

    page: Any
    origin: str
    errors: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)

    def shot(self, name: str) -> Path:
        """Save a screenshot of the viewport to artifacts/<name>.png."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def row_text(self, selector: str) -> str:
        """Inner text of the first element matching ``selector`` (waits for it)."""
        self.page.wait_for_selector(selector, timeout=WAIT_MS)
        return str(self.page.inner_text(selector))


def open_tab(browser: Any, origin: str) -> Tab:
    """A fresh context (own sessionStorage) at 1366x768; requests off the server abort."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    tab = Tab(page, origin)
    page.on(
        "console",
        lambda m: tab.errors.append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: tab.errors.append(str(e)))

    def route(r: Any) -> None:
        if r.request.url.startswith((origin + "/", "data:", "blob:")):
            r.continue_()
        else:
            tab.offsite.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(origin + "/")
    return tab


def sign_in(tab: Tab, token: str) -> None:
    """Type the token and sign in with the keyboard; wait for the first refresh."""
    page = tab.page
    page.wait_for_selector("#token", timeout=WAIT_MS)
    page.fill("#token", token)
    page.press("#token", "Enter")
    page.wait_for_selector("body[data-role]", timeout=WAIT_MS)
    page.wait_for_selector("body[data-refreshed]", timeout=WAIT_MS)


def tab_to(tab: Tab, selector: str, most: int = 80) -> int:
    """Press Tab until the element matching ``selector`` has focus; the presses needed.

    Raises:
        AssertionError: it never got focus within ``most`` presses.
    """
    page = tab.page
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for n in range(1, most + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return n
    raise AssertionError(f"{selector} never got keyboard focus in {most} Tab presses")
