"""Clause costs (serial and parallel agree, signs), plan save/load, solver outcomes."""

from __future__ import annotations

import pytest

from gigawatt.errors import InfeasibleError
from gigawatt.plan import Plan, SolveOptions, plan
from gigawatt.plan.clauses import clause_costs
from gigawatt.scenario import parse_scenario

# Two months (Jan 744 h, Feb 672 h). Azure H100 on demand at $2/h, OCI at $1/h.
# The api product needs 1e18 FLOP/s = 1e18 / (1e15 * 0.5) = 2000 accelerators.
SCENARIO = """
name: clauses
horizon: {start: 2025-01, months: 2}
accelerators:
  H100: {peak_flops: 1.0e15, facility_watts: 1000}
providers:
  azure: {kind: cloud}
  oci: {kind: cloud}
sites:
  az: {provider: azure, offers: [{accelerator: H100, pricing: on_demand, usd_per_hour: 2,
       available: 10000}]}
  oc: {provider: oci, offers: [{accelerator: H100, pricing: on_demand, usd_per_hour: 1,
       available: 10000}]}
workloads:
  - {name: api, kind: inference, tags: [api], demand_flops: 1.0e18, utilization: 0.5,
     revenue_usd_per_month: 1.0e8}
contracts:
  - name: ms
    counterparty: azure
    clauses:
      - {type: pin, tags: [api]}
      - {type: min_spend, usd: 1.0e6}
"""


def test_clause_costs_hand_worked_and_parallel_equals_serial() -> None:
    s = parse_scenario(SCENARIO)
    serial = clause_costs(s, processes=1)
    parallel = clause_costs(s, processes=2, method="rebuild")
    assert [c.cost_usd for c in serial] == pytest.approx([c.cost_usd for c in parallel], rel=1e-9)
    pin, min_spend = serial
    # With the pin: 2000 acc x $2 x (744 + 672) h = $5,664,000 on Azure; the $1M
    # minimum spend is met. Without the pin, each accelerator-hour moved to Azure costs
    # $2 but cuts the take-or-pay shortfall by $2, so exactly $1M of work stays on Azure
    # (500,000 accelerator-hours) and the rest goes to OCI at $1/h:
    # 1,000,000 + (2000 x 1416 - 500,000) x 1 = $3,332,000.
    # The pin costs 5,664,000 - 3,332,000 = $2,332,000.
    assert pin.type == "pin"
    assert pin.cost_usd == pytest.approx(2_332_000, rel=1e-6)
    # Dropping the min spend alone changes nothing (the pin already spends more).
    assert min_spend.cost_usd == pytest.approx(0.0, abs=1e-3)


def test_plan_save_and_load_round_trip(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "out"
    result = plan(parse_scenario(SCENARIO))
    result.save(folder, csv=True)
    again = Plan.load(folder)
    assert again.objective_usd == pytest.approx(result.objective_usd)
    assert set(again.tables) == set(result.tables)
    assert len(again.tables["allocation"]) == len(result.tables["allocation"])
    assert (folder / "allocation.csv").is_file()


def test_strict_demand_infeasible_names_scenario_terms() -> None:
    # Demand needs 2000 accelerators on Azure (pinned) but only 500 are available.
    text = SCENARIO.replace(
        "usd_per_hour: 2,\n       available: 10000", "usd_per_hour: 2,\n       available: 500"
    )
    s = parse_scenario(text)
    with pytest.raises(InfeasibleError) as info:
        plan(s, SolveOptions(allow_shortfall=False))
    joined = "\n".join(info.value.conflicts)
    assert "workload api inference demand" in joined
    assert "sites.az.offers[0]" in joined


def test_conflicts_are_named_whatever_thread_count_ran_before() -> None:
    # HiGHS sizes one scheduler per process on first use; a later IIS with another
    # ``threads`` option failed ("HiGHS failed to compute an IIS") before the reset.
    text = SCENARIO.replace(
        "usd_per_hour: 2,\n       available: 10000", "usd_per_hour: 2,\n       available: 500"
    )
    s = parse_scenario(text)
    for threads in (None, 1, 2, 1):
        with pytest.raises(InfeasibleError) as info:
            plan(s, SolveOptions(allow_shortfall=False, threads=threads))
        assert any("workload api inference demand" in c for c in info.value.conflicts), threads


def test_revenue_share_clause_costs_the_share_paid() -> None:
    # The product is profitable with or without the share (revenue $100M/month against
    # 2000 acc x $2 x 744 h = $2.98M), so it is fully served either way and the plan
    # does not change; the clause costs exactly the share paid: 20% x $100M x 2 months.
    text = SCENARIO.replace(
        "      - {type: min_spend, usd: 1.0e6}",
        "      - {type: revenue_share, percent: 20, tags: [api]}",
    )
    costs = clause_costs(parse_scenario(text), processes=1)
    share = next(c for c in costs if c.type == "revenue_share")
    assert share.cost_usd == pytest.approx(0.2 * 1e8 * 2, rel=1e-6)
    assert share.revenue_share_with_usd == pytest.approx(4e7, rel=1e-9)
    assert share.revenue_share_without_usd == 0.0
