"""Progressive hedging on Ray agrees with the extensive form.

Stated tolerance: hedging stops when the first stages' spread is at most 1e-4 of the
consensus (thousands of accelerators); the commitments and the objective then agree
with the extensive form's within 1e-3 relative.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gigawatt.decide import HedgingOptions, decide
from gigawatt.scenario import Scenario

pytestmark = pytest.mark.slow

DEMAND = "workloads.api.demand_flops"
FUTURES = [{DEMAND: d} for d in (1.0e18, 2.0e18, 3.0e18)]
WEIGHTS = [0.2, 0.5, 0.3]


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    """A real local Ray with 2 CPUs for the module; the library finds it initialised."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        yield
    finally:
        ray.shutdown()


def test_hedging_on_ray_equals_the_extensive_form(newsvendor: Scenario, ray_cluster: None) -> None:
    extensive = decide(newsvendor, values=FUTURES, weights=WEIGHTS, regret=False)
    hedged = decide(
        newsvendor,
        values=FUTURES,
        weights=WEIGHTS,
        regret=False,
        method="hedging",
        backend="ray",
        hedging=HedgingOptions(rho=1.0, tolerance=1e-4),
    )
    h, e = hedged.summary, extensive.summary
    assert h["hedging"]["converged"] and h["hedging"]["iterations"] >= 1
    assert h["objective_usd"] == pytest.approx(e["objective_usd"], rel=1e-3)
    assert hedged.commitments["accelerators"].iloc[0] == pytest.approx(
        extensive.commitments["accelerators"].iloc[0], rel=1e-3
    )
    # in this process the futures' models are built once; on Ray each task builds its
    # own: the same iterations and the same consensus
    serial = decide(newsvendor, values=FUTURES, weights=WEIGHTS, regret=False, method="hedging")
    assert serial.summary["hedging"] == h["hedging"]
    assert serial.summary["objective_usd"] == pytest.approx(h["objective_usd"], rel=1e-9)
    # the figures that do not depend on the method are the same
    for key in ("mean_value_objective_usd", "wait_and_see_objective_usd"):
        assert h[key] == pytest.approx(e[key], rel=1e-9)
