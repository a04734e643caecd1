"""The forecast command through the real console script."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from gigawatt.forecast import Forecast

GIGAWATT = str(Path(sys.executable).with_name("gigawatt"))

BAD = """
name: bad
horizon: {start: 2025-01, months: 6}
accelerators:
  H100: {peak_flops: 1.0e15, facility_watts: 1000}
providers:
  az: {kind: cloud}
sites:
  az: {provider: az, offers: [{accelerator: H100, pricing: on_demand, usd_per_hour: 2,
       lead_months: 0, available: 100}]}
workloads:
  - {name: api, kind: inference, demand_flops: 1.0e16}
uncertainty:
  sites.az.offers[0].lead_months: {uniform: {low: 0, high: 3}}
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GIGAWATT, *args], capture_output=True, text=True, timeout=600, check=False
    )


def test_forecast_json_and_out(tmp_path: Path) -> None:
    out = run("forecast", "--samples", "400", "--seed", "3", "--json", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["kind"] == "forecast"
    assert data["samples"] == 400 and data["seed"] == 3
    assert data["scenario"] == "frontier-lab-2025"
    assert {"p5", "p25", "p50", "p75", "p90", "p95"} <= set(data["funding_needed_usd"])
    gap = [data["funding_needed_usd"][f"p{q}"] for q in (5, 25, 50, 75, 90, 95)]
    assert gap == sorted(gap)
    by_year = data["p_cash_negative_by_year"]
    assert set(by_year) == {str(y) for y in range(2025, 2031)}
    # below the floor in some month of a year: at least as likely as in its last month
    probs = {r["month"]: r["p_cash_negative"] for r in data["probabilities"]}
    assert all(by_year[y] >= probs[f"{y}-12"] - 1e-12 for y in by_year)
    assert len(data["probabilities"]) == 72
    quantities = {row["quantity"] for row in data["bands"]}
    assert {"demand_flops", "demand_twh", "supply_mw", "gap_flops", "cash_usd"} <= quantities
    assert data["sensitivity"]["cash_final_usd"]
    saved = Forecast.load(tmp_path)
    assert saved.summary["samples"] == 400
    assert (tmp_path / "bands.parquet").is_file() and (tmp_path / "summary.json").is_file()


def test_forecast_tables_on_the_terminal() -> None:
    out = run("forecast", "frontier-lab-2025-10", "-n", "300", "--quiet")
    assert out.returncode == 0, out.stderr
    assert "Compute at each year end" in out.stdout
    assert "Funding gap (to keep cash >= the $0 floor): p5" in out.stdout
    assert "P(<floor) year" in out.stdout
    assert "Sensitivity" in out.stdout


def test_forecast_bad_uncertainty_is_located(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(BAD)
    out = run("forecast", str(f), "-n", "10")
    assert out.returncode == 2
    assert "uncertainty.sites.az.offers[0].lead_months" in out.stderr
    assert f"{f}:14:3:" in out.stderr
    assert "cannot be sampled" in out.stderr
    assert "Traceback" not in out.stderr


def test_forecast_names_structural_gaps_and_years(tmp_path: Path) -> None:
    # tests/forecast/gap_scenarios.py: chat is short in 2026-03 in every sample
    sys.path.insert(0, str(Path(__file__).parents[1] / "forecast"))
    from gap_scenarios import GAPS, STEP

    f = tmp_path / "gaps.yaml"
    f.write_text(GAPS.replace("CHAT", STEP))
    data = json.loads(run("forecast", str(f), "-n", "200", "--json").stdout)
    out = run("--no-color", "forecast", str(f), "-n", "200")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    aside = data["p_demand_exceeds_supply_any_month_excluding_structural"]
    assert f"structural gaps aside: {aside:.0%}" in text
    assert "Structural gaps: short in every sample" in text
    row = next(line for line in text.splitlines() if "2026-03" in line)
    assert "chat" in row and "0.5" in row  # 5e17 FLOP/s = 0.5 EFLOP/s
    by_year = data["p_demand_exceeds_supply_by_year"]
    aside_by_year = data["p_demand_exceeds_supply_by_year_excluding_structural"]
    # columns stand three spaces apart (cli/layout.py), cells never hold two spaces
    rows = [re.split(r"\s{2,}", x.strip()) for x in text.splitlines()]
    for year in ("2026", "2027"):
        [cells] = [r for r in rows if r[0] == year]
        assert cells[1:] == [f"{by_year[year]:.0%}", f"{aside_by_year[year]:.0%}"]
    assert by_year["2026"] == 1.0 and aside_by_year["2026"] < 1.0
