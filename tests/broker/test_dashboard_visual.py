"""The dashboard as a person sees it, on the documented example (docs/broker.md: the
built-in ``frontier-lab-2025`` served with ``--now 2026-09-01`` and the research team's
placement of 20,000 GB300 for September 2026), in headless Chromium at 1366x768 and
390x844: the capacity view opens on that placement, counts carry thousands separators,
no text of the plan's charts collides or is cut, axe-core finds no critical or serious
violation and Tab reaches every control. Screenshots go to
artifacts/screenshots/dashboard-<view>-<viewport>.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from broker_support import ADMIN, SCENARIO, Server, admin_token
from dashboard_helpers import WAIT_MS, sign_in, write_plan

from chromium_support import launch_chromium
from visual_support import (
    VIEWPORTS,
    axe_violations,
    chart_problems,
    screenshot,
    unreachable_by_keyboard,
)

pytestmark = [pytest.mark.service, pytest.mark.slow]

NOW = "2026-09-01T00:00:00Z"
#: The research team's request in docs/broker.md.
DOCUMENTED = {
    "tags": ["chatgpt"],
    "accelerator": "GB300",
    "count": 20000,
    "start": NOW,
    "end": "2026-10-01T00:00:00Z",
    "single_site": True,
}
#: Offered to Azure's Fairwater, held at the lab's Milam campus (the cheapest GB300 with
#: room) until Azure answers (docs/broker.md).
SITES = ("azure-fairwater", "stargate-milam")
COUNT = re.compile(r"^\d{1,3}(,\d{3})*$")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The documented server with the documented placement made, and its answer."""
    root = tmp_path_factory.mktemp("documented")
    plan_dir = write_plan(SCENARIO, root / "plan")
    server = Server(
        f"sqlite:///{root / 'broker.db'}",
        "--now",
        NOW,
        "--plan",
        str(plan_dir),
        scenario="frontier-lab-2025",
    ).start()
    try:
        team = admin_token(server.url, "team", "research")
        r = httpx.post(
            server.url + "/v1/placements",
            json=DOCUMENTED,
            headers={"Authorization": f"Bearer {team}", "Idempotency-Key": "chatgpt-2026-09"},
            timeout=30,
        )
        assert r.status_code == 201 and r.json()["status"] == "offered", r.text
        assert r.json()["offered_site"] == SITES[0], r.text
        assert r.json()["reason"].endswith(f"else it goes to {SITES[1]}"), r.text
        yield {"url": server.url, "placement": r.json()}
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as chromium:
        yield chromium


def _signed_in(browser: Any, url: str, viewport: str) -> Any:
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.goto(url + "/")
    tab = type("Tab", (), {"page": page})()
    sign_in(tab, ADMIN)
    page.wait_for_selector("#plan[data-charts-rendered]", timeout=60_000)
    page.wait_for_selector("#capacity-table td.slot", timeout=WAIT_MS)
    return page


def test_capacity_opens_on_the_documented_placement_with_separators(
    browser: Any, served: dict[str, Any]
) -> None:
    page = _signed_in(browser, served["url"], "laptop")
    try:
        first_slot = page.get_attribute("#capacity-table th.slot", "title")
        held = served["placement"]
        cells = {
            site: page.inner_text(
                f"#capacity-table tr[data-site='{site}']"
                f"[data-accelerator='{DOCUMENTED['accelerator']}'] td.slot"
            )
            for site in SITES
        }
        every = page.locator("#capacity-table td.slot").all_inner_texts()
        placed = page.inner_text(f"#placements-table tr[data-placement-id='{held['id']}']")
        screenshot(page, "dashboard-documented-laptop")
    finally:
        page.context.close()
    assert first_slot == NOW
    for text in cells.values():
        booked, capacity = text.split("/")
        assert booked == "20,000"  # the placement's 20000, with its separator
        assert COUNT.match(capacity) and int(capacity.replace(",", "")) >= 20000
    assert every and all(
        COUNT.match(b) and COUNT.match(c) for b, c in (t.split("/") for t in every)
    )
    assert "20,000" in placed


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_no_text_collides_or_is_cut(browser: Any, served: dict[str, Any], viewport: str) -> None:
    page = _signed_in(browser, served["url"], viewport)
    try:
        screenshot(page, f"dashboard-admin-{viewport}")
        problems = chart_problems(page, "#plan-charts")
        charts = page.locator("#plan-charts .js-plotly-plot").count()
    finally:
        page.context.close()
    assert charts >= 3
    assert problems == [], "\n".join(problems)


def test_accessible_and_every_control_reachable_by_keyboard(
    browser: Any, served: dict[str, Any]
) -> None:
    page = _signed_in(browser, served["url"], "laptop")
    try:
        violations = axe_violations(page)
        missing = unreachable_by_keyboard(page)
    finally:
        page.context.close()
    assert violations == [], "\n".join(violations)
    assert missing == []


def test_sign_in_page_is_accessible(browser: Any, served: dict[str, Any]) -> None:
    page = browser.new_page(viewport=VIEWPORTS["laptop"])
    try:
        page.goto(served["url"] + "/")
        page.wait_for_selector("#token")
        violations = axe_violations(page)
        missing = unreachable_by_keyboard(page)
        screenshot(page, "dashboard-signin-laptop")
    finally:
        page.close()
    assert violations == [], "\n".join(violations)
    assert missing == []
