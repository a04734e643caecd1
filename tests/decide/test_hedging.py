"""Progressive hedging against the extensive form, serially and on Ray.

Stated tolerance: hedging stops when the futures' first stages are within 1e-4 of the
consensus and the consensus moves by less than 1e-4 of its size (thousands of
accelerators; with CVaR, eta too); the commitments and the objective then agree with
the extensive form's within 1e-3 relative, and the certified gap between the
Lagrangian lower bound and the consensus's objective is at most 1e-3. Whatever the
iterations do (with binaries hedging is a heuristic), the lower bound is at most the
extensive form's optimum and the consensus's objective at least it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gigawatt.decide import Decision, HedgingOptions, Risk, decide
from gigawatt.scenario import Scenario, load_scenario

pytestmark = pytest.mark.slow

DEMAND = "workloads.api.demand_flops"
FUTURES = [{DEMAND: d} for d in (1.0e18, 2.0e18, 3.0e18)]
WEIGHTS = [0.2, 0.5, 0.3]
TOLERANCE = 1e-3
SLACK = 1e-6  # relative: solver tolerances on each side of a bound


def _bracket(hedged: Decision, extensive: Decision) -> None:
    """Lower bound <= the extensive optimum <= the consensus's objective."""
    h, e = hedged.summary, extensive.summary
    optimum = e["objective_usd"]
    assert h["hedging"]["lower_bound_usd"] <= optimum + SLACK * abs(optimum)
    assert h["objective_usd"] >= optimum - SLACK * abs(optimum)


def _agree(hedged: Decision, extensive: Decision) -> None:
    h, e = hedged.summary, extensive.summary
    assert h["hedging"]["converged"] and h["status"] == "optimal"
    assert h["objective_usd"] == pytest.approx(e["objective_usd"], rel=TOLERANCE)
    assert hedged.commitments["accelerators"].iloc[0] == pytest.approx(
        extensive.commitments["accelerators"].iloc[0], rel=TOLERANCE
    )
    assert h["hedging"]["gap"] <= TOLERANCE
    assert h["hedging"]["models_built"] == len(FUTURES)  # each future's model built once
    _bracket(hedged, extensive)


@pytest.mark.parametrize(
    ("risk", "adaptive"),
    [(Risk(), False), (Risk(cvar_alpha=0.7, cvar_weight=0.5), False), (Risk(), True)],
)
def test_hedging_equals_the_extensive_form(
    newsvendor: Scenario, risk: Risk, adaptive: bool
) -> None:
    # with CVaR (0.7, 0.5) the optimum is 744 x 6,000 = 4,464,000 (the worst future's
    # reservation: 0.5 E + 0.5 CVaR falls with q up to 6,000); without, 4,176,000
    extensive = decide(newsvendor, values=FUTURES, weights=WEIGHTS, regret=False, risk=risk)
    hedged = decide(
        newsvendor,
        values=FUTURES,
        weights=WEIGHTS,
        regret=False,
        risk=risk,
        method="hedging",
        hedging=HedgingOptions(adaptive=adaptive),
    )
    _agree(hedged, extensive)


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    """A real local Ray with 2 CPUs for the module; the library finds it initialised."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        yield
    finally:
        ray.shutdown()


def test_hedging_on_ray_actors_equals_serial(newsvendor: Scenario, ray_cluster: None) -> None:
    settings = HedgingOptions(max_iterations=6)  # the same iterates, not convergence
    kwargs: dict[str, Any] = {
        "values": FUTURES,
        "weights": WEIGHTS,
        "regret": False,
        "method": "hedging",
    }
    serial = decide(newsvendor, hedging=settings, **kwargs)
    on_ray = decide(newsvendor, hedging=settings, backend="ray", **kwargs)
    s, r = serial.summary, on_ray.summary
    # two actors hold the three futures' models, each built once
    assert r["hedging"]["models_built"] == len(FUTURES)
    assert r["hedging"] == s["hedging"]
    assert r["objective_usd"] == pytest.approx(s["objective_usd"], rel=1e-9)
    for key in ("mean_value_objective_usd", "wait_and_see_objective_usd"):
        assert r[key] == pytest.approx(s[key], rel=1e-9)


def test_binaries_are_bracketed_by_the_bounds() -> None:
    # a right of first refusal (a binary per month) and a single-site run (its site a
    # first-stage binary): subproblems are MILPs with the linearised proximal term
    scenario = load_scenario(Path(__file__).with_name("binaries.yaml"))
    futures = [{DEMAND: d} for d in (0.5e18, 2.0e18, 3.5e18)]
    weights = [0.3, 0.4, 0.3]
    for risk in (Risk(), Risk(cvar_alpha=0.6, cvar_weight=0.5)):
        kwargs: dict[str, Any] = {
            "values": futures,
            "weights": weights,
            "regret": False,
            "risk": risk,
        }
        extensive = decide(scenario, decision_months=1, **kwargs)
        hedged = decide(
            scenario,
            decision_months=1,
            method="hedging",
            hedging=HedgingOptions(max_iterations=3),
            **kwargs,
        )
        _bracket(hedged, extensive)
        sites = hedged.commitments[hedged.commitments["pricing"] == "site"]
        assert list(sites["offer"]) == ["run"]  # the run placed at exactly one site
