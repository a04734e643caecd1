"""The reports as a person sees them, in headless Chromium at a laptop's 1366x768 and a
phone's 390x844: no text overlaps other text or plotly's toolbar, no label is cut at a
chart's edge, count axes have whole-number ticks; axe-core finds no critical or serious
accessibility violation and every link is reachable with Tab. Full-page screenshots go
to artifacts/screenshots/report-<kind>-<viewport>.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_support import Built, BuiltComparison, BuiltForecast, BuiltSweep
from stress_charts import write_stress_page

from chromium_support import launch_chromium
from visual_support import (
    VIEWPORTS,
    axe_violations,
    chart_problems,
    screenshot,
    unreachable_by_keyboard,
)

pytestmark = pytest.mark.slow
KINDS = ("plan", "forecast", "comparison", "sweep", "stress")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def pages(
    tmp_path_factory: pytest.TempPathFactory,
    built: Built,
    built_forecast: BuiltForecast,
    built_comparison: BuiltComparison,
    built_sweep: BuiltSweep,
) -> dict[str, Path]:
    return {
        "plan": built.html,
        "forecast": built_forecast.html,
        "comparison": built_comparison.html,
        "sweep": built_sweep.html,
        "stress": write_stress_page(tmp_path_factory.mktemp("stress") / "stress.html"),
    }


def _open(browser: Any, html: Path, viewport: str) -> Any:
    page = browser.new_page(viewport=VIEWPORTS[viewport])
    page.goto(html.as_uri())
    page.wait_for_selector("body[data-charts-rendered]", timeout=60_000)
    return page


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
@pytest.mark.parametrize("kind", KINDS)
def test_no_text_collides_or_is_cut(
    browser: Any, pages: dict[str, Path], kind: str, viewport: str
) -> None:
    page = _open(browser, pages[kind], viewport)
    try:
        shot = screenshot(page, f"report-{kind}-{viewport}")
        problems = chart_problems(page)
        wide = page.evaluate("() => document.documentElement.scrollWidth")
    finally:
        page.close()
    assert shot.stat().st_size > 20_000
    assert problems == [], "\n".join(problems)
    assert wide <= VIEWPORTS[viewport]["width"]  # nothing runs off the side of the page


@pytest.mark.parametrize("kind", ["plan", "comparison"])
def test_no_serious_accessibility_violation(
    browser: Any, pages: dict[str, Path], kind: str
) -> None:
    page = _open(browser, pages[kind], "laptop")
    try:
        violations = axe_violations(page)
    finally:
        page.close()
    assert violations == []


def test_every_link_and_control_is_reachable_by_keyboard(
    browser: Any, pages: dict[str, Path]
) -> None:
    page = _open(browser, pages["plan"], "laptop")
    try:
        missing = unreachable_by_keyboard(page)
    finally:
        page.close()
    assert missing == []
