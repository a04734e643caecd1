"""The report in headless Chromium: every chart draws, nothing is fetched, no console
errors. Full-page screenshots are saved to artifacts/report.png (plan) and
artifacts/forecast-report.png, artifacts/comparison-report.png and
artifacts/sweep-report.png for CI.

Chromium is Debian's package (``.ci/setup-chromium.sh`` installs it), driven by the
Python ``playwright`` package; Playwright's own browser download is not used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_support import Built, BuiltComparison, BuiltForecast, BuiltSweep

from chromium_support import ARTIFACTS, launch_chromium

PROBE = """
(ids) => ids.map((id) => {
  const el = document.getElementById('plot-' + id);
  const box = el.getBoundingClientRect();
  return {
    id,
    plotly: el.classList.contains('js-plotly-plot'),
    traces: (el._fullData || []).length,
    drawn: el.querySelectorAll('g.trace, g.hm, .heatmaplayer image, g.waterfalllayer path').length,
    svgs: el.querySelectorAll('svg.main-svg').length,
    width: box.width,
    height: box.height,
  };
})
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    with launch_chromium() as chromium:
        yield chromium


def _render(browser: Any, html: Path, charts: list[str], shot: Path) -> dict[str, Any]:
    logs: list[tuple[str, str]] = []
    requests: list[str] = []
    blocked: list[str] = []
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.on("console", lambda m: logs.append((m.type, m.text)))
        page.on("pageerror", lambda e: logs.append(("pageerror", str(e))))
        page.on("request", lambda r: requests.append(r.url))

        def route(r: Any) -> None:
            if r.request.url.startswith(("file:", "data:", "blob:")):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(html.as_uri())
        page.wait_for_selector(
            "body[data-charts-rendered], body[data-charts-error]", timeout=60_000
        )
        state = {
            "rendered": page.get_attribute("body", "data-charts-rendered"),
            "error": page.get_attribute("body", "data-charts-error"),
            "charts": page.evaluate(PROBE, charts),
            "headline": page.inner_text("#summary"),
        }
        shot.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
    finally:
        page.close()
    return {**state, "logs": logs, "requests": requests, "blocked": blocked, "shot": shot}


@pytest.fixture(scope="module", params=["plan", "forecast", "comparison", "sweep"])
def browser_page(
    request: pytest.FixtureRequest,
    browser: Any,
    built: Built,
    built_forecast: BuiltForecast,
    built_comparison: BuiltComparison,
    built_sweep: BuiltSweep,
) -> dict[str, Any]:
    if request.param == "plan":
        html, charts, name = built.html, built.report.charts, "report.png"
        headline = "By 2026 the plan needs"
    elif request.param == "sweep":
        html, charts = built_sweep.html, built_sweep.report.charts
        name, headline = "sweep-report.png", "Across 6 solved samples the plan costs"
    elif request.param == "comparison":
        html, charts = built_comparison.html, built_comparison.report.charts
        name, headline = "comparison-report.png", "Without the right of first refusal"
    else:
        html, charts = built_forecast.html, built_forecast.report.charts
        name, headline = "forecast-report.png", "By 2026 the median forecast needs"
    state = _render(browser, html, charts, ARTIFACTS / name)
    return {**state, "expected": len(charts), "expected_headline": headline}


def test_every_chart_rendered(browser_page: dict[str, Any]) -> None:
    assert browser_page["error"] is None
    assert browser_page["rendered"] == str(browser_page["expected"])
    assert len(browser_page["charts"]) == browser_page["expected"]
    for chart in browser_page["charts"]:
        assert chart["plotly"], chart
        assert chart["traces"] > 0, chart
        assert chart["drawn"] > 0, chart
        assert chart["svgs"] >= 1, chart
        assert chart["width"] > 600 and chart["height"] > 200, chart


def test_no_console_errors_and_no_network(browser_page: dict[str, Any]) -> None:
    errors = [m for m in browser_page["logs"] if m[0] in ("error", "pageerror")]
    assert errors == []
    assert browser_page["blocked"] == []
    assert all(u.startswith("file:") for u in browser_page["requests"])


def test_summary_is_visible_and_screenshot_saved(browser_page: dict[str, Any]) -> None:
    assert browser_page["expected_headline"] in browser_page["headline"]
    shot = browser_page["shot"]
    assert shot.is_file() and shot.stat().st_size > 50_000
