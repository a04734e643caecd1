"""On random small scenarios: VSS >= 0, EVPI >= 0, and one future is the deterministic plan.

VSS >= 0 because the stochastic plan's first stage is optimal and the mean-value plan's
is one feasible choice among others; EVPI >= 0 because each wait-and-see plan is
optimal for its own future. Both hold up to the solver's tolerances (1e-6 relative here).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gigawatt.decide import decide
from gigawatt.plan import plan
from gigawatt.scenario import Scenario
from gigawatt.scenario.load import scenario_from_data

pytestmark = pytest.mark.slow

DEMAND = "workloads.api.demand_flops"


def random_case(seed: int) -> tuple[Scenario, list[dict[str, float]], list[float]]:
    """A 3-month scenario: a reserved and an on-demand offer, uncertain demand."""
    rng = np.random.default_rng(seed)
    reserved = float(rng.uniform(0.5, 2.0))
    data: dict[str, Any] = {
        "name": f"random-{seed}",
        "horizon": {"start": "2025-01", "months": 3},
        "discount_rate": float(rng.uniform(0, 0.2)),
        "accelerators": {"H100": {"peak_flops": 1.0e15, "facility_watts": 1000}},
        "providers": {"a": {"kind": "cloud"}, "b": {"kind": "cloud"}},
        "sites": {
            "a1": {
                "provider": "a",
                "offers": [
                    {
                        "accelerator": "H100",
                        "pricing": "reserved",
                        "usd_per_hour": reserved,
                        "term_months": int(rng.integers(1, 4)),
                        "available": float(rng.uniform(2000, 8000)),
                    }
                ],
            },
            "b1": {
                "provider": "b",
                "offers": [
                    {
                        "accelerator": "H100",
                        "pricing": "on_demand",
                        "usd_per_hour": reserved * float(rng.uniform(1.1, 3.0)),
                        "available": float(rng.uniform(0, 3000)),
                    }
                ],
            },
        },
        "workloads": [
            {
                "name": "api",
                "kind": "inference",
                "demand_flops": 1.0e18,
                "utilization": 0.5,
                "revenue_usd_per_month": float(rng.uniform(2e6, 2e7)),
            }
        ],
        "uncertainty": {DEMAND: {"uniform": {"low": 1.0e17, "high": 4.0e18}}},
    }
    scenario = scenario_from_data(data, f"random case {seed}")
    n = int(rng.integers(2, 5))
    values = [{DEMAND: float(rng.uniform(1e17, 4e18))} for _ in range(n)]
    weights = [float(w) for w in rng.uniform(0.2, 1.0, size=n)]
    return scenario, values, weights


@pytest.mark.parametrize("seed", range(4))
def test_vss_and_evpi_are_never_negative(seed: int) -> None:
    scenario, values, weights = random_case(seed)
    result = decide(scenario, values=values, weights=weights, decision_months=2, regret=False)
    s = result.summary
    scale = max(1.0, abs(s["objective_usd"]))
    assert s["vss_usd"] >= -1e-6 * scale
    assert s["evpi_usd"] >= -1e-6 * scale
    assert s["mean_value_objective_usd"] >= s["objective_usd"] - 1e-6 * scale
    # each future's stochastic cost is at least its wait-and-see optimum
    futures = result.futures
    gap = futures["cost_usd"] - futures["wait_and_see_cost_usd"]
    assert (gap >= -1e-6 * scale).all()


def test_one_future_is_the_deterministic_plan() -> None:
    scenario, values, _ = random_case(7)
    result = decide(scenario, values=values[:1], regret=False)
    alone = plan(scenario_from_data(_with(scenario, values[0]), "the one future"))
    s = result.summary
    assert s["objective_usd"] == pytest.approx(alone.summary["model_objective_usd"], rel=1e-7)
    assert s["vss_usd"] == pytest.approx(0.0, abs=1e-6 * abs(s["objective_usd"]))
    assert s["evpi_usd"] == pytest.approx(0.0, abs=1e-6 * abs(s["objective_usd"]))


def _with(scenario: Scenario, value: dict[str, float]) -> dict[str, Any]:
    data: dict[str, Any] = dict(scenario.raw)
    data["workloads"] = [{**scenario.raw["workloads"][0], "demand_flops": value[DEMAND]}]
    return data
