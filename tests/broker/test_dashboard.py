"""The web dashboard: its read endpoints against oracles, its page, and the whole story in
headless Chromium (sign in, a placement appears, the provider accepts its offer with the
keyboard, the placement moves; another provider never sees the offer). Screenshots at
1366x768 go to artifacts/dashboard-*.png.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from broker_support import ADMIN, SCENARIO, START, Api, Server, admin_token
from dashboard_helpers import open_tab, sign_in, tab_to, write_plan
from typer.testing import CliRunner

from chromium_support import launch_chromium
from gigawatt.broker.web.plan import NO_PLAN_HINT, PlanCharts, check_plan_dir, plotly_js_bytes
from gigawatt.broker.web.queries import default_start_hour
from gigawatt.broker.web.routes import STATIC_DIR
from gigawatt.errors import GigawattError

pytestmark = pytest.mark.service

FRONTIER = {"accelerator": "GB200", "count": 10, "tags": ["frontier"]}
CLAUSE = "microsoft[1] right_of_first_refusal"


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan of the broker's test scenario, as ``gigawatt plan --out DIR`` writes it."""
    return write_plan(SCENARIO, tmp_path_factory.mktemp("plan") / "plan")


def _offered(api: Api) -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, Any]]:
    team = api.token("team", "frontier-team")
    azure = api.token("provider", "azure-ops", "azure")
    oci = api.token("provider", "oci-ops", "oci")
    r = api.place(team, **FRONTIER)
    assert r.status_code == 201 and r.json()["status"] == "offered", r.text
    return team, azure, oci, r.json()


# --- read endpoints -------------------------------------------------------------------


