"""A sweep of funded plans (issue #20): the funding figures per sample and across samples.

The scenario is the funding-cap case of tests/plan/test_funded.py (a free $300k credit
line) with its starting cash C uncertain: the money at hand is C + $300k, and for that
between $375k and $1.5M the optimum is worked by hand there, objective = $4.0M - C -
$300k (revenue lost to the cap), financing cost 0.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gigawatt.plan import SolveOptions
from gigawatt.scenario import parse_scenario
from gigawatt.sweep.run import run_sweep

GIGAWATT = str(Path(sys.executable).with_name("gigawatt"))

CAPPED = """
name: capped-sweep
horizon: {start: 2025-01, months: 3}
accelerators: {X: {peak_flops: 1.0e15, facility_watts: 1000}}
providers: {own: {kind: owned}}
sites:
  s: {provider: own, offers: [{accelerator: X, pricing: build, capex_usd: 3000,
      opex_usd_per_hour: 0, lifetime_months: 3, available: 1000}]}
workloads: [{name: api, kind: inference, demand_flops: 5.0e17, utilization: 0.5,
             revenue_usd_per_month: 1.5e6}]
finance:
  cash_usd: 2.0e5
  funded: true
  debt: [{name: bank, limit_usd: 3.0e5, rate_per_year: 0.0, tenor_months: 12}]
uncertainty:
  finance.cash_usd: {uniform: {low: 1.0e5, high: 3.0e5}}
"""


def test_each_sample_is_funded_and_reported() -> None:
    result = run_sweep(parse_scenario(CAPPED), samples=4, seed=1, options=SolveOptions())
    table = result.samples
    assert (table["status"] == "optimal").all()
    cash = table["finance.cash_usd"].to_numpy()
    assert ((cash >= 1.0e5) & (cash <= 3.0e5)).all()
    money = cash + 3.0e5
    assert table["objective_usd"].to_numpy() == pytest.approx(4.0e6 - money, rel=1e-6)
    assert table["financing_cost_usd"].to_numpy() == pytest.approx(np.zeros(4), abs=1e-6)
    assert (table["min_cash_usd"] >= -1e-3).all()
    # planned without the cash constraint every sample serves all (revenue $1.5M a month
    # against $1M charged): the revenue lost to the funding cap is all the lost revenue
    lost = table["lost_revenue_to_funding_usd"].to_numpy()
    assert lost == pytest.approx(table["lost_revenue_usd"].to_numpy(), rel=1e-9)
    assert (lost > 1.0e5).all()
    assert result.distribution("lost_revenue_to_funding_usd")["n"] == 4
    assert (table["funding_needed_usd"] > 0).all()
    assert result.distribution("financing_cost_usd")["n"] == 4
    mean = result.distribution("objective_usd")["mean"]
    assert mean == pytest.approx(float(np.mean(4.0e6 - money)), rel=1e-6)


def test_the_sweep_command_prints_the_funding_figures(tmp_path: Path) -> None:
    f = tmp_path / "capped.yaml"
    f.write_text(CAPPED)
    out = subprocess.run(
        [GIGAWATT, "sweep", str(f), "-n", "2", "--seed", "1", "--serial"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    for label in (
        "funding drawn $B",
        "financing cost $B (PV)",
        "revenue lost to funding $B (PV)",
        "lowest cash $B",
    ):
        assert label in out.stdout


SHARED = """
name: shared-sweep
uncertainty:
  contracts.partner.clauses[0].cap_usd: {uniform: {low: 1.0e5, high: 2.0e5}}
contracts:
  - {name: partner, counterparty: p, clauses: [
      {type: revenue_share, percent: 10, tags: [api], cap_usd: 1.5e5}]}
workloads: [{name: api, kind: inference, demand_flops: 5.0e17, utilization: 0.5,
             revenue_usd_per_month: 1.0e6, tags: [api]}]
sites:
  s: {provider: p, offers: [{accelerator: X, pricing: on_demand, usd_per_hour: 0,
      available: 1000}]}
providers: {p: {kind: cloud}}
accelerators: {X: {peak_flops: 1.0e15, facility_watts: 1000}}
horizon: {start: 2025-01, months: 3}
"""


def test_an_unknown_revenue_share_cap_is_sampled_in_each_plan() -> None:
    # Free compute, all served: 10% of $1M a month is due ($300k over the horizon), so the
    # share paid (no discounting) is the sampled cap C itself, C in [$100k, $200k].
    result = run_sweep(parse_scenario(SHARED), samples=4, seed=2, options=SolveOptions())
    table = result.samples
    assert (table["status"] == "optimal").all()
    cap = table["contracts.partner.clauses[0].cap_usd"].to_numpy()
    assert ((cap >= 1.0e5) & (cap <= 2.0e5)).all() and np.ptp(cap) > 0
    assert table["revenue_share_usd"].to_numpy() == pytest.approx(cap, rel=1e-9)
