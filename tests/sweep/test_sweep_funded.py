"""A sweep of funded plans (issue #20): the funding figures per sample and across samples.

The scenario is the funding-cap case of tests/plan/test_funded.py (a free $300k credit
line) with its starting cash C uncertain: the money at hand is C + $300k, and for that
between $375k and $1.5M the optimum is worked by hand there, objective = $4.0M - C -
$300k (revenue lost to the cap), financing cost 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from gigawatt.plan import SolveOptions
from gigawatt.scenario import parse_scenario
from gigawatt.sweep.run import run_sweep

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
    assert (table["min_cash_basis_usd"] >= -1e-3).all()
    assert (table["funding_needed_usd"] > 0).all()
    assert result.distribution("financing_cost_usd")["n"] == 4
    mean = result.distribution("objective_usd")["mean"]
    assert mean == pytest.approx(float(np.mean(4.0e6 - money)), rel=1e-6)
