"""The newsvendor, worked by hand: the stochastic plan reserves the critical fractile.

Reserve q accelerators now at c = $744 each (one January at $1/hour); demand is D
accelerators (2,000, 4,000 or 6,000) and each one short costs p = $2,000. The expected
cost c q + p E[(D - q)+] is least at the smallest q with P(D <= q) >= (p - c) / p =
0.628 (the critical fractile). The figures below are computed by hand from c, p and
the distribution; the model knows none of them.
"""

from __future__ import annotations

import pytest

from gigawatt.decide import Risk, decide
from gigawatt.scenario import Scenario

DEMAND = "workloads.api.demand_flops"
C, P = 744.0, 2000.0  # $ per accelerator reserved, $ per accelerator short
LEVELS = (2000.0, 4000.0, 6000.0)  # accelerators: demand / (1e15 x 0.5)
FUTURES = [{DEMAND: d * 5e14} for d in LEVELS]


def fractile(weights: list[float]) -> float:
    """The smallest level whose cumulative probability reaches (p - c) / p."""
    total = 0.0
    for level, w in zip(LEVELS, weights, strict=True):
        total += w
        if total >= (P - C) / P:
            return level
    raise AssertionError("unreachable")


def expected_cost(q: float, weights: list[float]) -> float:
    return C * q + P * sum(w * max(0.0, d - q) for d, w in zip(LEVELS, weights, strict=True))


@pytest.mark.parametrize("weights", [[0.2, 0.5, 0.3], [0.7, 0.2, 0.1], [0.1, 0.2, 0.7]])
def test_the_commitment_is_the_critical_fractile(
    newsvendor: Scenario, weights: list[float]
) -> None:
    result = decide(newsvendor, values=FUTURES, weights=weights, regret=False)
    rows = result.commitments
    assert list(rows["pricing"]) == ["reserved"] and list(rows["month"]) == ["2025-01"]
    q = fractile(weights)
    assert rows["accelerators"].iloc[0] == pytest.approx(q, rel=1e-6)
    assert rows["usd_committed"].iloc[0] == pytest.approx(C * q, rel=1e-6)
    assert result.summary["objective_usd"] == pytest.approx(expected_cost(q, weights), rel=1e-6)


def test_vss_and_evpi_by_hand(newsvendor: Scenario) -> None:
    weights = [0.2, 0.5, 0.3]
    result = decide(newsvendor, values=FUTURES, weights=weights, regret=False)
    s = result.summary
    # mean demand 4,200: the mean-value plan reserves it all (p > c)
    eev = expected_cost(4200.0, weights)  # 744 x 4,200 + 2,000 x 0.3 x 1,800 = 4,204,800
    ws = C * sum(w * d for d, w in zip(LEVELS, weights, strict=True))  # 3,124,800
    rp = expected_cost(4000.0, weights)  # 4,176,000
    assert s["mean_value_objective_usd"] == pytest.approx(eev, rel=1e-6)
    assert s["vss_usd"] == pytest.approx(eev - rp, rel=1e-6)  # 28,800
    assert s["wait_and_see_objective_usd"] == pytest.approx(ws, rel=1e-6)
    assert s["evpi_usd"] == pytest.approx(rp - ws, rel=1e-6)  # 1,051,200
    futures = result.futures
    assert list(futures["cost_usd"]) == pytest.approx(
        [C * 4000 + P * max(0.0, d - 4000) for d in LEVELS], rel=1e-6
    )


def test_cvar_of_the_worst_future_reserves_for_it(newsvendor: Scenario) -> None:
    # CVaR at 0.7 is the cost of the 6,000 future alone (probability 0.3): 744 q +
    # 2,000 (6,000 - q) falls with q, so reserve 6,000: 744 x 6,000 = 4,464,000.
    risk = Risk(cvar_alpha=0.7, cvar_weight=1.0)
    result = decide(newsvendor, values=FUTURES, weights=[0.2, 0.5, 0.3], risk=risk, regret=False)
    assert result.commitments["accelerators"].iloc[0] == pytest.approx(6000.0, rel=1e-6)
    assert result.summary["objective_usd"] == pytest.approx(C * 6000.0, rel=1e-6)
    assert result.summary["cost_distribution"]["cvar"] == pytest.approx(C * 6000.0, rel=1e-6)
