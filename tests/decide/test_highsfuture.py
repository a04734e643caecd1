"""The in-place HiGHS solves of a future against the same solves through linopy.

:mod:`gigawatt.decide.highsfuture` changes one HiGHS instance between solves instead
of rebuilding the objective in linopy; the reference is ``FutureModel._solve_linopy``,
which builds each objective as a linopy expression (the path every solve took before).
Each request of progressive hedging (plain, fixed, priced with a quadratic or a
linearised proximal term, Lagrangian, with and without CVaR) must give the same cost,
the same bound and, where the optimum is unique, the same first stage; and the model
must be unchanged afterwards (the fixed bounds and tangent rows taken away again).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gigawatt.decide import Risk, draw_futures
from gigawatt.decide.subproblem import ETA, FutureModel, FutureSolve, Prices, Values
from gigawatt.plan.solve import SolveOptions
from gigawatt.scenario import Scenario, load_scenario

HERE = Path(__file__).parent
REL = 1e-7


def _models(scenario: Scenario, risk: Risk) -> list[FutureModel]:
    futures = draw_futures(scenario, 2, seed=3)
    options = SolveOptions(duals=False, threads=1)
    return [FutureModel(s, i, options, 1, risk) for i, s in enumerate(futures.scenarios(scenario))]


def _same(fast: FutureSolve | None, slow: FutureSolve, first_stage: bool, mip: bool) -> None:
    assert fast is not None and slow.status == "optimal"
    assert fast.objective_musd == pytest.approx(slow.objective_musd, rel=REL, abs=1e-9)
    # a MIP's dual bound is where HiGHS stopped, within its relative gap (1e-4) of the
    # optimum, on either path
    assert fast.bound_musd == pytest.approx(slow.bound_musd, rel=2e-4 if mip else REL, abs=1e-9)
    assert set(fast.first_stage) == set(slow.first_stage)
    if first_stage:
        for name in slow.first_stage:
            np.testing.assert_allclose(
                fast.first_stage[name], slow.first_stage[name], rtol=1e-5, atol=1e-6
            )


def _requests(
    first: Values, binary: dict[str, bool], cvar: bool
) -> list[tuple[str, Values | None, Prices | None]]:
    """Plain, fixed (continuous entries halved), priced and Lagrangian requests."""
    rng = np.random.default_rng(7)
    shaped = dict(first)
    if cvar:
        shaped[ETA] = np.asarray(5.0)
    mean = {k: np.abs(v) + rng.uniform(0.0, 1.0, np.shape(v)) for k, v in shaped.items()}
    multipliers = {k: rng.normal(0.0, 0.5, np.shape(v)) for k, v in shaped.items()}
    rho = {k: rng.uniform(0.5, 3.0, np.shape(v)) for k, v in shaped.items()}
    reach = {k: rng.uniform(0.2, 2.0, np.shape(v)) for k, v in shaped.items()}
    bounds = (0.0, 1e3) if cvar else None
    fixed = {k: v if binary[k] else np.round(np.abs(v) * 0.5, 3) for k, v in first.items()}
    return [
        ("plain", None, None),
        ("fixed", fixed, None),
        ("priced", None, Prices(multipliers, mean, rho, reach, bounds)),
        ("lagrangian", None, Prices(multipliers, mean, None, None, bounds)),
        ("plain again", None, None),
    ]


@pytest.mark.parametrize("risk", [Risk(), Risk(cvar_alpha=0.7, cvar_weight=0.5)])
@pytest.mark.parametrize("name", ["newsvendor.yaml", "binaries.yaml"])
def test_in_place_solves_equal_linopy_solves(name: str, risk: Risk) -> None:
    scenario = load_scenario(HERE / name)
    for model in _models(scenario, risk):
        first = model.solve()  # through linopy: keeps the HiGHS instance
        assert model.fast is not None
        binaries = model.has_binaries
        assert binaries == (name == "binaries.yaml")
        for what, fixed, prices in _requests(first.first_stage, model.binary, risk.cvar_weight > 0):
            fast = model.fast.solve(fixed, prices)
            slow = model._solve_linopy(fixed, prices)
            # a strictly convex proximal term makes the first stage unique (no binaries)
            unique = what == "priced" and not binaries
            _same(fast, slow, unique or what == "fixed", binaries)
            if fixed is not None and fast is not None:
                for key, value in fixed.items():
                    on = model.stage.masks[key]
                    np.testing.assert_allclose(fast.first_stage[key][on], value[on], atol=1e-7)


def test_an_infeasible_in_place_solve_falls_back_to_linopy(newsvendor: Scenario) -> None:
    """A first stage fixed beyond what is offered: HiGHS proves no optimum, linopy says why."""
    model = _models(newsvendor, Risk())[0]
    first = model.solve()
    impossible = {k: np.full(np.shape(v), 1e3) for k, v in first.first_stage.items()}
    assert model.fast is not None
    assert model.fast.solve(impossible, None) is None
    solved = model.solve(impossible)
    assert solved.status == "infeasible" and solved.message
    assert model.solve().objective_musd == pytest.approx(first.objective_musd, rel=REL)