def test_me_names_the_role_of_each_token(api: Api) -> None:
    team = api.token("team", "lab-a")
    azure = api.token("provider", "azure-ops", "azure")
    got = {
        "admin": api.c.get("/v1/me", headers=api.admin).json(),
        "team": api.c.get("/v1/me", headers=team).json(),
        "provider": api.c.get("/v1/me", headers=azure).json(),
    }
    assert got["admin"] == {
        "role": "admin",
        "name": "admin",
        "provider": None,
        "principal_id": 1,
        "token_id": None,
        "scenario": "broker-test",
    }
    assert got["team"]["principal_id"] > 2 and got["team"]["token_id"] >= 1
    assert (got["team"]["role"], got["team"]["name"], got["team"]["provider"]) == (
        "team",
        "lab-a",
        None,
    )
    assert (got["provider"]["role"], got["provider"]["provider"]) == ("provider", "azure")
    assert api.c.get("/v1/me").status_code == 401
    bad = api.c.get("/v1/me", headers={"Authorization": "Bearer gw_nope"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "unknown_token"


def test_a_provider_sees_and_answers_only_its_own_offers(api: Api) -> None:
    team, azure, oci, p = _offered(api)
    everyone = api.c.get("/v1/offers", headers=api.admin).json()
    assert [(o["id"], o["provider"]) for o in everyone] == [(p["offer_id"], "azure")]
    assert [o["id"] for o in api.c.get("/v1/offers", headers=azure).json()] == [p["offer_id"]]
    assert [o["id"] for o in api.c.get("/v1/offers", headers=team).json()] == [p["offer_id"]]
    assert api.c.get("/v1/offers", headers=oci).json() == []
    refused = api.c.post(f"/v1/offers/{p['offer_id']}/accept", headers=oci)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_offer"
    # the placement is at neither provider yet: no provider sees it among recent ones
    assert api.c.get("/v1/recent/placements", headers=oci).json() == []
    assert api.c.get("/v1/recent/placements", headers=azure).json() == []
    assert api.c.post(f"/v1/offers/{p['offer_id']}/accept", headers=azure).status_code == 200
    assert [r["id"] for r in api.c.get("/v1/recent/placements", headers=azure).json()] == [p["id"]]
    assert api.c.get("/v1/recent/placements", headers=oci).json() == []


def test_recent_placements_show_the_offer_then_the_move(api: Api) -> None:
    team, azure, _oci, p = _offered(api)
    other = api.token("team", "other-team")
    plain = api.place(team, accelerator="H100", count=5)
    assert plain.status_code == 201
    rows = api.c.get("/v1/recent/placements", headers=team).json()
    assert [r["id"] for r in rows] == [plain.json()["id"], p["id"]]  # newest first
    offered = rows[1]
    assert (offered["status"], offered["site"]) == ("offered", None)
    assert (offered["offered_site"], offered["fallback_site"]) == ("azure-east", "abilene")
    assert offered["clause"] == CLAUSE and offered["offer_deadline"] == p["offer_deadline"]
    assert api.c.get("/v1/recent/placements", headers=other).json() == []
    api.c.post(f"/v1/offers/{p['offer_id']}/accept", headers=azure)
    moved = api.c.get("/v1/recent/placements", params={"limit": 1}, headers=team).json()
    assert [r["id"] for r in moved] == [plain.json()["id"]]
    moved = api.c.get("/v1/recent/placements", headers=team).json()[1]
    assert (moved["status"], moved["site"], moved["provider"]) == ("placed", "azure-east", "azure")
    assert moved["offered_site"] is None and moved["fallback_site"] is None
    assert moved["reason"] == f"{CLAUSE}: accepted by azure"


def test_capacity_summary_adds_up_the_per_offer_capacity(api: Api) -> None:
    team, _azure, _oci, _p = _offered(api)
    end = "2026-01-01T06:00:00Z"
    summary = api.c.get(
        "/v1/capacity/summary", params={"start": START, "hours": 6}, headers=team
    ).json()
    per_offer = api.c.get("/v1/capacity", params={"start": START, "end": end}, headers=team).json()
    oracle: dict[tuple[str, str, str], dict[str, list[int]]] = defaultdict(
        lambda: {"capacity": [0] * 6, "booked": [0] * 6}
    )
    for r in per_offer:
        i = int(r["slot"][11:13])
        g = oracle[(r["provider"], r["site"], r["accelerator"])]
        g["capacity"][i] += r["capacity"]
        g["booked"][i] += r["booked"]
    assert summary["slots"] == [f"2026-01-01T{h:02d}:00:00Z" for h in range(6)]
    assert (summary["start"], summary["end"]) == (START, end)
    got = {(r["provider"], r["site"], r["accelerator"]): r for r in summary["rows"]}
    assert set(got) == set(oracle) and len(got) == 6
    for key, want in oracle.items():
        assert (got[key]["capacity"], got[key]["booked"]) == (want["capacity"], want["booked"])
    # by hand: the offer holds 10 GB200 at azure-east and the fallback 10 at abilene, 4 hours
    assert got[("azure", "azure-east", "GB200")]["booked"] == [10, 10, 10, 10, 0, 0]
    assert got[("stargate", "abilene", "GB200")]["booked"] == [10, 10, 10, 10, 0, 0]
    assert got[("azure", "azure-east", "GB200")]["capacity"] == [40] * 6


def test_capacity_summary_stops_at_the_horizon(api: Api) -> None:
    near_end = "2026-03-31T22:00:00Z"  # the horizon ends at 2026-04-01T00:00Z
    got = api.c.get(
        "/v1/capacity/summary", params={"start": near_end, "hours": 12}, headers=api.admin
    ).json()
    assert got["slots"] == [near_end, "2026-03-31T23:00:00Z"]
    assert got["end"] == "2026-04-01T00:00:00Z"
    outside = api.c.get(
        "/v1/capacity/summary", params={"start": "2026-05-01T00:00:00Z"}, headers=api.admin
    )
    assert outside.status_code == 422 and outside.json()["error"]["code"] == "outside_horizon"
    bad = api.c.get("/v1/capacity/summary", params={"start": "noon"}, headers=api.admin)
    assert bad.status_code == 422
    default = api.c.get("/v1/capacity/summary", headers=api.admin).json()
    assert len(default["slots"]) == 12


def test_default_start_is_now_moved_into_the_horizon(api: Api) -> None:
    ctx = api.c.app.state.broker
    first, end = ctx.catalog.first_hour, ctx.catalog.end_hour  # 2026-01-01, 2026-04-01
    assert default_start_hour(ctx, 12, now_s=(first - 100) * 3600.0) == first
    assert default_start_hour(ctx, 12, now_s=(first + 30) * 3600.0 + 59.0) == first + 30
    assert default_start_hour(ctx, 12, now_s=(end + 500) * 3600.0) == end - 12


def test_audit_search_filters_as_the_full_log_does(api: Api) -> None:
    team, azure, _oci, p = _offered(api)
    api.place(team, accelerator="H100", count=3)
    api.c.post(f"/v1/offers/{p['offer_id']}/accept", headers=azure)
    log = api.c.get("/v1/audit", headers=api.admin).json()
    assert len(log) == 6  # three tokens, two placements, the answer

    def search(**params: Any) -> list[int]:
        r = api.c.get("/v1/audit/search", params=params, headers=api.admin)
        assert r.status_code == 200, r.text
        return [e["id"] for e in r.json()]

    def oracle(keep: Callable[[dict[str, Any]], bool]) -> list[int]:
        return [e["id"] for e in reversed(log) if keep(e)]

    assert search() == oracle(lambda e: True)
    assert search(action="place") == oracle(lambda e: e["action"] == "place")
    assert len(search(action="place")) == 2
    assert search(actor="azure-ops") == oracle(lambda e: e["actor"] == "azure-ops")
    assert search(clause="FIRST_REFUSAL") == oracle(
        lambda e: "first_refusal" in (e["clause"] or "")
    )
    assert len(search(clause="first_refusal")) == 2  # the placement and the acceptance
    assert search(site="azure-east") == oracle(lambda e: e["site"] == "azure-east")
    assert search(placement_id=p["id"]) == oracle(lambda e: e["placement_id"] == p["id"])
    assert search(action="offer_accepted", placement_id=p["id"]) == oracle(
        lambda e: e["action"] == "offer_accepted" and e["placement_id"] == p["id"]
    )
    assert search(clause="%") == []  # a literal percent sign, not a wildcard
    newest = search()[0]
    assert search(before=newest, limit=2) == oracle(lambda e: e["id"] < newest)[:2]
    refused = api.c.get("/v1/audit/search", headers=team)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_audit_search_refuses_control_characters(api: Api) -> None:
    # PostgreSQL refuses a NUL in a text parameter: the filter must stop it as bad input
    for clause in ("\x00", "pin\x00", "a\nb"):
        r = api.c.get("/v1/audit/search", params={"clause": clause}, headers=api.admin)
        assert r.status_code == 422, (clause, r.text)
        assert r.json()["error"]["field"] == "clause"


# --- the plan -------------------------------------------------------------------------


def test_plan_charts_are_the_report_figures(plan_dir: Path) -> None:
    import json

    from gigawatt.report.build import build_content
    from gigawatt.report.plotly_figures import figure

    answer = json.loads(PlanCharts(str(plan_dir)).body())
    content = build_content(plan_dir)
    assert answer["loaded"] is True and answer["hint"] is None
    assert [c["id"] for c in answer["charts"]] == [c.id for c in content.charts]
    assert len(answer["charts"]) >= 3
    assert answer["summary"] == content.summary.sentences
    first = json.loads(json.dumps(figure(content.charts[0])))
    assert answer["charts"][0]["figure"]["data"] == first["data"]


def test_without_a_plan_the_section_says_how_to_load_one(tmp_path: Path) -> None:
    import json

    empty = json.loads(PlanCharts(None).body())
    assert (empty["loaded"], empty["charts"], empty["hint"]) == (False, [], NO_PLAN_HINT)
    assert "gigawatt serve --scenario SCENARIO --plan DIR" in NO_PLAN_HINT
    broken = json.loads(PlanCharts(str(tmp_path)).body())
    assert broken["loaded"] is False and "no summary.json" in broken["hint"]
    with pytest.raises(GigawattError, match="not a directory"):
        check_plan_dir(str(tmp_path / "missing"))


def test_plan_endpoint_needs_a_token(api_factory: Callable[..., Api], plan_dir: Path) -> None:
    api = api_factory(plan_dir=str(plan_dir))
    assert api.c.get("/v1/plan/charts").status_code == 401
    team = api.token("team", "viewer")
    got = api.c.get("/v1/plan/charts", headers=team).json()
    assert got["loaded"] is True and got["directory"] == str(plan_dir)
    assert api.c.get("/v1/plan/charts", headers=api.admin).json() == got
    # the answer block is the report's, read from the same figures
    from gigawatt.plan import Plan
    from gigawatt.report.answer import answer_table

    want = answer_table(Plan.load(plan_dir).figures())
    assert want is not None and got["answer"] == want.to_dict()
    # the plan shows the lab's spend with each provider: not for providers' eyes
    azure = api.token("provider", "azure-ops", "azure")
    refused = api.c.get("/v1/plan/charts", headers=azure)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_serve_refuses_a_missing_plan_folder(tmp_path: Path) -> None:
    from gigawatt.cli import _register, app

    _register()
    result = CliRunner().invoke(
        app, ["serve", "--scenario", SCENARIO, "--plan", str(tmp_path / "nope")]
    )
    assert result.exit_code != 0
    assert "not a directory" in result.output and "Traceback" not in result.output


# --- the page -------------------------------------------------------------------------


def test_page_and_assets_are_served_from_the_package(api: Api) -> None:
    page = api.c.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("index.html", "dashboard.js", "dashboard.css"):
        text = (STATIC_DIR / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), f"{name} refers to another host"
    for asset in ("/static/dashboard.js", "/static/dashboard.css"):
        r = api.c.get(asset)
        assert r.status_code == 200 and len(r.content) > 1000, asset
    script = api.c.get("/vendor/plotly.min.js")
    assert script.status_code == 200 and script.content == plotly_js_bytes()
    assert b"plotly" in script.content[:2000].lower()
    assert "/" not in api.c.get("/openapi.json").json()["paths"]


def test_static_files_ship_in_the_wheel() -> None:
    import tomllib

    root = Path(__file__).resolve().parents[2]
    data = tomllib.loads((root / "pyproject.toml").read_text())
    globs = data["tool"]["setuptools"]["package-data"]["gigawatt"]
    package = root / "src" / "gigawatt"
    shipped = {p for g in globs for p in package.glob(g)}
    assert {STATIC_DIR / n for n in ("index.html", "dashboard.js", "dashboard.css")} <= shipped


# --- end to end in headless Chromium --------------------------------------------------


@pytest.mark.slow
def test_dashboard_end_to_end(tmp_path: Path, plan_dir: Path) -> None:
    server = Server(f"sqlite:///{tmp_path / 'dash.db'}", "--plan", str(plan_dir)).start()
    try:
        _story(server.url)
    finally:
        server.stop()


def _story(url: str) -> None:
    team = admin_token(url, "team", "frontier-team")
    azure = admin_token(url, "provider", "azure-ops", "azure")
    oci = admin_token(url, "provider", "oci-ops", "oci")
    with launch_chromium() as browser:
        watcher = open_tab(browser, url)
        sign_in(watcher, ADMIN)
        assert "admin" in watcher.page.inner_text("#who")
        watcher.page.wait_for_selector("#plan[data-charts-rendered]", timeout=60_000)
        n_charts = int(watcher.page.get_attribute("#plan", "data-charts-rendered") or 0)
        assert n_charts >= 3
        assert watcher.page.locator("#plan-charts .js-plotly-plot").count() == n_charts
        assert watcher.page.locator("#plan-charts svg.main-svg").count() >= n_charts
        answer_rows = watcher.page.locator("#plan-answer tbody tr")
        assert answer_rows.count() >= 7
        assert answer_rows.first.inner_text().startswith(("GW", "MW"))

        # a team places through the API; the admin's dashboard shows it appear, offered
        r = httpx.post(
            url + "/v1/placements",
            json={**FRONTIER, "start": START, "end": "2026-01-01T04:00:00Z"},
            headers={"Authorization": f"Bearer {team}", "Idempotency-Key": "e2e-1"},
            timeout=10,
        )
        assert r.status_code == 201 and r.json()["status"] == "offered", r.text
        pid, oid = r.json()["id"], r.json()["offer_id"]
        row = f"#placements-table tr[data-placement-id='{pid}']"
        watcher.page.wait_for_selector(f"{row}[data-status='offered']", timeout=30_000)
        assert "offered to azure-east" in watcher.row_text(f"{row} td.where")
        assert "held at abilene" in watcher.row_text(f"{row} td.where")
        watcher.page.wait_for_selector(
            "#capacity-table tr[data-site='azure-east'][data-accelerator='GB200']", timeout=30_000
        )
        watcher.page.fill("#capacity-start", "2026-01-01T00:00Z")
        watcher.page.press("#capacity-start", "Enter")
        watcher.page.wait_for_function(
            "() => (document.querySelector(\"#capacity-table tr[data-site='azure-east']"
            "[data-accelerator='GB200'] td.slot\") || {}).textContent === '10/40'",
            timeout=30_000,
        )
        watcher.shot("dashboard-admin-offered")

        # the team sees its placement and the offer on it, but cannot answer it
        lab = open_tab(browser, url)
        sign_in(lab, team)
        lab.page.wait_for_selector(f"{row}[data-status='offered']", timeout=30_000)
        assert "provider answers" in lab.row_text(f"#offers-table tr[data-offer-id='{oid}']")
        assert lab.page.locator("button[data-offer]").count() == 0

        # the other provider never sees the offer, in the page or through the API
        other = open_tab(browser, url)
        sign_in(other, oci)
        assert "for oci" in other.page.inner_text("#who")
        assert other.page.locator("#offers-table tr[data-offer-id]").count() == 0
        assert other.page.is_visible("#offers-empty")
        assert other.page.locator("button[data-offer]").count() == 0
        assert other.page.locator("#audit-table").is_hidden()
        assert other.page.locator("#audit-form").is_hidden()
        assert other.page.is_visible("#audit-note")
        assert "lab tokens" in other.page.inner_text("#plan-summary")
        assert other.page.locator("#plan-charts .js-plotly-plot").count() == 0
        other.shot("dashboard-provider-other")
        seen = httpx.get(
            url + "/v1/offers", headers={"Authorization": f"Bearer {oci}"}, timeout=10
        ).json()
        assert seen == []

        # the counterparty accepts with the keyboard only: Tab to the button, Enter
        provider = open_tab(browser, url)
        sign_in(provider, azure)
        accept = f"button[data-focus-key='accept-{oid}']"
        provider.page.wait_for_selector(accept, timeout=30_000)
        assert provider.page.locator("#offers-table tr[data-offer-id]").count() == 1
        assert CLAUSE in provider.row_text(f"#offers-table tr[data-offer-id='{oid}']")
        presses = tab_to(provider, accept)
        assert presses > 1
        outline = provider.page.evaluate(
            "(s) => getComputedStyle(document.querySelector(s)).outlineStyle", accept
        )
        assert outline != "none"  # the focus is visible
        provider.shot("dashboard-provider-focus")
        provider.page.keyboard.press("Enter")
        provider.page.wait_for_selector("#offers-empty:not([hidden])", timeout=30_000)
        assert re.search(rf"Offer {oid} accepted", provider.page.inner_text("#message"))
        provider.page.wait_for_selector(f"{row}[data-status='placed']", timeout=30_000)
        provider.shot("dashboard-provider-accepted")

        # the admin's dashboard sees the placement move, and the audit entry with its clause
        watcher.page.wait_for_selector(f"{row}[data-status='placed']", timeout=30_000)
        assert "azure / azure-east" in watcher.row_text(f"{row} td.where")
        assert "accepted by azure" in watcher.row_text(row)
        watcher.page.select_option("#audit-action", "offer_accepted")
        watcher.page.click("#audit-form button[type=submit]")
        watcher.page.wait_for_function(
            "() => { const rows = document.querySelectorAll('#audit-table tbody tr');"
            " return rows.length === 1 && rows[0].dataset.action === 'offer_accepted'; }",
            timeout=30_000,
        )
        assert CLAUSE in watcher.row_text("#audit-table tbody tr")
        watcher.page.wait_for_function(
            "() => (document.querySelector(\"#capacity-table tr[data-site='abilene']"
            "[data-accelerator='GB200'] td.slot\") || {}).textContent === '0/100'",
            timeout=30_000,
        )
        watcher.shot("dashboard-admin-moved")
        watcher.page.evaluate("document.getElementById('plan').scrollIntoView()")
        watcher.shot("dashboard-plan")

        # a bad token is refused at sign-in
        stranger = open_tab(browser, url)
        stranger.page.fill("#token", "gw_not-a-token")
        stranger.page.press("#token", "Enter")
        stranger.page.wait_for_function(
            "() => document.getElementById('signin-error').textContent.length > 0"
        )
        assert "not accepted" in stranger.page.inner_text("#signin-error")
        assert stranger.page.is_hidden("#dashboard")
        stranger.shot("dashboard-signin-refused")

        lab.page.wait_for_selector(f"{row}[data-status='placed']", timeout=30_000)
        lab.shot("dashboard-team")
        for tab in (watcher, lab, other, provider, stranger):
            assert tab.offsite == []
            assert [e for e in tab.errors if "401" not in e] == []
