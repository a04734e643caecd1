"""``plan``, ``forecast`` and ``sweep`` with ``--market``; ``market --lab-bid-from-plan``.

The scenario is test_couple's at world scale (x 1,000: a cheap offer of 1M and a dear
one of 1M H100e, a demand of 1.5M worth $3,000 per accelerator-month); the market clears
1.2M H100e and 1.2 GW for the lab (``a``: 1.5M made, ``a`` asks 1.2M and ``b`` 0.3M; 1
kW each, pue 1). With the market the lab holds 1.2M and loses 0.3/1.5 of its $4.5B
revenue; without it nothing is short. (The clearing holds its stages to 1e-6 of a million
H100e: one H100e, $3,000 of revenue here.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from market_support import one_resource_text
from test_couple import UNIT, _text
from typer.testing import CliRunner

from gigawatt.cli import _register as register_commands
from gigawatt.cli import app

UNIFORM = "  families.chip.shipments.values.2025: {uniform: {low: 1.0e6, high: 2.0e6}}\n"
SCALE = 1000.0


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    register_commands()
    return CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    scenario = tmp_path / "cap.yaml"
    scenario.write_text(_text(scale=SCALE), encoding="utf-8")
    market = tmp_path / "m.yaml"
    text = one_resource_text(supply=1.5, demand_a=1.2, demand_b=0.3)
    market.write_text(text + "uncertainty:\n" + UNIFORM, encoding="utf-8")
    return scenario, market


def test_plan_with_the_market_says_how_the_answer_changes(
    runner: CliRunner, files: tuple[Path, Path]
) -> None:
    scenario, market = files
    result = runner.invoke(app, ["plan", str(scenario), "--market", str(market), "--json"])
    assert result.exit_code == 0, result.output
    versus = json.loads(result.stdout)["market"]["versus"]
    assert versus["lost_revenue_usd"]["without"] == pytest.approx(0.0, abs=1.0)
    assert versus["lost_revenue_usd"]["with"] == pytest.approx(4.5e9 * 0.3 / 1.5, abs=3001)
    text = runner.invoke(app, ["plan", str(scenario), "--market", str(market), "--no-report"])
    assert text.exit_code == 0, text.output
    words = " ".join(text.output.split())  # the terminal wraps long lines
    assert f"With the market {market}: objective" in words
    assert "lost revenue $0.9B (without $0.0B)" in words


def test_forecast_with_the_market_gives_p_world_short(
    runner: CliRunner, files: tuple[Path, Path]
) -> None:
    scenario, market = files
    args = ["forecast", str(scenario), "--market", str(market), "--samples", "16"]
    result = runner.invoke(app, [*args, "--market-samples", "3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["market"]
    # 2,000 offered against 1,500 demanded: never short; capped at 1,200: always short
    key = "p_demand_exceeds_supply_any_month"
    assert data["versus"][key] == {"without": 0.0, "with": 1.0}
    # supply 2 GW offered, capped at the market's 1.2 GW; the gap 0 without, 0.3M H100e with
    assert data["versus"]["final_supply_mw_p50"]["without"] == pytest.approx(2000, rel=1e-6)
    assert data["versus"]["final_supply_mw_p50"]["with"] == pytest.approx(1200, rel=1e-5)
    gap = data["versus"]["final_gap_flops_p50"]
    assert gap["without"] == pytest.approx(0.0, abs=1e9)
    assert gap["with"] == pytest.approx(0.3e6 * UNIT, rel=1e-5)
    [year] = data["uncertainty"]["years"]
    assert data["uncertainty"]["samples"] == 3
    assert year["p_world_short"] == year["p_binds_chips"]
    assert 0.0 <= year["p_world_short"] <= 1.0
    shown = runner.invoke(app, [*args, "--market-samples", "1"])
    assert shown.exit_code == 0, shown.output
    words = " ".join(shown.output.split())  # the terminal wraps long lines
    assert "P(demand exceeds supply in some month) 100% (without 0%)" in words
    assert "P(world short)" in words and "P(chips binds)" in words


def test_the_market_takes_the_lab_s_bid_from_a_plan(runner: CliRunner, tmp_path: Path) -> None:
    from test_labbid import _scenario

    scenario = tmp_path / "bid.yaml"
    scenario.write_text(_scenario(), encoding="utf-8")
    plan_dir = tmp_path / "plan"
    solved = runner.invoke(app, ["plan", str(scenario), "--out", str(plan_dir), "--no-report"])
    assert solved.exit_code == 0, solved.output
    market = tmp_path / "m.yaml"
    market.write_text(
        one_resource_text(supply=100, demand_a=80, demand_b=80, bid_a=1, bid_b=20000),
        encoding="utf-8",
    )
    args = ["market", str(market), "--rule", "price", "--lab-bid-from-plan", str(plan_dir)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    [bid] = data["lab_bid"]
    assert bid["usd_per_h100e_year"] == pytest.approx(2 * 8760, rel=1e-6)
    a = next(r for r in data["labs"] if r["lab"] == "a")
    assert a["bid_usd_per_h100e_year"] == pytest.approx(2 * 8760, rel=1e-6)
    assert a["served_h100e"] / 1e6 == pytest.approx(20.0, abs=1e-3)
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0, shown.output
    assert "The lab's bid from its plan" in shown.output and "17,520" in shown.output


def test_sweep_with_the_market_says_how_the_answer_changes(
    runner: CliRunner, files: tuple[Path, Path]
) -> None:
    scenario, market = files
    price = "  sites.cheap.offers[0].usd_per_hour: {uniform: {low: 1.0, high: 1.1}}\n"
    scenario.write_text(_text(scale=SCALE) + "uncertainty:\n" + price, encoding="utf-8")
    args = ["sweep", str(scenario), "--market", str(market), "--serial", "--samples", "2"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    versus = json.loads(result.stdout)["market"]["versus"]
    lost = versus["mean_lost_revenue_usd"]
    assert lost["without"] == pytest.approx(0.0, abs=1.0)
    assert lost["with"] == pytest.approx(4.5e9 * 0.3 / 1.5, abs=3001)
    assert versus["mean_objective_usd"]["with"] > versus["mean_objective_usd"]["without"]
