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
from gigawatt.report.charts import Chart, Panel, Series
from gigawatt.report.html import render_html
from gigawatt.report.summary import Summary
from visual_support import (
    COUNT_TICKS,
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


def test_count_axes_have_whole_ticks_and_the_check_sees_steps_of_a_half(
    browser: Any, tmp_path: Path
) -> None:
    """Three samples at most per bin: plotly would tick 0, 0.5, 1, ... on its own."""
    bins = Series("samples", ("1-2", "2-3", "3-4"), (1.0, 3.0, 2.0), "bar", legend=False)
    panel = Panel("Samples per bin", "samples", (bins,), months=False, counts=True)
    chart = Chart("counts", "Counts", "Small counts.", (panel,))
    html = tmp_path / "counts.html"
    html.write_text(
        render_html(title="t", meta=[], summary=Summary(["s"]), charts=[chart], tables=[]),
        encoding="utf-8",
    )
    page = _open(browser, html, "laptop")
    try:
        ticks = page.evaluate(COUNT_TICKS, "body")
        whole = chart_problems(page)
        page.evaluate("() => Plotly.relayout('plot-counts', {'yaxis.dtick': 0.5})")
        halves = chart_problems(page)
    finally:
        page.close()
    assert ticks == [["plot-counts", "y", ["0", "1", "2", "3"]]]
    assert whole == []
    assert halves and all("repeats ticks" in p for p in halves)
