"""The public entry point of the planner: scenario in, :class:`Plan` out."""

from __future__ import annotations

import time

from gigawatt.plan.inputs import PlanInputs
from gigawatt.plan.model import PlanModel, build_model
from gigawatt.plan.results import Plan, extract_plan
from gigawatt.plan.solve import ProgressCallback, SolveOptions, solve_model
from gigawatt.scenario.schema import Scenario

__all__ = ["build", "plan"]


def build(scenario: Scenario, options: SolveOptions | None = None) -> PlanModel:
    """Gather the inputs of a scenario and build its model, without solving."""
    options = options or SolveOptions()
    return build_model(PlanInputs.from_scenario(scenario), allow_shortfall=options.allow_shortfall)


def plan(
    scenario: Scenario,
    options: SolveOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> Plan:
    """Find the cheapest plan for a scenario.

    ``progress`` is called while HiGHS runs a MILP (elapsed time, incumbent, bound, gap).

    Raises:
        InfeasibleError: with ``allow_shortfall=False`` when demand cannot be met.
        SolverError: time limit without a solution, or unbounded.
    """
    options = options or SolveOptions()
    started = time.perf_counter()
    pm = build(scenario, options)
    build_seconds = time.perf_counter() - started
    outcome = solve_model(pm, options, progress=progress)
    return extract_plan(pm, outcome, build_seconds=build_seconds)
